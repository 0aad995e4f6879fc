// Orders: one per checked-out cart, split into one sub-order per vendor. Both have explicit state
// machines; every transition is checked against them and recorded in the order's history.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "modules/shopping/checkout_cart.hpp"

namespace shopping {

namespace order_events {
// data: the order as GET /me/orders/{id} answers it
inline constexpr std::string_view order_placed = "order.placed";
// data: {order_id, customer_id, from, to}
inline constexpr std::string_view order_status_changed = "order.status_changed";
inline constexpr std::string_view order_cancelled = "order.cancelled";
// data: the sub-order as GET /vendor/orders/{id} answers it
inline constexpr std::string_view suborder_created = "suborder.created";
// data: {sub_order_id, order_id, vendor_id, customer_id, from, to, reason?}; the type names the
// new status: suborder.accepted, suborder.rejected, suborder.cancelled, suborder.preparing,
// suborder.ready_for_pickup, suborder.picked_up, suborder.delivered, suborder.expired.
std::string suborder_event(std::string_view to_status, bool expired);
}  // namespace order_events

// pending_payment -> placed -> accepted -> preparing -> ready_for_pickup -> picked_up -> delivered;
// cancelled (customer, before acceptance; expiry of an unpaid order), rejected (vendor),
// refunded (after delivery, payments).
enum class sub_order_status {
    pending_payment,
    placed,
    accepted,
    preparing,
    ready_for_pickup,
    picked_up,
    delivered,
    cancelled,
    rejected,
    refunded,
};

// Follows its sub-orders: pending_payment -> placed -> in_progress (a vendor accepted) ->
// completed (everything not cancelled or rejected was delivered); cancelled when every sub-order
// was cancelled or rejected.
enum class order_status { pending_payment, placed, in_progress, completed, cancelled, refunded };

std::string_view to_string(sub_order_status s) noexcept;
std::string_view to_string(order_status s) noexcept;
std::optional<sub_order_status> parse_sub_order_status(std::string_view s) noexcept;
std::optional<order_status> parse_order_status(std::string_view s) noexcept;
std::string_view delivery_name(delivery_method m) noexcept;

bool can_move(sub_order_status from, sub_order_status to) noexcept;
bool can_move(order_status from, order_status to) noexcept;
// Cancelled and rejected sub-orders hold no stock and take no further part in the order.
bool is_closed(sub_order_status s) noexcept;
// The order's status implied by its sub-orders' statuses (none empty).
order_status derive(const std::vector<sub_order_status>& subs, order_status current) noexcept;

// `conflict` naming the current state: "sub-order sub_... is accepted; it cannot become placed".
core::error illegal_transition(
    std::string_view what, std::string_view id, std::string_view from, std::string_view to
);

struct shipping_address {
    std::optional<std::string> name;
    std::string line1;
    std::optional<std::string> line2;
    std::string city;
    std::optional<std::string> postal_code;
    std::string country;  // ISO 3166-1 alpha-2
    std::optional<std::string> phone;
    double lat = 0;
    double lng = 0;
};
shipping_address shipping_address_from_json(const boost::json::object& o);

struct checkout_request {
    std::optional<std::string> email;
    shipping_address address;
    delivery_request delivery;
    std::string payment_method;  // cod
};

// Parses the checkout body; `invalid` (422) naming every bad field.
core::result<checkout_request> parse_checkout(const boost::json::value& body);

struct order_item {
    std::string id;
    std::string product_id;
    std::string variant_id;
    std::string title;
    std::string sku;
    boost::json::object options;
    std::int64_t quantity = 0;
    std::int64_t unit_amount = 0;
    std::int64_t subtotal = 0;
    std::int64_t discount = 0;
    std::int64_t total = 0;
};

struct history_entry {
    std::optional<std::string> sub_order_id;
    std::optional<std::string> from;
    std::string to;
    std::string actor;  // customer | vendor | system
    std::optional<std::string> actor_id;
    std::optional<std::string> reason;
    core::time_point at;
};

struct sub_order {
    std::string id;
    std::string order_id;
    std::string vendor_id;
    sub_order_status status = sub_order_status::placed;
    delivery_method delivery = delivery_method::courier;
    std::optional<std::int64_t> distance_m;
    amounts totals;
    std::optional<std::string> reason;
    std::int64_t version = 1;
    core::time_point created_at;
    core::time_point updated_at;
    std::vector<order_item> items;
    std::vector<history_entry> history;  // this sub-order's entries
};

struct order {
    std::string id;
    std::optional<std::string> customer_id;
    std::string cart_id;
    std::optional<std::string> email;
    std::string currency;
    order_status status = order_status::placed;
    std::string payment_method;
    std::string payment_status;
    delivery_method delivery = delivery_method::courier;
    shipping_address address;
    amounts totals;
    std::vector<std::string> promotion_ids;
    std::optional<core::time_point> reserved_until;
    std::int64_t version = 1;
    core::time_point created_at;
    core::time_point updated_at;
    std::vector<sub_order> sub_orders;
    std::vector<history_entry> history;  // the order's own entries
};

// The documents are written as JSON text directly (core::json::writer): an order with three
// sub-orders is written on every checkout, inside the write transaction, and twenty of them make
// a page of order history.
// What the customer sees: the order with every sub-order, items and the status timeline. It is
// also the order.placed payload.
std::string order_text(const order& o);
// What a vendor sees of one order: its own sub-order, the address and contact to deliver to. It
// is also the suborder.created payload.
std::string vendor_order_text(const order& o, const sub_order& s);
// The same two documents written into `w`: a list page writes every item into its own body.
void write_order(core::json::writer& w, const order& o);
void write_vendor_order(core::json::writer& w, const order& o, const sub_order& s);
// The address as stored with the order.
std::string address_text(const shipping_address& a);

}  // namespace shopping
