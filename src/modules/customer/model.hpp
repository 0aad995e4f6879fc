// The customer area's domain types (addresses, wishlist items, reviews, rating aggregates), their
// contract limits and JSON shapes.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "modules/vendor/catalog.hpp"

namespace customer {

// Timestamps are stored as milliseconds since the epoch (BIGINT on both dialects).
inline std::int64_t to_ms(core::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline core::time_point from_ms(std::int64_t ms) {
    return core::time_point{std::chrono::milliseconds{ms}};
}

// Limits of the API contract (docs/openapi.yaml repeats them).
namespace limits {
inline constexpr std::size_t addresses = 20;  // saved addresses per customer
inline constexpr std::size_t wishlist = 200;  // wishlist items per customer
inline constexpr std::size_t label = 50;
inline constexpr std::size_t name = 100;
inline constexpr std::size_t address_line = 200;
inline constexpr std::size_t city = 100;
inline constexpr std::size_t postal_code = 20;
inline constexpr std::size_t review_title = 120;
inline constexpr std::size_t review_body = 5000;
inline constexpr std::size_t reply_body = 2000;
}  // namespace limits

// Events this module writes to the outbox. data: {review_id, product_id, vendor_id, rating (null
// on deleted), product_rating: {average, count, version}, store_rating: {average, count, version}};
// review.replied, and review.updated when the rating did not change, carry no aggregates.
namespace events {
inline constexpr std::string_view review_created = "review.created";
inline constexpr std::string_view review_updated = "review.updated";
inline constexpr std::string_view review_deleted = "review.deleted";
inline constexpr std::string_view review_replied = "review.replied";
}  // namespace events

struct address {
    std::string id;  // addr_...
    std::string user_id;
    std::string label;
    std::string name;
    std::string line1;
    std::optional<std::string> line2;
    std::string city;
    std::optional<std::string> postal_code;
    std::string country;               // ISO 3166-1 alpha-2, upper case
    std::optional<std::string> phone;  // E.164
    vendor::location location;
    bool is_default = false;
    core::time_point created_at;
    core::time_point updated_at;
};

struct wishlist_item {
    std::string id;  // wish_...
    std::string product_id;
    core::time_point added_at;
};

struct reply {
    std::string body;
    std::string author_id;  // the store member who wrote it (not shown publicly)
    core::time_point replied_at;
};

struct review {
    std::string id;  // rev_...
    std::string user_id;
    std::string order_id;
    std::string sub_order_id;
    std::string product_id;
    std::string vendor_id;
    int rating = 0;  // 1-5
    std::optional<std::string> title;
    std::string body;
    std::optional<reply> vendor_reply;
    core::time_point created_at;
    core::time_point updated_at;
};

// Average and count of a product's or a store's ratings; `version` grows with every review write.
struct rating_aggregate {
    std::int64_t sum = 0;
    std::int64_t count = 0;
    std::int64_t version = 0;

    // Rounded to two decimals; 0 without ratings.
    double average() const noexcept;
};

// A product's ratings with how many of each star (index 0 = 1 star).
struct rating_summary {
    rating_aggregate aggregate;
    std::int64_t stars[5] = {0, 0, 0, 0, 0};
};

// One page of a cursor-paginated list.
template <class T>
struct page {
    std::vector<T> items;
    std::optional<std::string> next_cursor;
};

// Who sees a review: its author, the reviewed store, or anyone on the storefront.
enum class review_view { author, vendor, storefront };

boost::json::object to_json(const address& a);
boost::json::object to_json(const review& r, review_view view);
// {product_id, added_at, product: summary or null when the product is gone}
boost::json::object to_json(
    const wishlist_item& w,
    const vendor::product_snapshot* product,
    const vendor::store_snapshot* store
);
boost::json::object to_json(const rating_summary& s);
boost::json::object aggregate_json(const rating_aggregate& a);

// What a storefront visitor may see: a published product of an active store.
bool visible(const vendor::product_snapshot& p, const vendor::store_snapshot& s) noexcept;

}  // namespace customer
