// Carts, line items and promotions as stored, and the priced cart the cart routes answer with.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "modules/shopping/checkout_cart.hpp"
#include "modules/shopping/model.hpp"
#include "modules/shopping/pricing.hpp"

namespace shopping {

// Limits of a cart (also in docs/openapi.yaml and docs/pricing.md).
inline constexpr std::int64_t max_line_quantity = 99;
inline constexpr std::size_t max_cart_lines = 50;
inline constexpr std::size_t max_cart_codes = 5;
inline constexpr std::size_t max_code_length = 32;
inline constexpr std::size_t max_promotion_name_length = 200;
inline constexpr std::int64_t max_promotion_amount = 1'000'000'000'000;

struct cart {
    std::string id;  // cart_...
    std::string currency;
    std::optional<std::string> customer_id;  // usr_... of a customer's cart
    std::optional<std::string> token_hash;   // guest carts only
    std::optional<std::string> email;
    std::string status = "open";  // open | merged | completed
    std::optional<std::string> merged_into;
    std::optional<std::string> order_id;
    std::int64_t version = 1;
    core::time_point created_at;
    core::time_point updated_at;
};

struct cart_item {
    std::string id;  // item_...
    std::string cart_id;
    std::string variant_id;
    std::string product_id;
    std::string vendor_id;
    std::string title;
    std::string sku;
    boost::json::object options;
    std::int64_t quantity = 0;
    std::int64_t unit_amount = 0;  // the price when added or last re-quantified
    core::time_point created_at;
    core::time_point updated_at;
};

struct promotion {
    std::string id;                   // promo_...
    std::optional<std::string> code;  // nullopt = automatic
    std::string name;
    promotion_kind kind = promotion_kind::percentage;
    std::optional<std::int64_t> percent_off;
    std::optional<std::int64_t> amount_off;
    std::optional<std::string> currency;
    std::int64_t minimum_subtotal = 0;
    std::optional<std::string> vendor_id;
    std::optional<core::time_point> starts_at;
    std::optional<core::time_point> ends_at;
    std::optional<std::int64_t> usage_limit;
    std::optional<std::int64_t> usage_limit_per_customer;
    std::int64_t times_used = 0;
    std::string status = "active";  // active | inactive
    core::time_point created_at;
    core::time_point updated_at;
};

std::string_view to_string(promotion_kind k) noexcept;
std::optional<promotion_kind> parse_promotion_kind(std::string_view s) noexcept;

// Why a line is not priced, or "available".
enum class line_state { available, not_found, not_published, store_inactive, no_price };
std::string_view to_string(line_state s) noexcept;

struct priced_cart_line {
    cart_item item;
    line_state state = line_state::available;
    std::optional<std::int64_t> unit_amount;  // the current price; nullopt when not available
    std::int64_t available_quantity = 0;      // stock that can still be sold
    amounts totals;                           // zero when not available
};

// Why a promotion does not count, or "applied".
enum class promotion_state {
    applied,
    below_minimum,
    not_in_cart,
    nothing_to_discount,
    not_started,
    expired,
    exhausted,
    inactive,
    other_currency,
    needs_customer,  // a per-customer limit and neither a signed-in customer nor an email
};
std::string_view to_string(promotion_state s) noexcept;

struct priced_cart_promotion {
    promotion promo;
    promotion_state state = promotion_state::applied;
    std::int64_t discount = 0;
    std::int64_t delivery_waived = 0;
};

// A cart with current prices, availability and promotions, priced by price().
struct priced_cart_view {
    cart c;
    std::optional<std::string> token;  // only in the answer that created a guest cart
    std::vector<priced_cart_line> lines;
    std::vector<priced_cart_promotion> promotions;  // automatic ones that apply, every code
    std::vector<priced_vendor> vendors;
    amounts totals;
    std::map<std::string, double> distance_km;  // courier quotes: per vendor
};

boost::json::object to_json(const priced_cart_view& v);
boost::json::object to_json(const promotion& p);

core::time_point time_of_ms(std::int64_t ms);

}  // namespace shopping
