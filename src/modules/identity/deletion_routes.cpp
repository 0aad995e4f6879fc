#include <functional>

#include "core/json.hpp"
#include "modules/identity/routes.hpp"

namespace identity {
namespace {

namespace http = core::http;

boost::json::object to_json(const account_deletion& d) {
    return {
        {"object", "account_deletion"},
        {"status", "scheduled"},
        {"requested_at", core::format_rfc3339(d.requested_at)},
        {"purge_after", core::format_rfc3339(d.purge_after)},
    };
}

}  // namespace

void deletion_routes::register_routes(http::router& r) {
    auto user = [](std::string summary) {
        return http::route_options{
            .who = http::access::user, .body_limit = body_limit, .summary = std::move(summary)};
    };
    r.add(
        http::method::post, "/api/v1/me/deletion", std::bind_front(&deletion_routes::request, this),
        user("Ask for the account to be deleted after the grace period; signs out everywhere.")
    );
    r.add(
        http::method::get, "/api/v1/me/deletion", std::bind_front(&deletion_routes::show, this),
        user("The scheduled deletion of the account, if any.")
    );
    r.add(
        http::method::del, "/api/v1/me/deletion", std::bind_front(&deletion_routes::cancel, this),
        user("Cancel a scheduled deletion.")
    );
}

core::task<http::response> deletion_routes::request(http::request& req) {
    // An empty body is fine for accounts without a password (social or phone sign-in).
    auto body = json_body(req, true);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto password =
        o.optional_string("password", core::json::string_rule{.min_length = 1, .max_length = 1024});
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done = co_await deletions_.request(*req.principal, std::move(password), client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::json(202, to_json(*done));
}

core::task<http::response> deletion_routes::show(http::request& req) {
    auto found = co_await deletions_.scheduled(req.principal->user_id);
    if (!found) {
        co_return http::problem(found);
    }
    if (!*found) {
        co_return http::problem(core::error{core::errc::not_found, "no deletion is scheduled"});
    }
    co_return http::ok(to_json(**found));
}

core::task<http::response> deletion_routes::cancel(http::request& req) {
    auto done = co_await deletions_.cancel(*req.principal, client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::no_content();
}

}  // namespace identity
