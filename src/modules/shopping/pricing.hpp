// The one pricing function: a cart's lines, promotions, delivery fees and tax rate in, totals per
// line, per vendor and for the cart out, in integer minor units. Pure (no I/O, no clock), so carts,
// checkout quotes and orders all price the same way; the rules are in docs/pricing.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "modules/shopping/checkout_cart.hpp"

namespace shopping {

enum class promotion_kind { percentage, fixed_amount, free_delivery };

struct price_line {
    std::string line_id;
    std::string vendor_id;
    std::int64_t unit_amount = 0;  // >= 0
    std::int64_t quantity = 0;     // >= 1
};

// A promotion that passed the checks that need no amounts (active, within its window, usage left,
// same currency); pricing decides whether its scope and minimum subtotal make it apply.
struct price_promotion {
    std::string id;
    promotion_kind kind = promotion_kind::percentage;
    std::int64_t percent_off = 0;          // 1-100, percentage
    std::int64_t amount_off = 0;           // fixed_amount
    std::optional<std::string> vendor_id;  // nullopt = platform-wide
    std::int64_t minimum_subtotal = 0;     // of its scope, before discounts
};

struct pricing_input {
    std::vector<price_line> lines;
    // In the order they apply: each is computed on what the earlier ones left.
    std::vector<price_promotion> promotions;
    // Delivery fee per vendor sub-order (absent = 0, e.g. pickup or not yet known).
    std::map<std::string, std::int64_t> delivery_fees;
    std::int64_t tax_rate_bps = 0;  // 0-10000; prices include tax (docs/pricing.md)
};

enum class promotion_outcome { applied, below_minimum, not_in_cart, nothing_to_discount };

struct priced_promotion {
    std::string id;
    promotion_outcome outcome = promotion_outcome::applied;
    std::int64_t discount = 0;         // taken off line amounts
    std::int64_t delivery_waived = 0;  // free delivery: fees not charged
};

struct priced_line {
    std::string line_id;
    amounts totals;  // delivery always 0
};

struct priced_vendor {
    std::string vendor_id;
    amounts totals;                  // its lines plus its delivery fee
    std::vector<priced_line> lines;  // in input order
    bool delivery_waived = false;
};

struct priced_cart {
    amounts totals;                            // the sums over `vendors`
    std::vector<priced_vendor> vendors;        // in vendor id order
    std::vector<priced_promotion> promotions;  // in input order
};

// `invalid` when an amount or quantity is negative, a rate is out of range or a sum would
// overflow 64 bits.
core::result<priced_cart> price(const pricing_input& in);

// a * numerator / denominator rounded half up (a, numerator >= 0, denominator > 0), in 128 bits.
std::int64_t scale_half_up(std::int64_t a, std::int64_t numerator, std::int64_t denominator);

// Splits `total` over `weights` in proportion, largest remainder first (ties to the earlier
// weight), so the parts sum to `total` exactly. All zero weights: everything on the first.
std::vector<std::int64_t> allocate(std::int64_t total, const std::vector<std::int64_t>& weights);

}  // namespace shopping
