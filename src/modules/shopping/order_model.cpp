#include "modules/shopping/order_model.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <utility>

#include "core/json.hpp"
#include "core/money.hpp"

namespace shopping {
namespace {

using sub = sub_order_status;

constexpr std::array<std::pair<sub, std::string_view>, 10> sub_names{{
    {sub::pending_payment, "pending_payment"},
    {sub::placed, "placed"},
    {sub::accepted, "accepted"},
    {sub::preparing, "preparing"},
    {sub::ready_for_pickup, "ready_for_pickup"},
    {sub::picked_up, "picked_up"},
    {sub::delivered, "delivered"},
    {sub::cancelled, "cancelled"},
    {sub::rejected, "rejected"},
    {sub::refunded, "refunded"},
}};

constexpr std::array<std::pair<order_status, std::string_view>, 6> order_names{{
    {order_status::pending_payment, "pending_payment"},
    {order_status::placed, "placed"},
    {order_status::in_progress, "in_progress"},
    {order_status::completed, "completed"},
    {order_status::cancelled, "cancelled"},
    {order_status::refunded, "refunded"},
}};

struct sub_edge {
    sub from;
    sub to;
};

// The sub-order state machine: every allowed transition, nothing else.
constexpr std::array<sub_edge, 13> sub_edges{{
    {sub::pending_payment, sub::placed},
    {sub::pending_payment, sub::cancelled},
    {sub::placed, sub::accepted},
    {sub::placed, sub::rejected},
    {sub::placed, sub::cancelled},
    {sub::accepted, sub::preparing},
    {sub::accepted, sub::ready_for_pickup},
    {sub::preparing, sub::ready_for_pickup},
    {sub::ready_for_pickup, sub::picked_up},
    {sub::picked_up, sub::delivered},
    {sub::delivered, sub::refunded},
    {sub::accepted, sub::cancelled},  // the vendor cannot fulfil after all (no stock left)
    {sub::preparing, sub::cancelled},
}};

struct order_edge {
    order_status from;
    order_status to;
};

constexpr std::array<order_edge, 9> order_edges{{
    {order_status::pending_payment, order_status::placed},
    {order_status::pending_payment, order_status::cancelled},
    {order_status::placed, order_status::in_progress},
    {order_status::placed, order_status::completed},
    {order_status::placed, order_status::cancelled},
    {order_status::in_progress, order_status::completed},
    {order_status::in_progress, order_status::cancelled},
    {order_status::completed, order_status::refunded},
    {order_status::in_progress, order_status::refunded},
}};

using core::json::writer;

void write_money(writer& w, std::int64_t amount, std::string_view currency) {
    w.begin_object().key("amount").number(amount).key("currency").string(currency).end_object();
}

void write_address(writer& w, const shipping_address& a) {
    w.begin_object()
        .key("line1")
        .string(a.line1)
        .key("city")
        .string(a.city)
        .key("country")
        .string(a.country)
        .key("lat")
        .number(a.lat)
        .key("lng")
        .number(a.lng)
        .key("name")
        .string_or_null(a.name)
        .key("line2")
        .string_or_null(a.line2)
        .key("postal_code")
        .string_or_null(a.postal_code)
        .key("phone")
        .string_or_null(a.phone)
        .end_object();
}

void write_item(writer& w, const order_item& i, std::string_view currency) {
    w.begin_object()
        .key("id")
        .string(i.id)
        .key("object")
        .string("order_item")
        .key("product_id")
        .string(i.product_id)
        .key("variant_id")
        .string(i.variant_id)
        .key("title")
        .string(i.title)
        .key("sku")
        .string(i.sku)
        .key("options")
        .begin_object();
    for (const auto& option : i.options) {
        w.key(option.key());
        if (const auto* text = option.value().if_string()) {
            w.string(*text);
        } else {
            w.raw(boost::json::serialize(option.value()));
        }
    }
    w.end_object().key("quantity").number(i.quantity).key("unit_price");
    write_money(w, i.unit_amount, currency);
    w.key("subtotal");
    write_money(w, i.subtotal, currency);
    w.key("discount");
    write_money(w, i.discount, currency);
    w.key("total");
    write_money(w, i.total, currency);
    w.end_object();
}

void write_history(writer& w, const history_entry& h) {
    w.begin_object()
        .key("to")
        .string(h.to)
        .key("actor")
        .string(h.actor)
        .key("at")
        .string(core::format_rfc3339(h.at))
        .key("sub_order_id")
        .string_or_null(h.sub_order_id)
        .key("from")
        .string_or_null(h.from)
        .key("reason")
        .string_or_null(h.reason)
        .end_object();
}

// A sub-order's members, without the braces: the vendor's view adds the order's fields to them.
void write_sub_order_members(writer& w, const order& o, const sub_order& s) {
    w.key("id")
        .string(s.id)
        .key("object")
        .string("sub_order")
        .key("order_id")
        .string(s.order_id)
        .key("vendor_id")
        .string(s.vendor_id)
        .key("status")
        .string(to_string(s.status))
        .key("delivery")
        .begin_object()
        .key("method")
        .string(delivery_name(s.delivery));
    if (s.distance_m) {
        w.key("distance_m").number(*s.distance_m);
    }
    w.end_object().key("items").begin_array();
    for (const auto& i : s.items) {
        write_item(w, i, o.currency);
    }
    w.end_array().key("totals");
    write_totals(w, s.totals, o.currency);
    w.key("history").begin_array();
    for (const auto& h : s.history) {
        write_history(w, h);
    }
    w.end_array()
        .key("created_at")
        .string(core::format_rfc3339(s.created_at))
        .key("updated_at")
        .string(core::format_rfc3339(s.updated_at))
        .key("reason")
        .string_or_null(s.reason);
}

// The order's currency and payment members, which the customer's and the vendor's views share.
void write_payment(writer& w, const order& o) {
    w.key("currency")
        .string(o.currency)
        .key("payment")
        .begin_object()
        .key("method")
        .string(o.payment_method)
        .key("status")
        .string(o.payment_status)
        .end_object();
}

// What a vendor sees of the order beyond its sub-order; none of these keys is a sub-order's.
void write_vendor_members(writer& w, const order& o) {
    w.key("order_status").string(to_string(o.status));
    write_payment(w, o);
    w.key("shipping_address");
    write_address(w, o.address);
    w.key("email").string_or_null(o.email);
}

bool is_country(std::string_view c) {
    return c.size() == 2 && std::isupper(static_cast<unsigned char>(c[0])) != 0 &&
           std::isupper(static_cast<unsigned char>(c[1])) != 0;
}

bool looks_like_email(std::string_view e) {
    auto at = e.find('@');
    return at != std::string_view::npos && at > 0 && at + 1 < e.size() &&
           e.find('@', at + 1) == std::string_view::npos &&
           e.find('.', at + 1) != std::string_view::npos &&
           std::none_of(e.begin(), e.end(), [](char c) {
               return std::isspace(static_cast<unsigned char>(c)) != 0;
           });
}

}  // namespace

std::string order_events::suborder_event(std::string_view to_status, bool expired) {
    return expired ? "suborder.expired" : "suborder." + std::string{to_status};
}

std::string_view to_string(sub_order_status s) noexcept {
    for (const auto& [v, n] : sub_names) {
        if (v == s) {
            return n;
        }
    }
    return "placed";
}

std::string_view to_string(order_status s) noexcept {
    for (const auto& [v, n] : order_names) {
        if (v == s) {
            return n;
        }
    }
    return "placed";
}

std::optional<sub_order_status> parse_sub_order_status(std::string_view s) noexcept {
    for (const auto& [v, n] : sub_names) {
        if (n == s) {
            return v;
        }
    }
    return std::nullopt;
}

std::optional<order_status> parse_order_status(std::string_view s) noexcept {
    for (const auto& [v, n] : order_names) {
        if (n == s) {
            return v;
        }
    }
    return std::nullopt;
}

std::string_view delivery_name(delivery_method m) noexcept {
    return m == delivery_method::pickup ? "pickup" : "courier";
}

bool can_move(sub_order_status from, sub_order_status to) noexcept {
    return std::any_of(sub_edges.begin(), sub_edges.end(), [&](const sub_edge& e) {
        return e.from == from && e.to == to;
    });
}

bool can_move(order_status from, order_status to) noexcept {
    return std::any_of(order_edges.begin(), order_edges.end(), [&](const order_edge& e) {
        return e.from == from && e.to == to;
    });
}

bool is_closed(sub_order_status s) noexcept {
    return s == sub::cancelled || s == sub::rejected;
}

order_status derive(const std::vector<sub_order_status>& subs, order_status current) noexcept {
    if (current == order_status::refunded) {
        return current;
    }
    bool all_closed = true;
    bool all_done = true;
    bool any_pending = false;
    bool any_started = false;
    for (auto s : subs) {
        if (is_closed(s)) {
            continue;
        }
        all_closed = false;
        any_pending = any_pending || s == sub::pending_payment;
        all_done = all_done && (s == sub::delivered || s == sub::refunded);
        any_started = any_started || s != sub::placed;
    }
    if (all_closed) {
        return order_status::cancelled;
    }
    if (any_pending) {
        return order_status::pending_payment;
    }
    if (all_done) {
        return order_status::completed;
    }
    // Once a vendor started, the order stays in progress even if that sub-order is closed again.
    return any_started || current == order_status::in_progress ? order_status::in_progress
                                                               : order_status::placed;
}

core::error illegal_transition(
    std::string_view what, std::string_view id, std::string_view from, std::string_view to
) {
    return core::error{
        core::errc::conflict,
        std::string{what} + " " + std::string{id} + " is " + std::string{from} +
            "; it cannot become " + std::string{to}};
}

shipping_address shipping_address_from_json(const boost::json::object& o) {
    auto str = [&](std::string_view k) -> std::optional<std::string> {
        const auto* v = o.if_contains(k);
        if (v == nullptr || !v->is_string()) {
            return std::nullopt;
        }
        return std::string{v->as_string()};
    };
    auto num = [&](std::string_view k) {
        const auto* v = o.if_contains(k);
        return v != nullptr && v->is_number() ? v->to_number<double>() : 0.0;
    };
    shipping_address a;
    a.name = str("name");
    a.line1 = str("line1").value_or("");
    a.line2 = str("line2");
    a.city = str("city").value_or("");
    a.postal_code = str("postal_code");
    a.country = str("country").value_or("");
    a.phone = str("phone");
    a.lat = num("lat");
    a.lng = num("lng");
    return a;
}

core::result<checkout_request> parse_checkout(const boost::json::value& body) {
    core::json::validator v{body};
    auto root = v.root();
    checkout_request out;
    if (root.valid()) {
        out.email = root.optional_string("email", {.min_length = 3, .max_length = 254});
        if (out.email && !looks_like_email(*out.email)) {
            v.add("/email", "format", "must be an email address");
        }
        auto addr = root.required_object("shipping_address");
        if (addr.valid()) {
            auto& a = out.address;
            a.name = addr.optional_string("name", {.min_length = 1, .max_length = 200});
            a.line1 = addr.required_string("line1", {.min_length = 1, .max_length = 200});
            a.line2 = addr.optional_string("line2", {.max_length = 200});
            a.city = addr.required_string("city", {.min_length = 1, .max_length = 100});
            a.postal_code = addr.optional_string("postal_code", {.min_length = 1, .max_length = 20});
            a.country = addr.required_string("country", {.min_length = 2, .max_length = 2});
            if (addr.has("country") && a.country.size() == 2 && !is_country(a.country)) {
                v.add(addr.pointer() + "/country", "format", "must be an ISO 3166-1 alpha-2 code");
            }
            a.phone = addr.optional_string("phone", {.min_length = 3, .max_length = 32});
            a.lat = addr.required_number("lat", {.min = -90, .max = 90});
            a.lng = addr.required_number("lng", {.min = -180, .max = 180});
            addr.done();
        }
        auto delivery = root.required_object("delivery");
        if (delivery.valid()) {
            auto m = delivery.required_string("method", {.one_of = {"courier", "pickup"}});
            out.delivery.method = m == "pickup" ? delivery_method::pickup : delivery_method::courier;
            delivery.done();
        }
        auto payment = root.required_object("payment");
        if (payment.valid()) {
            // Which methods are offered is the service's to say (422 naming the field).
            out.payment_method = payment.required_string("method", {.min_length = 1, .max_length = 32});
            payment.done();
        }
        root.done();
    }
    if (!v.ok()) {
        return core::fail(v.error());
    }
    out.delivery.destination = vendor::location{out.address.lat, out.address.lng};
    return out;
}

std::string address_text(const shipping_address& a) {
    std::string out;
    writer w{out};
    write_address(w, a);
    return out;
}

std::string order_text(const order& o) {
    std::string out;
    out.reserve(1024 + 1536 * o.sub_orders.size());
    writer w{out};
    write_order(w, o);
    return out;
}

void write_order(writer& w, const order& o) {
    w.begin_object().key("id").string(o.id).key("object").string("order").key("status").string(
        to_string(o.status)
    );
    write_payment(w, o);
    w.key("delivery")
        .begin_object()
        .key("method")
        .string(delivery_name(o.delivery))
        .end_object()
        .key("shipping_address");
    write_address(w, o.address);
    w.key("totals");
    write_totals(w, o.totals, o.currency);
    w.key("promotion_ids").begin_array();
    for (const auto& p : o.promotion_ids) {
        w.string(p);
    }
    w.end_array().key("sub_orders").begin_array();
    for (const auto& s : o.sub_orders) {
        w.begin_object();
        write_sub_order_members(w, o, s);
        w.end_object();
    }
    w.end_array().key("history").begin_array();
    for (const auto& h : o.history) {
        write_history(w, h);
    }
    w.end_array()
        .key("created_at")
        .string(core::format_rfc3339(o.created_at))
        .key("updated_at")
        .string(core::format_rfc3339(o.updated_at))
        .key("email")
        .string_or_null(o.email)
        .key("customer_id")
        .string_or_null(o.customer_id)
        .key("reserved_until");
    if (o.reserved_until) {
        w.string(core::format_rfc3339(*o.reserved_until));
    } else {
        w.null();
    }
    w.end_object();
}

std::string vendor_order_text(const order& o, const sub_order& s) {
    std::string out;
    out.reserve(2048);
    writer w{out};
    write_vendor_order(w, o, s);
    return out;
}

void write_vendor_order(writer& w, const order& o, const sub_order& s) {
    w.begin_object();
    write_sub_order_members(w, o, s);
    write_vendor_members(w, o);
    w.end_object();
}

}  // namespace shopping
