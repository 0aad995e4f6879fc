#include <functional>

#include "core/http/body.hpp"
#include "core/json.hpp"
#include "modules/vendor/routes.hpp"

namespace vendor {
namespace {

namespace http = core::http;

}  // namespace

void admin_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    auto admin = [](std::string summary) {
        return http::route_options{
            .who = access::role,
            .roles = {"admin"},
            .body_limit = body_limit,
            .summary = std::move(summary)};
    };
    r.add(
        method::get, "/api/v1/admin/vendors", std::bind_front(&admin_routes::list, this),
        admin("Vendors (applications and stores), newest first; filter by status.")
    );
    r.add(
        method::get, "/api/v1/admin/vendors/{id}", std::bind_front(&admin_routes::show, this),
        admin("One vendor, with its payout details.")
    );
    r.add(
        method::post, "/api/v1/admin/vendors/{id}/approve",
        std::bind_front(&admin_routes::approve, this),
        admin("Approve a pending application or reinstate a suspended store.")
    );
    r.add(
        method::post, "/api/v1/admin/vendors/{id}/reject",
        std::bind_front(&admin_routes::reject, this),
        admin("Reject a pending application, with a reason.")
    );
    r.add(
        method::post, "/api/v1/admin/vendors/{id}/suspend",
        std::bind_front(&admin_routes::suspend, this),
        admin("Suspend an active store, with a reason; its vendor routes stop at once.")
    );
}

core::task<http::response> admin_routes::list(http::request& req) {
    auto q = page_of(req, "vnd");
    if (!q) {
        co_return http::problem(q);
    }
    std::optional<store_status> status;
    if (auto raw = req.query("status")) {
        if (*raw != "pending" && *raw != "active" && *raw != "rejected" && *raw != "suspended") {
            co_return http::problem(core::error{
                core::errc::bad_request,
                "status must be pending, active, rejected or suspended",
                {{"/status", "enum", "must be pending, active, rejected or suspended"}}});
        }
        status = parse_store_status(*raw);
    }
    auto listed = co_await stores_.list(status, std::move(q->position), q->limit);
    if (!listed) {
        co_return http::problem(listed);
    }
    boost::json::array items;
    for (const auto& s : listed->items) {
        items.push_back(to_json(s, true));
    }
    co_return http::ok(boost::json::object{
        {"object", "list"},
        {"items", std::move(items)},
        {"next_cursor", listed->next_cursor ? boost::json::value(*listed->next_cursor)
                                            : boost::json::value(nullptr)},
    });
}

core::task<http::response> admin_routes::show(http::request& req) {
    auto found = co_await stores_.get(std::string{req.param("id")});
    if (!found) {
        co_return http::problem(found);
    }
    co_return http::ok(to_json(*found, true));
}

core::task<http::response> admin_routes::approve(http::request& req) {
    auto body = http::json_body(req, true);
    if (!body) {
        co_return http::problem(body);
    }
    // No fields: an empty body or {} (any field is refused as unknown).
    core::json::validator v{*body};
    v.root().done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done = co_await stores_.approve(*req.principal, std::string{req.param("id")});
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::ok(to_json(*done, true));
}

core::task<http::response> admin_routes::reject(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto reason = parse_reason(*body, true);
    if (!reason) {
        co_return http::problem(reason);
    }
    auto done = co_await stores_.reject(
        *req.principal, std::string{req.param("id")}, std::move(reason->value())
    );
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::ok(to_json(*done, true));
}

core::task<http::response> admin_routes::suspend(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto reason = parse_reason(*body, true);
    if (!reason) {
        co_return http::problem(reason);
    }
    auto done = co_await stores_.suspend(
        *req.principal, std::string{req.param("id")}, std::move(reason->value())
    );
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::ok(to_json(*done, true));
}

}  // namespace vendor
