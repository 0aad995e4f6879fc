#include <functional>

#include "modules/identity/routes.hpp"

namespace identity {
namespace {

namespace http = core::http;

boost::json::object to_json(const infra::crypto::key_ring& keys) {
    boost::json::array kids;
    for (auto& kid : keys.kids()) {
        kids.emplace_back(kid);
    }
    return {
        {"object", "signing_keys"},
        {"active_kid", keys.active_kid()},
        {"active_created_at", core::format_rfc3339(keys.active_created_at())},
        {"kids", std::move(kids)},
    };
}

}  // namespace

void key_routes::register_routes(http::router& r) {
    auto admin = [](std::string summary) {
        return http::route_options{
            .who = http::access::role,
            .roles = {std::string{role::admin}},
            .body_limit = body_limit,
            .summary = std::move(summary)};
    };
    r.add(
        http::method::get, "/api/v1/admin/keys", std::bind_front(&key_routes::list, this),
        admin("The access-token signing keys: the active kid and those still verifying.")
    );
    r.add(
        http::method::post, "/api/v1/admin/keys/rotate", std::bind_front(&key_routes::rotate, this),
        admin("Start signing with a new key; tokens signed by the previous key stay valid.")
    );
}

core::task<http::response> key_routes::list(http::request& /*req*/) {
    co_return http::ok(to_json(keys_));
}

core::task<http::response> key_routes::rotate(http::request& req) {
    // Another instance sharing the key directory may have rotated since we last looked.
    if (auto loaded = keys_.reload(); !loaded) {
        co_return http::problem(loaded);
    }
    auto kid = keys_.rotate();
    if (!kid) {
        co_return http::problem(kid);
    }
    audit_entry entry{
        .type = "signing_key.rotated",
        .actor_id = req.principal->user_id,
        .client = client_of(req),
        .data = {{"kid", *kid}}};
    if (auto audited = co_await audit_.append(std::move(entry)); !audited) {
        co_return http::problem(audited);
    }
    co_return http::ok(to_json(keys_));
}

}  // namespace identity
