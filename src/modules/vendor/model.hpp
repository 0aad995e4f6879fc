// Stores, their members and products as the vendor module keeps them, and their JSON shapes.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "modules/vendor/catalog.hpp"

namespace vendor {

// Timestamps are stored as milliseconds since the epoch (BIGINT on both dialects).
inline std::int64_t to_ms(core::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline core::time_point from_ms(std::int64_t ms) {
    return core::time_point{std::chrono::milliseconds{ms}};
}

// Limits of the API contract (docs/openapi.yaml repeats them).
namespace limits {
inline constexpr std::size_t handle = 100;
inline constexpr std::size_t store_name = 100;
inline constexpr std::size_t legal_name = 200;
inline constexpr std::size_t store_description = 2000;
inline constexpr std::size_t url = 500;
inline constexpr std::size_t address_line = 200;
inline constexpr std::size_t city = 100;
inline constexpr std::size_t postal_code = 20;
inline constexpr std::size_t payout_json = 4096;
inline constexpr std::size_t reason = 500;
inline constexpr std::size_t title = 200;
inline constexpr std::size_t description = 10000;
inline constexpr std::size_t tags = 20;
inline constexpr std::size_t tag = 40;
inline constexpr std::size_t attributes = 30;
inline constexpr std::size_t attribute_name = 40;
inline constexpr std::size_t attribute_value = 200;
inline constexpr std::size_t options = 3;
inline constexpr std::size_t option_name = 40;
inline constexpr std::size_t option_values = 50;
inline constexpr std::size_t option_value = 40;
inline constexpr std::size_t variants = 100;
inline constexpr std::size_t sku = 64;
inline constexpr std::size_t prices = 10;
inline constexpr std::int64_t amount = 100'000'000'000;  // minor units: 1e9 EUR
inline constexpr std::int64_t stock = 1'000'000'000;
inline constexpr std::int64_t weight_grams = 1'000'000;
}  // namespace limits

enum class store_status { pending, active, rejected, suspended };
std::string_view to_string(store_status s) noexcept;
store_status parse_store_status(std::string_view s) noexcept;

struct address {
    std::string line1;
    std::optional<std::string> line2;
    std::string city;
    std::optional<std::string> postal_code;
    std::string country;  // ISO 3166-1 alpha-2, upper case
    double lat = 0;
    double lng = 0;
};

struct store {
    std::string id;  // vnd_...
    std::string handle;
    std::string name;
    std::optional<std::string> legal_name;
    std::optional<std::string> contact_email;
    std::optional<std::string> contact_phone;
    std::optional<std::string> description;
    std::optional<std::string> logo_url;
    store_status status = store_status::pending;
    std::optional<std::string> status_reason;  // why it was rejected or suspended
    address pickup;
    std::optional<boost::json::value> payout;  // placeholder until payments exist
    std::string owner_id;                      // usr_..., the applicant
    double rating_average = 0;                 // from reviews (customer module); 0 when none
    std::int64_t rating_count = 0;
    core::time_point created_at;
    core::time_point updated_at;
};

enum class member_role { owner, staff };
std::string_view to_string(member_role r) noexcept;

struct member {
    std::string id;  // mbr_...
    std::string vendor_id;
    std::string user_id;
    member_role role = member_role::staff;
    std::optional<std::string> invited_by;
    core::time_point invited_at;
    std::optional<core::time_point> accepted_at;
    core::time_point created_at;
    core::time_point updated_at;
    // From the identity module, for display.
    std::string name;
    std::optional<std::string> email;
};

// The caller's place in a store, resolved from the principal's user id on every vendor request.
struct membership {
    std::string member_id;
    std::string vendor_id;
    member_role role = member_role::staff;
    store_status status = store_status::pending;
    std::string owner_id;
};

struct stock_level {
    std::int64_t on_hand = 0;
    std::int64_t reserved = 0;
};

// A product as its vendor manages it: the snapshot other modules see, plus stock levels (one per
// variant, same order), the version behind its ETag and when it was deleted.
struct product {
    product_snapshot snapshot;
    std::vector<stock_level> stock;
    std::int64_t version = 1;
    std::optional<core::time_point> deleted_at;
};

// One page of a cursor-paginated list.
template <class T>
struct page {
    std::vector<T> items;
    std::optional<std::string> next_cursor;
};

// {id, object: "vendor", handle, name, ...}; `payout` only for the owner and admins.
boost::json::object to_json(const store& s, bool with_private);
boost::json::object to_json(const member& m);
boost::json::object to_json(const product& p);
boost::json::object variant_json(const product& p, std::size_t index);
boost::json::array money_json(const std::vector<core::money>& prices);
// The product's ETag: a quoted version, e.g. "7".
std::string etag_of(const product& p);

store_snapshot snapshot_of(const store& s);

}  // namespace vendor
