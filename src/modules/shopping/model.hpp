// The storefront's read model: what a list or search asks for, what it answers, and the rows one
// product becomes in the index (computed from vendor::catalog snapshots, with its JSON
// pre-rendered).
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "modules/shopping/search_text.hpp"
#include "modules/vendor/catalog.hpp"

namespace shopping {

namespace events {
// Asks for a full rebuild of the index (written by `trader seed` after bulk inserts), data {}.
inline constexpr std::string_view reindex_requested = vendor::events::catalog_reindex_requested;
// Written by `trader reindex` after it rebuilt the index, so serving instances drop their caches.
inline constexpr std::string_view index_rebuilt = "shopping.index_rebuilt";
}  // namespace events

// Names of the cache generations the storefront keys depend on: the indexer bumps them after it
// committed a change, so no page rendered before the change is served after it.
namespace cache_names {
inline constexpr std::string_view lists = "shop:lists";     // every list and search page
inline constexpr std::string_view everything = "shop:all";  // every key (full rebuilds)
inline std::string product(std::string_view id) { return "shop:product:" + std::string{id}; }
inline std::string handle(std::string_view h) { return "shop:handle:" + std::string{h}; }
inline std::string store(std::string_view h) { return "shop:store:" + std::string{h}; }
}  // namespace cache_names

inline std::int64_t to_ms(core::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

enum class sort_order { relevance, newest, price_asc, price_desc, rating };
std::string_view to_string(sort_order s) noexcept;
std::optional<sort_order> parse_sort(std::string_view s) noexcept;

struct attribute_filter {
    std::string name;
    std::vector<std::string> values;  // any of them
};

// Filters shared by lists and search; every one present must hold.
struct product_filter {
    std::vector<std::string> category_ids;  // a category and its descendants; empty = any
    std::optional<std::string> vendor_id;
    std::string currency = "EUR";           // of the price filter, price sorts and price facets
    std::optional<std::int64_t> price_min;  // on the lowest variant price, minor units
    std::optional<std::int64_t> price_max;
    bool in_stock = false;
    std::vector<attribute_filter> attributes;  // each name: one of its values
    std::vector<std::string> tags;             // any of them

    bool filters_price() const noexcept { return price_min.has_value() || price_max.has_value(); }
};

// Where a page starts: the sort key and id of the previous page's last item.
struct position {
    std::string key;
    std::string id;
};

struct page_request {
    product_filter filter;
    search_text::query search;  // empty = no full-text condition
    sort_order sort = sort_order::newest;
    std::optional<position> after;
    int limit = 20;

    // Relevance only means something with search terms; without them lists are newest first.
    sort_order effective_sort() const noexcept {
        return sort == sort_order::relevance && search.empty() ? sort_order::newest : sort;
    }
};

struct listed_product {
    std::string id;
    // Pre-rendered list item JSON, shared with the search engine that holds it.
    std::shared_ptr<const std::string> item;
    std::string sort_key;  // for the cursor
};

struct product_page {
    std::vector<listed_product> items;
    bool more = false;
};

struct facet_count {
    std::string value;
    std::int64_t count = 0;
    std::string handle;  // vendor and category facets
    std::string name;
};

struct price_bucket {
    std::int64_t min = 0;
    std::optional<std::int64_t> max;  // exclusive; none for the last bucket
    std::int64_t count = 0;
};

struct facet_counts {
    std::vector<facet_count> category;
    std::vector<facet_count> vendor;
    std::vector<price_bucket> price;
    std::vector<std::pair<std::string, std::vector<facet_count>>> attributes;  // by name
    std::vector<facet_count> tags;
};

// Lower bounds of the price buckets in major units; scaled by the currency's minor digits.
inline constexpr std::array<std::int64_t, 8> price_bucket_floors = {0,   10,  25,  50,
                                                                    100, 250, 500, 1000};

// Facet limits: values listed per facet and attribute names listed.
inline constexpr std::size_t max_facet_values = 20;
inline constexpr std::size_t max_facet_attributes = 20;

struct price_row {
    std::string currency;
    std::int64_t min_amount = 0;
    std::int64_t max_amount = 0;
};

struct facet_row {
    std::string kind;  // "a" attribute, "t" tag
    std::string name;  // attribute name; empty for tags
    std::string value;
};

inline constexpr std::string_view attribute_kind = "a";
inline constexpr std::string_view tag_kind = "t";

// Facet values of one product in one string, for counting in process: per value its kind, then
// name and value each as <length>:<bytes> (`a5:brand9:Alpenglut`), so any text round-trips.
std::string encode_facets(const std::vector<facet_row>& rows);

// Calls fn(entry, kind, name, value) for each value of an encode_facets() string (`entry` is the
// whole encoded value, a ready-made counting key); stops at anything malformed.
template <class Fn>
void decode_facets(std::string_view codes, Fn&& fn) {
    auto take = [&codes](std::string_view& out) {
        std::size_t length = 0;
        std::size_t at = 0;
        while (at < codes.size() && codes[at] >= '0' && codes[at] <= '9') {
            length = length * 10 + static_cast<std::size_t>(codes[at] - '0');
            ++at;
        }
        if (at == 0 || at >= codes.size() || codes[at] != ':' || codes.size() - at - 1 < length) {
            return false;
        }
        out = codes.substr(at + 1, length);
        codes.remove_prefix(at + 1 + length);
        return true;
    };
    while (!codes.empty()) {
        const char* start = codes.data();
        std::string_view kind = codes.substr(0, 1);
        codes.remove_prefix(1);
        std::string_view name;
        std::string_view value;
        if (!take(name) || !take(value)) {
            return;
        }
        fn(std::string_view{start, static_cast<std::size_t>(codes.data() - start)}, kind, name,
           value);
    }
}

// One visible product as the index stores it.
struct index_document {
    std::string id;
    std::string vendor_id;
    std::string vendor_handle;
    std::string vendor_name;
    std::string handle;
    std::optional<std::string> category_id;
    bool in_stock = false;
    double rating = 0;
    std::int64_t published_at_ms = 0;
    std::string item;
    std::string detail;
    search_text::document_text text;
    std::vector<price_row> prices;
    std::vector<facet_row> facets;
    std::string facet_codes;  // encode_facets(facets)
};

// Published products of active stores are visible; nothing else is ever shown.
bool visible(const vendor::product_snapshot& p, const vendor::store_snapshot& s);

index_document make_document(const vendor::product_snapshot& p, const vendor::store_snapshot& s);

// The public store page.
boost::json::object store_json(const vendor::store_snapshot& s);

// `{"amount": 1999, "currency": "EUR"}`
boost::json::object money_json(std::int64_t amount, std::string_view currency);

// Fields a list item has; `fields=` picks among them (id is always kept).
inline constexpr std::array<std::string_view, 13> item_fields = {
    "id",       "object", "handle", "title", "vendor",       "category_id", "prices",
    "in_stock", "rating", "image",  "tags",  "published_at", "updated_at"};

}  // namespace shopping
