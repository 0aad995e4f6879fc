#include "modules/shopping/order_routes.hpp"

#include <functional>

#include "core/http/body.hpp"
#include "core/http/paging.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "infra/idempotency/idempotency.hpp"

namespace shopping {
namespace {

namespace http = core::http;
using core::errc;

constexpr std::size_t order_body_limit = 16 * 1024;

// 201 with {"order": ...} around the document the checkout already serialized.
http::response placed_response(const order& o, const std::string& json) {
    http::response res;
    res.status = 201;
    res.content_type = "application/json";
    res.body.reserve(json.size() + 10);
    res.body.append(R"({"order":)").append(json).append("}");
    res.header("Location", "/api/v1/me/orders/" + o.id);
    return res;
}

http::response json_text(std::string body) {
    return http::text(200, std::move(body), "application/json");
}

// A list page whose items `write` puts straight into the body.
template <class Item, class Write>
http::response list_text(
    const std::vector<Item>& items, const std::optional<std::string>& next_cursor, Write write
) {
    std::string body;
    core::json::writer w{body};
    w.begin_object().key("object").string("list").key("items").begin_array();
    for (const auto& item : items) {
        write(w, item);
    }
    w.end_array().key("next_cursor").string_or_null(next_cursor).end_object();
    return json_text(std::move(body));
}

// An optional {reason} body; `required` for rejections.
core::result<std::optional<std::string>> reason_of(const http::request& req, bool required) {
    auto body = http::json_body(req, true);
    if (!body) {
        return std::move(body).error();
    }
    if (body->is_null()) {
        if (required) {
            return core::error{
                errc::invalid, "a reason is required", {{"/reason", "required", "is required"}}};
        }
        return std::optional<std::string>{};
    }
    core::json::validator v{*body};
    auto root = v.root();
    std::optional<std::string> reason;
    if (root.valid()) {
        if (required) {
            reason = root.required_string("reason", {.min_length = 1, .max_length = 500});
        } else {
            reason = root.optional_string("reason", {.min_length = 1, .max_length = 500});
        }
        root.done();
    }
    if (!v.ok()) {
        return v.error();
    }
    return reason;
}

core::result<std::optional<std::int64_t>> time_param(const http::request& req, std::string_view name) {
    auto raw = req.query(name);
    if (!raw) {
        return std::optional<std::int64_t>{};
    }
    auto t = core::parse_rfc3339(*raw);
    if (!t) {
        return core::error{
            errc::bad_request, std::string{name} + " must be an RFC 3339 time",
            {{"/" + std::string{name}, "format", "must be an RFC 3339 time"}}};
    }
    return std::optional<std::int64_t>{
        std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count()};
}

}  // namespace

void order_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    r.add(
        method::post, "/api/v1/store/carts/{id}/checkout",
        std::bind_front(&order_routes::checkout, this),
        http::route_options{
            .who = access::anyone,
            .body_limit = order_body_limit,
            .summary = "Place the cart's order: one sub-order per vendor, stock reserved.",
            .idempotency = http::idempotency_mode::required,
            // The order's transaction claims the key and stores the answer.
            .idempotency_claimed_by_effect = true}
    );
    auto customer = [](std::string summary) {
        return http::route_options{
            .who = access::user, .body_limit = order_body_limit, .summary = std::move(summary)};
    };
    r.add(
        method::get, "/api/v1/me/orders", std::bind_front(&order_routes::my_orders, this),
        customer("Your orders, newest first; filter by status.")
    );
    r.add(
        method::get, "/api/v1/me/orders/{id}", std::bind_front(&order_routes::my_order, this),
        customer("One of your orders with its sub-orders, items and status timeline.")
    );
    r.add(
        method::post, "/api/v1/me/orders/{id}/cancel", std::bind_front(&order_routes::cancel, this),
        customer("Cancel an order before any vendor accepted it; its stock is released.")
    );
    auto vendor = [](std::string summary) {
        return http::route_options{
            .who = access::role,
            .roles = {"vendor"},
            .body_limit = order_body_limit,
            .summary = std::move(summary)};
    };
    r.add(
        method::get, "/api/v1/vendor/orders", std::bind_front(&order_routes::vendor_orders, this),
        vendor("The store's sub-orders, newest first; filter by status and creation time.")
    );
    r.add(
        method::get, "/api/v1/vendor/orders/{id}",
        std::bind_front(&order_routes::vendor_order, this),
        vendor("One of the store's sub-orders with the delivery address.")
    );
    struct action_route {
        std::string_view path;
        vendor_action action;
        std::string_view summary;
    };
    const action_route actions[] = {
        {"/api/v1/vendor/orders/{id}/accept", vendor_action::accept, "Accept a placed sub-order."},
        {"/api/v1/vendor/orders/{id}/reject", vendor_action::reject,
         "Reject a placed sub-order with a reason; its stock is released."},
        {"/api/v1/vendor/orders/{id}/prepare", vendor_action::prepare,
         "Mark an accepted sub-order as being prepared."},
        {"/api/v1/vendor/orders/{id}/ready", vendor_action::ready,
         "Mark a sub-order ready for pick-up (by the courier or the customer)."},
        {"/api/v1/vendor/orders/{id}/handed-over", vendor_action::hand_over,
         "The customer collected a pick-up sub-order at the store: it is delivered."},
    };
    for (const auto& a : actions) {
        auto action = a.action;
        r.add(
            method::post, a.path,
            [this, action](http::request& req) { return act(req, action); },
            vendor(std::string{a.summary})
        );
    }
}

core::task<http::response> order_routes::checkout(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto parsed = parse_checkout(*body);
    if (!parsed) {
        co_return http::problem(parsed);
    }
    cart_caller who;
    who.user = req.principal;
    if (auto token = req.header("x-cart-token")) {
        who.cart_token = std::string{*token};
    }
    // With a claimed Idempotency-Key, the answer is stored in the order's own transaction.
    auto* key = infra::idempotency::claimed_key_of(req);
    std::optional<http::response> recorded;
    order_service::in_checkout record;
    if (key != nullptr) {
        record = [&req, key, &recorded](
                     infra::db::transaction& tx, const order& o, const std::string& json
                 ) -> core::task<core::result<void>> {
            recorded = placed_response(o, json);
            co_return co_await key->record(tx, req, *recorded);
        };
    }
    auto placed = co_await orders_.checkout(
        std::move(who), std::string{req.param("id")}, std::move(*parsed), std::move(record)
    );
    if (!placed) {
        co_return http::problem(placed);
    }
    if (recorded) {
        key->committed();
        co_return std::move(*recorded);
    }
    co_return placed_response(placed->value, placed->json);
}

core::task<http::response> order_routes::my_orders(http::request& req) {
    auto page = http::page_of(req, "ord");
    if (!page) {
        co_return http::problem(page);
    }
    std::optional<order_status> status;
    if (auto raw = req.query("status")) {
        status = parse_order_status(*raw);
        if (!status) {
            co_return http::problem(core::error{
                errc::bad_request, "status is not an order status",
                {{"/status", "enum", "is not an order status"}}});
        }
    }
    auto listed = co_await orders_.list_mine(*req.principal, status, page->position, page->limit);
    if (!listed) {
        co_return http::problem(listed);
    }
    co_return list_text(
        listed->items, listed->next_cursor,
        [](core::json::writer& w, const order& o) { write_order(w, o); }
    );
}

core::task<http::response> order_routes::my_order(http::request& req) {
    auto found = co_await orders_.mine(*req.principal, std::string{req.param("id")});
    if (!found) {
        co_return http::problem(found);
    }
    co_return json_text(order_text(*found));
}

core::task<http::response> order_routes::cancel(http::request& req) {
    auto reason = reason_of(req, false);
    if (!reason) {
        co_return http::problem(reason);
    }
    auto done = co_await orders_.cancel(*req.principal, std::string{req.param("id")}, *reason);
    if (!done) {
        co_return http::problem(done);
    }
    co_return json_text(order_text(*done));
}

core::task<http::response> order_routes::vendor_orders(http::request& req) {
    auto page = http::page_of(req, "sub");
    if (!page) {
        co_return http::problem(page);
    }
    sub_order_filter f;
    f.before_id = page->position;
    f.limit = page->limit;
    if (auto raw = req.query("status")) {
        f.status = parse_sub_order_status(*raw);
        if (!f.status) {
            co_return http::problem(core::error{
                errc::bad_request, "status is not a sub-order status",
                {{"/status", "enum", "is not a sub-order status"}}});
        }
    }
    auto from = time_param(req, "created_from");
    if (!from) {
        co_return http::problem(from);
    }
    auto to = time_param(req, "created_to");
    if (!to) {
        co_return http::problem(to);
    }
    f.created_from_ms = *from;
    f.created_to_ms = *to;
    auto listed = co_await orders_.vendor_list(*req.principal, std::move(f));
    if (!listed) {
        co_return http::problem(listed);
    }
    co_return list_text(
        listed->items, listed->next_cursor,
        [](core::json::writer& w, const auto& v) { write_vendor_order(w, v.parent, v.sub()); }
    );
}

core::task<http::response> order_routes::vendor_order(http::request& req) {
    auto found = co_await orders_.vendor_get(*req.principal, std::string{req.param("id")});
    if (!found) {
        co_return http::problem(found);
    }
    co_return json_text(vendor_order_text(found->parent, found->sub()));
}

core::task<http::response> order_routes::act(http::request& req, vendor_action action) {
    auto reason = reason_of(req, action == vendor_action::reject);
    if (!reason) {
        co_return http::problem(reason);
    }
    auto done = co_await orders_.vendor_act(
        *req.principal, std::string{req.param("id")}, action, *reason
    );
    if (!done) {
        co_return http::problem(done);
    }
    co_return json_text(vendor_order_text(done->parent, done->sub()));
}

}  // namespace shopping
