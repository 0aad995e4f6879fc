#include "modules/shopping/facet_tally.hpp"

#include <algorithm>
#include <map>

namespace shopping {

std::int64_t minor_scale(int minor_digits) {
    std::int64_t scale = 1;
    for (int i = 0; i < minor_digits; ++i) {
        scale *= 10;
    }
    return scale;
}

std::size_t price_bucket_of(std::int64_t amount, std::int64_t scale) {
    std::size_t b = price_bucket_floors.size() - 1;
    while (b > 0 && amount < price_bucket_floors[b] * scale) {
        --b;
    }
    return b;
}

namespace {

void rank(std::vector<facet_count>& values) {
    std::sort(values.begin(), values.end(), [](const facet_count& a, const facet_count& b) {
        return a.count != b.count ? a.count > b.count : a.value < b.value;
    });
    if (values.size() > max_facet_values) {
        values.resize(max_facet_values);
    }
}

using tally = std::vector<std::pair<std::string_view, std::int64_t>>;

// The most frequent values (then by value), copied out: only these few become strings.
std::vector<facet_count> top_values(tally& values) {
    auto order = [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    };
    const auto kept = std::min(values.size(), max_facet_values);
    std::partial_sort(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(kept), values.end(), order);
    std::vector<facet_count> out;
    out.reserve(kept);
    for (std::size_t i = 0; i < kept; ++i) {
        out.push_back({std::string{values[i].first}, values[i].second, {}, {}});
    }
    return out;
}

}  // namespace

facet_counts rank_facets(facet_totals totals) {
    facet_counts out;
    for (auto& [id, n] : totals.categories) {
        out.category.push_back({std::move(id), n, {}, {}});
    }
    out.vendor = std::move(totals.vendors);
    // Views into the entries, which outlive this call.
    std::map<std::string_view, tally> by_attribute;
    tally tags;
    for (const auto& [entry, n] : totals.values) {
        decode_facets(
            entry,
            [&](std::string_view, std::string_view kind, std::string_view name,
                std::string_view value) {
                if (kind == attribute_kind) {
                    by_attribute[name].emplace_back(value, n);
                } else if (kind == tag_kind) {
                    tags.emplace_back(value, n);
                }
            }
        );
    }
    rank(out.category);
    rank(out.vendor);
    out.tags = top_values(tags);
    std::vector<std::pair<std::string_view, std::int64_t>> names;
    for (const auto& [name, values] : by_attribute) {
        std::int64_t total = 0;
        for (const auto& v : values) {
            total += v.second;
        }
        names.emplace_back(name, total);
    }
    std::sort(names.begin(), names.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    for (const auto& [name, total] : names) {
        if (out.attributes.size() == max_facet_attributes) {
            break;
        }
        out.attributes.emplace_back(std::string{name}, top_values(by_attribute[name]));
    }
    std::sort(out.attributes.begin(), out.attributes.end(), [](const auto& a, const auto& b) {
        return a.first < b.first;
    });
    for (std::size_t index = 0; index < totals.buckets.size(); ++index) {
        if (totals.buckets[index] == 0) {
            continue;
        }
        price_bucket b;
        b.min = price_bucket_floors[index] * totals.scale;
        if (index + 1 < price_bucket_floors.size()) {
            b.max = price_bucket_floors[index + 1] * totals.scale;
        }
        b.count = totals.buckets[index];
        out.price.push_back(b);
    }
    return out;
}

}  // namespace shopping
