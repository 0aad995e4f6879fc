#include "modules/shopping/order_model.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
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

boost::json::object money_json(std::int64_t amount, std::string_view currency) {
    return boost::json::object{{"amount", amount}, {"currency", currency}};
}

// Optional fields go in the objects' initializer lists, so each object is allocated once.
boost::json::value or_null(const std::optional<std::string>& v) {
    if (v) {
        return boost::json::string{*v};
    }
    return nullptr;
}

boost::json::object item_json(const order_item& i, std::string_view currency) {
    return boost::json::object{
        {"id", i.id},
        {"object", "order_item"},
        {"product_id", i.product_id},
        {"variant_id", i.variant_id},
        {"title", i.title},
        {"sku", i.sku},
        {"options", i.options},
        {"quantity", i.quantity},
        {"unit_price", money_json(i.unit_amount, currency)},
        {"subtotal", money_json(i.subtotal, currency)},
        {"discount", money_json(i.discount, currency)},
        {"total", money_json(i.total, currency)},
    };
}

// What a vendor sees of the order beyond its sub-order; none of these keys is a sub-order's.
boost::json::object vendor_fields(const order& o) {
    return boost::json::object{
        {"order_status", to_string(o.status)},
        {"currency", o.currency},
        {"payment", boost::json::object{{"method", o.payment_method}, {"status", o.payment_status}}},
        {"shipping_address", to_json(o.address)},
        {"email", or_null(o.email)},
    };
}

boost::json::object sub_order_json(const order& o, const sub_order& s) {
    boost::json::array items;
    for (const auto& i : s.items) {
        items.push_back(item_json(i, o.currency));
    }
    boost::json::array history;
    for (const auto& h : s.history) {
        history.push_back(to_json(h));
    }
    boost::json::object delivery{{"method", delivery_name(s.delivery)}};
    if (s.distance_m) {
        delivery["distance_m"] = *s.distance_m;
    }
    boost::json::object out{
        {"id", s.id},
        {"object", "sub_order"},
        {"order_id", s.order_id},
        {"vendor_id", s.vendor_id},
        {"status", to_string(s.status)},
        {"delivery", std::move(delivery)},
        {"items", std::move(items)},
        {"totals", totals_json(s.totals, o.currency)},
        {"history", std::move(history)},
        {"created_at", core::format_rfc3339(s.created_at)},
        {"updated_at", core::format_rfc3339(s.updated_at)},
        {"reason", or_null(s.reason)},
    };
    return out;
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

boost::json::object to_json(const shipping_address& a) {
    boost::json::object o{
        {"line1", a.line1},
        {"city", a.city},
        {"country", a.country},
        {"lat", a.lat},
        {"lng", a.lng},
        {"name", or_null(a.name)},
        {"line2", or_null(a.line2)},
        {"postal_code", or_null(a.postal_code)},
        {"phone", or_null(a.phone)},
    };
    return o;
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

boost::json::object to_json(const history_entry& h) {
    boost::json::object o{
        {"to", h.to},
        {"actor", h.actor},
        {"at", core::format_rfc3339(h.at)},
        {"sub_order_id", or_null(h.sub_order_id)},
        {"from", or_null(h.from)},
        {"reason", or_null(h.reason)},
    };
    return o;
}

boost::json::object to_json(const order& o) {
    boost::json::array subs;
    for (const auto& s : o.sub_orders) {
        subs.push_back(sub_order_json(o, s));
    }
    boost::json::array history;
    for (const auto& h : o.history) {
        history.push_back(to_json(h));
    }
    boost::json::array promos;
    for (const auto& p : o.promotion_ids) {
        promos.push_back(boost::json::string{p});
    }
    boost::json::object out{
        {"id", o.id},
        {"object", "order"},
        {"status", to_string(o.status)},
        {"currency", o.currency},
        {"payment", boost::json::object{{"method", o.payment_method}, {"status", o.payment_status}}},
        {"delivery", boost::json::object{{"method", delivery_name(o.delivery)}}},
        {"shipping_address", to_json(o.address)},
        {"totals", totals_json(o.totals, o.currency)},
        {"promotion_ids", std::move(promos)},
        {"sub_orders", std::move(subs)},
        {"history", std::move(history)},
        {"created_at", core::format_rfc3339(o.created_at)},
        {"updated_at", core::format_rfc3339(o.updated_at)},
        {"email", or_null(o.email)},
        {"customer_id", or_null(o.customer_id)},
        {"reserved_until",
         o.reserved_until ? or_null(core::format_rfc3339(*o.reserved_until)) : nullptr},
    };
    return out;
}

boost::json::object vendor_json(const order& o, const sub_order& s) {
    auto out = sub_order_json(o, s);
    auto fields = vendor_fields(o);
    out.reserve(out.size() + fields.size());
    for (auto& f : fields) {
        out[f.key()] = std::move(f.value());
    }
    return out;
}

std::vector<std::string> vendor_json_texts(const order& o, const boost::json::object& doc) {
    const auto fields = boost::json::serialize(vendor_fields(o));
    std::vector<std::string> out;
    for (const auto& sub : doc.at("sub_orders").as_array()) {
        // Two objects with distinct keys, the first never empty: its closing brace gives way to
        // the second's members.
        auto text = boost::json::serialize(sub);
        text.back() = ',';
        text.append(fields, 1);
        out.push_back(std::move(text));
    }
    return out;
}

}  // namespace shopping
