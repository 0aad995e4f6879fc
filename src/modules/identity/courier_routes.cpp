#include <functional>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "modules/identity/routes.hpp"

namespace identity {
namespace {

namespace http = core::http;

boost::json::object application_json(const courier_application& a) {
    return {
        {"object", "courier_application"},
        {"user_id", a.user_id},
        {"name", a.name},
        {"phone", a.phone ? boost::json::value(*a.phone) : boost::json::value(nullptr)},
        {"status", a.status},
        {"created_at", core::format_rfc3339(a.requested_at)},
        {"updated_at", core::format_rfc3339(a.updated_at)},
    };
}

}  // namespace

void courier_routes::register_routes(http::router& r) {
    auto user = [](std::string summary) {
        return http::route_options{
            .who = http::access::user, .body_limit = body_limit, .summary = std::move(summary)};
    };
    auto admin = [](std::string summary) {
        return http::route_options{
            .who = http::access::role,
            .roles = {std::string{role::admin}},
            .body_limit = body_limit,
            .summary = std::move(summary)};
    };
    r.add(
        http::method::post, "/api/v1/me/courier-application",
        std::bind_front(&courier_routes::apply, this),
        user("Ask for the courier role (needs a verified phone); pending until an admin approves.")
    );
    r.add(
        http::method::get, "/api/v1/me/courier-application",
        std::bind_front(&courier_routes::mine, this),
        user("The signed-in user's courier application and its status.")
    );
    r.add(
        http::method::get, "/api/v1/admin/couriers", std::bind_front(&courier_routes::list, this),
        admin("Courier applications by status (pending by default), newest first.")
    );
    r.add(
        http::method::post, "/api/v1/admin/couriers/{id}/approve",
        std::bind_front(&courier_routes::approve, this),
        admin("Approve a pending courier: the courier role becomes active.")
    );
    r.add(
        http::method::post, "/api/v1/admin/couriers/{id}/reject",
        std::bind_front(&courier_routes::reject, this),
        admin("Reject a pending courier application, with a reason.")
    );
}

core::task<http::response> courier_routes::apply(http::request& req) {
    auto body = json_body(req, true);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    v.root().done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto made = co_await couriers_.apply(*req.principal, client_of(req));
    if (!made) {
        co_return http::problem(made);
    }
    co_return http::created(application_json(*made), "/api/v1/me/courier-application");
}

core::task<http::response> courier_routes::mine(http::request& req) {
    auto found = co_await couriers_.mine(*req.principal);
    if (!found) {
        co_return http::problem(found);
    }
    co_return http::ok(application_json(*found));
}

core::task<http::response> courier_routes::list(http::request& req) {
    std::string status{req.query("status").value_or("pending")};
    if (status != "pending" && status != "active") {
        co_return http::problem(core::error{
            core::errc::bad_request,
            "status must be pending or active",
            {{"/status", "enum", "must be pending or active"}}});
    }
    auto q = page_of(req, "usr");
    if (!q) {
        co_return http::problem(q);
    }
    auto found = co_await couriers_.list(std::move(status), std::move(q->before_id), q->limit);
    if (!found) {
        co_return http::problem(found);
    }
    co_return http::ok(list_json<courier_application>(*found, application_json));
}

core::task<http::response> courier_routes::approve(http::request& req) {
    auto body = json_body(req, true);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    v.root().done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    std::string id{req.param("id")};
    if (!core::is_id(id, "usr")) {
        co_return http::problem(core::error{core::errc::not_found, "no such user"});
    }
    auto done = co_await couriers_.approve(*req.principal, std::move(id), client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::ok(application_json(*done));
}

core::task<http::response> courier_routes::reject(http::request& req) {
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto reason =
        o.required_string("reason", core::json::string_rule{.min_length = 1, .max_length = 500});
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    std::string id{req.param("id")};
    if (!core::is_id(id, "usr")) {
        co_return http::problem(core::error{core::errc::not_found, "no such user"});
    }
    auto done =
        co_await couriers_.reject(*req.principal, std::move(id), std::move(reason), client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::no_content();
}

}  // namespace identity
