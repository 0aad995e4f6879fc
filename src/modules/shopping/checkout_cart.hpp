// What checkout needs from the cart side of the shopping module: the cart priced for a delivery
// choice (fresh prices, availability, promotions, delivery fees, tax; one pricing function), and
// closing the cart once its order exists. Both run inside the checkout's write transaction so an
// order, its cart and its promotion redemptions commit together or not at all.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/auth.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/vendor/catalog.hpp"

namespace core::json {
class writer;
}

namespace shopping {

// Who is calling a cart route: a signed-in user, a guest holding the cart's token, or both.
struct cart_caller {
    std::optional<core::principal> user;
    std::optional<std::string> cart_token;  // X-Cart-Token
};

enum class delivery_method { courier, pickup };

struct delivery_request {
    delivery_method method = delivery_method::courier;
    std::optional<vendor::location> destination;  // required for courier delivery
};

// Amounts in minor units of the cart's currency.
struct amounts {
    std::int64_t subtotal = 0;
    std::int64_t discount = 0;
    std::int64_t delivery = 0;
    std::int64_t tax = 0;  // included in or added to total as docs/pricing.md says
    std::int64_t total = 0;
};

struct quoted_line {
    std::string line_id;  // the cart's line item id
    std::string product_id;
    std::string variant_id;
    std::string vendor_id;
    std::string title;  // product title at checkout
    std::string sku;
    boost::json::object options;  // option name -> value
    std::int64_t quantity = 0;
    std::int64_t unit_amount = 0;
    amounts totals;  // this line's share (delivery 0)
};

struct vendor_quote {
    std::string vendor_id;
    std::optional<double> distance_km;  // courier delivery: pickup location to destination
    amounts totals;                     // sums of its lines plus its delivery fee
    std::vector<quoted_line> lines;
};

struct cart_quote {
    std::string cart_id;
    std::string currency;
    std::optional<std::string> customer_id;  // user id of a customer's cart
    std::optional<std::string> email;        // the cart's email when one was set
    amounts totals;                          // equals the sums over `vendors`
    std::vector<vendor_quote> vendors;       // at least one; in vendor id order
    std::vector<std::string> promotion_ids;  // applied promotions, redeemed by complete()
    std::int64_t version = 0;                // the cart's version the quote was made from
};

// {subtotal, discount, delivery, tax, total}, each {amount, currency}: carts, orders and
// sub-orders all answer totals in this shape.
boost::json::object totals_json(const amounts& a, std::string_view currency);
// The same members, written as text (order documents).
void write_totals(core::json::writer& w, const amounts& a, std::string_view currency);

class checkout_cart {
public:
    virtual ~checkout_cart() = default;

    // `not_found` when the cart does not exist or is not the caller's (a guest's token does not
    // open a customer's cart); `conflict` when it is already checked out; `invalid` when it is
    // empty, an item is no longer for sale (unpublished, store not active, no price in the cart's
    // currency) or the delivery choice cannot be served (courier without destination).
    virtual core::task<core::result<cart_quote>> quote(
        infra::db::transaction& tx, const cart_caller& who, std::string cart_id, delivery_request d
    ) = 0;

    // Marks the cart completed with `order_id` and records the promotions' redemptions; a
    // promotion whose usage limit was reached meanwhile is a `conflict` (the caller rolls back).
    // `email`: the order's, kept on a cart without one and the per-buyer key of a guest's
    // redemptions.
    virtual core::task<core::result<void>> complete(
        infra::db::transaction& tx,
        const cart_quote& q,
        std::string order_id,
        std::optional<std::string> email
    ) = 0;
};

}  // namespace shopping
