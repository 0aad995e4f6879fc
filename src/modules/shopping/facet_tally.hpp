// Turning raw facet counts into the answer, the same way whether the matches were counted from
// database rows or by the in-process search engine.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modules/shopping/model.hpp"

namespace shopping {

// Counts over every match of a list or search (not only the page).
struct facet_totals {
    std::vector<std::pair<std::string, std::int64_t>> categories;  // by category id
    std::vector<facet_count> vendors;                              // value = vendor id
    // By encode_facets() entry; views into the counter's storage, which must outlive
    // rank_facets() (it copies only the values it keeps).
    std::vector<std::pair<std::string_view, std::int64_t>> values;
    std::array<std::int64_t, price_bucket_floors.size()> buckets{};
    std::int64_t scale = 1;  // 10^minor digits of the currency
};

std::int64_t minor_scale(int minor_digits);

// The bucket of a lowest price, in minor units.
std::size_t price_bucket_of(std::int64_t amount, std::int64_t scale);

// Most frequent values first (then by value), cut to the facet limits; attribute names with the
// most matches kept, listed by name.
facet_counts rank_facets(facet_totals totals);

}  // namespace shopping
