#include <functional>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "modules/identity/routes.hpp"

namespace identity {
namespace {

namespace http = core::http;

core::error bad_query(const std::string& name, const std::string& message) {
    return core::error{
        core::errc::bad_request, name + " " + message, {{"/" + name, "format", message}}};
}

}  // namespace

void admin_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    auto admin = [](std::string summary) {
        return http::route_options{
            .who = access::role,
            .roles = {std::string{role::admin}},
            .body_limit = body_limit,
            .summary = std::move(summary)};
    };
    r.add(
        method::get, "/api/v1/admin/audit-events",
        std::bind_front(&admin_routes::audit_events, this),
        admin("Security events, newest first; filter by type, user and time.")
    );
    r.add(
        method::post, "/api/v1/admin/users/{id}/suspend",
        std::bind_front(&admin_routes::suspend, this),
        admin("Suspend a user: sign-in, refresh and their access tokens stop working.")
    );
    r.add(
        method::post, "/api/v1/admin/users/{id}/reactivate",
        std::bind_front(&admin_routes::reactivate, this), admin("Reactivate a suspended user.")
    );
}

core::task<http::response> admin_routes::audit_events(http::request& req) {
    auto q = page_of(req, "aud");
    if (!q) {
        co_return http::problem(q);
    }
    audit_filter f{.before_id = std::move(q->before_id), .limit = q->limit};
    if (auto type = req.query("type")) {
        if (type->empty() || type->size() > 64) {
            co_return http::problem(bad_query("type", "must be 1-64 characters"));
        }
        f.type = std::move(*type);
    }
    if (auto user_id = req.query("user_id")) {
        if (!core::is_id(*user_id, "usr")) {
            co_return http::problem(bad_query("user_id", "must be a user id (usr_...)"));
        }
        f.user_id = std::move(*user_id);
    }
    if (auto since = req.query("since")) {
        auto t = core::parse_rfc3339(*since);
        if (!t) {
            co_return http::problem(
                bad_query("since", "must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z")
            );
        }
        f.since = *t;
    }
    auto listed = co_await accounts_.audit_events(std::move(f));
    if (!listed) {
        co_return http::problem(listed);
    }
    co_return http::ok(list_json<audit_event>(*listed, [](const audit_event& e) {
        return to_json(e);
    }));
}

core::task<http::response> admin_routes::suspend(http::request& req) {
    co_return co_await change_status(req, user_status::suspended);
}

core::task<http::response> admin_routes::reactivate(http::request& req) {
    co_return co_await change_status(req, user_status::active);
}

core::task<http::response> admin_routes::change_status(http::request& req, user_status status) {
    auto body = json_body(req, true);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto reason =
        o.optional_string("reason", core::json::string_rule{.min_length = 1, .max_length = 500});
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    status_change change{
        .user_id = std::string{req.param("id")},
        .status = status,
        .reason = std::move(reason),
        .client = client_of(req)};
    auto done = co_await accounts_.set_status(*req.principal, std::move(change));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::ok(to_json(*done));
}

}  // namespace identity
