#include "modules/shopping/model.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>

namespace shopping {
namespace {

// Attribute values longer than this are searchable but not facets (they are prose, not values).
constexpr std::size_t max_facet_value_bytes = 200;
constexpr std::size_t max_facet_name_bytes = 64;

boost::json::value time_json(const std::optional<core::time_point>& t) {
    if (!t) {
        return nullptr;
    }
    return boost::json::value(core::format_rfc3339(*t));
}

boost::json::value optional_text(const std::optional<std::string>& s) {
    return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

boost::json::array money_list(const std::vector<core::money>& amounts) {
    boost::json::array out;
    for (const auto& m : amounts) {
        out.push_back(money_json(m.amount(), m.currency().code()));
    }
    return out;
}

boost::json::object rating_json(double average, std::int64_t count) {
    return {{"average", average}, {"count", count}};
}

// The text form of an attribute value as a facet: strings as they are, numbers and booleans as
// JSON writes them; anything else (objects, null) is not a facet value.
std::optional<std::string> scalar_text(const boost::json::value& v) {
    if (v.is_string()) {
        std::string s{v.as_string()};
        if (s.empty() || s.size() > max_facet_value_bytes) {
            return std::nullopt;
        }
        return s;
    }
    if (v.is_number() || v.is_bool()) {
        return boost::json::serialize(v);
    }
    return std::nullopt;
}

std::vector<price_row> price_rows(const vendor::product_snapshot& p) {
    std::map<std::string, price_row, std::less<>> by_currency;
    for (const auto& variant : p.variants) {
        for (const auto& price : variant.prices) {
            std::string code{price.currency().code()};
            auto [it, fresh] =
                by_currency.try_emplace(code, price_row{code, price.amount(), price.amount()});
            if (!fresh) {
                it->second.min_amount = std::min(it->second.min_amount, price.amount());
                it->second.max_amount = std::max(it->second.max_amount, price.amount());
            }
        }
    }
    std::vector<price_row> out;
    for (auto& [code, row] : by_currency) {
        out.push_back(std::move(row));
    }
    return out;
}

boost::json::array prices_json(const std::vector<price_row>& rows) {
    boost::json::array out;
    for (const auto& r : rows) {
        out.push_back(boost::json::object{
            {"min", money_json(r.min_amount, r.currency)},
            {"max", money_json(r.max_amount, r.currency)}});
    }
    return out;
}

boost::json::array tags_json(const std::vector<std::string>& tags) {
    boost::json::array out;
    for (const auto& t : tags) {
        out.push_back(boost::json::value(t));
    }
    return out;
}

boost::json::value image_json(const vendor::image_snapshot& i) {
    return boost::json::object{{"id", i.id}, {"url", i.url}, {"alt", optional_text(i.alt)}};
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) {
            out.push_back(' ');
        }
        out += p;
    }
    return out;
}

}  // namespace

std::string_view to_string(sort_order s) noexcept {
    switch (s) {
        case sort_order::relevance:
            return "relevance";
        case sort_order::newest:
            return "newest";
        case sort_order::price_asc:
            return "price_asc";
        case sort_order::price_desc:
            return "price_desc";
        case sort_order::rating:
            return "rating";
    }
    return "newest";
}

std::optional<sort_order> parse_sort(std::string_view s) noexcept {
    for (auto o :
         {sort_order::relevance, sort_order::newest, sort_order::price_asc, sort_order::price_desc,
          sort_order::rating}) {
        if (to_string(o) == s) {
            return o;
        }
    }
    return std::nullopt;
}

std::string encode_facets(const std::vector<facet_row>& rows) {
    std::string out;
    for (const auto& r : rows) {
        out += r.kind;
        out += std::to_string(r.name.size()) + ":" + r.name;
        out += std::to_string(r.value.size()) + ":" + r.value;
    }
    return out;
}

boost::json::object money_json(std::int64_t amount, std::string_view currency) {
    return {{"amount", amount}, {"currency", currency}};
}

bool visible(const vendor::product_snapshot& p, const vendor::store_snapshot& s) {
    return p.status == "published" && s.status == "active" && p.vendor_id == s.id;
}

index_document make_document(const vendor::product_snapshot& p, const vendor::store_snapshot& s) {
    index_document d;
    d.id = p.id;
    d.vendor_id = s.id;
    d.vendor_handle = s.handle;
    d.vendor_name = s.name;
    d.handle = p.handle;
    d.category_id = p.category_id;
    d.in_stock = std::any_of(p.variants.begin(), p.variants.end(), [](const auto& v) {
        return v.stock > 0;
    });
    d.rating = p.rating_average;
    d.published_at_ms = to_ms(p.published_at.value_or(p.updated_at));
    d.prices = price_rows(p);

    // Facets and the searchable attribute text.
    std::set<std::pair<std::string, std::string>> attribute_values;
    std::vector<std::string> attribute_words;
    for (const auto& [key, value] : p.attributes) {
        std::string name{key};
        std::vector<const boost::json::value*> values;
        if (value.is_array()) {
            for (const auto& v : value.as_array()) {
                values.push_back(&v);
            }
        } else {
            values.push_back(&value);
        }
        for (const auto* v : values) {
            if (v->is_string()) {
                attribute_words.emplace_back(v->as_string());
            } else if (v->is_number()) {
                attribute_words.push_back(boost::json::serialize(*v));
            }
            auto text = scalar_text(*v);
            if (text && !name.empty() && name.size() <= max_facet_name_bytes) {
                attribute_values.emplace(name, std::move(*text));
            }
        }
    }
    for (auto& [name, value] : attribute_values) {
        d.facets.push_back({std::string{attribute_kind}, name, value});
    }
    std::set<std::string> tags{p.tags.begin(), p.tags.end()};
    for (const auto& t : tags) {
        if (!t.empty() && t.size() <= max_facet_value_bytes) {
            d.facets.push_back({std::string{tag_kind}, "", t});
        }
    }

    d.facet_codes = encode_facets(d.facets);

    d.text.title = search_text::index_text(p.title);
    d.text.tags = search_text::index_text(join(p.tags));
    d.text.attributes = search_text::index_text(join(attribute_words));
    d.text.vendor = search_text::index_text(s.name);
    d.text.body = search_text::index_text(p.description);

    boost::json::object vendor_brief{{"id", s.id}, {"handle", s.handle}, {"name", s.name}};
    boost::json::object item{
        {"id", p.id},
        {"object", "product"},
        {"handle", p.handle},
        {"title", p.title},
        {"vendor", vendor_brief},
        {"category_id", optional_text(p.category_id)},
        {"prices", prices_json(d.prices)},
        {"in_stock", d.in_stock},
        {"rating", rating_json(p.rating_average, p.rating_count)},
        {"image", p.images.empty() ? boost::json::value(nullptr) : image_json(p.images.front())},
        {"tags", tags_json(p.tags)},
        {"published_at", time_json(p.published_at)},
        {"updated_at", core::format_rfc3339(p.updated_at)},
    };
    d.item = boost::json::serialize(item);

    boost::json::array variants;
    for (const auto& v : p.variants) {
        variants.push_back(boost::json::object{
            {"id", v.id},
            {"object", "variant"},
            {"sku", v.sku},
            {"options", v.options},
            {"prices", money_list(v.prices)},
            {"compare_at_prices", money_list(v.compare_at_prices)},
            {"weight_grams",
             v.weight_grams ? boost::json::value(*v.weight_grams) : boost::json::value(nullptr)},
            {"in_stock", v.stock > 0},
        });
    }
    boost::json::array images;
    for (const auto& i : p.images) {
        images.push_back(image_json(i));
    }
    vendor_brief["logo_url"] = optional_text(s.logo_url);
    vendor_brief["rating"] = rating_json(s.rating_average, s.rating_count);
    boost::json::object detail{
        {"id", p.id},
        {"object", "product"},
        {"handle", p.handle},
        {"title", p.title},
        {"description", p.description},
        {"vendor", std::move(vendor_brief)},
        {"category_id", optional_text(p.category_id)},
        {"tags", tags_json(p.tags)},
        {"attributes", p.attributes},
        {"options", p.options},
        {"variants", std::move(variants)},
        {"images", std::move(images)},
        {"prices", prices_json(d.prices)},
        {"in_stock", d.in_stock},
        {"rating", rating_json(p.rating_average, p.rating_count)},
        {"published_at", time_json(p.published_at)},
        {"created_at", core::format_rfc3339(p.created_at)},
        {"updated_at", core::format_rfc3339(p.updated_at)},
    };
    d.detail = boost::json::serialize(detail);
    return d;
}

boost::json::object store_json(const vendor::store_snapshot& s) {
    return {
        {"id", s.id},
        {"object", "store"},
        {"handle", s.handle},
        {"name", s.name},
        {"description", optional_text(s.description)},
        {"logo_url", optional_text(s.logo_url)},
        {"rating", rating_json(s.rating_average, s.rating_count)},
        {"pickup",
         boost::json::object{
             {"city", s.city},
             {"country", s.country},
             {"location", boost::json::object{{"lat", s.pickup.lat}, {"lng", s.pickup.lng}}},
         }},
        {"created_at", core::format_rfc3339(s.created_at)},
    };
}

}  // namespace shopping
