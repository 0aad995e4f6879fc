#include <functional>

#include "core/json.hpp"
#include "modules/identity/policy.hpp"
#include "modules/identity/routes.hpp"

namespace identity {
namespace {

namespace http = core::http;
using core::json::string_rule;

// Bounds before the policy checks: generous enough that the policy names the real problem.
const string_rule email_rule{.min_length = 1, .max_length = 320};
const string_rule password_rule{.min_length = 1, .max_length = 1024};
const string_rule token_rule{.min_length = 1, .max_length = 512};
const string_rule name_rule{.min_length = 1, .max_length = policy::max_name_length};

// Reads an email field and checks it; returns the normalised address.
std::string read_email(core::json::validator& v, core::json::object_reader& o) {
    auto raw = o.required_string("email", email_rule);
    if (raw.empty()) {
        return {};
    }
    auto email = policy::normalise_email(raw);
    if (auto bad = policy::check_email(email)) {
        v.add("/email", bad->code, bad->message);
    }
    return email;
}

// Reads a new password and checks the policy (against the email when it is known here).
std::string read_new_password(
    core::json::validator& v,
    core::json::object_reader& o,
    std::string_view key,
    std::string_view email
) {
    auto password = o.required_string(key, password_rule);
    if (!password.empty()) {
        if (auto bad = policy::check_password(password, email)) {
            v.add("/" + std::string{key}, bad->code, bad->message);
        }
    }
    return password;
}

http::response accepted() {
    http::response r;
    r.status = 202;
    return r;
}

}  // namespace

void auth_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    auto anyone = [](std::string summary) {
        return http::route_options{
            .who = access::anyone, .body_limit = body_limit, .summary = std::move(summary)};
    };
    auto user = [](std::string summary) {
        return http::route_options{
            .who = access::user, .body_limit = body_limit, .summary = std::move(summary)};
    };
    // Answers carrying a token pair are never stored for Idempotency-Key replays.
    auto issues_tokens = [](std::string summary) {
        return http::route_options{
            .who = access::anyone,
            .body_limit = body_limit,
            .summary = std::move(summary),
            .idempotency = http::idempotency_mode::off};
    };
    r.add(
        method::get, "/.well-known/jwks.json", std::bind_front(&auth_routes::jwks, this),
        anyone("Public keys that verify our access tokens (JWK Set).")
    );
    r.add(
        method::post, "/api/v1/auth/register", std::bind_front(&auth_routes::register_user, this),
        issues_tokens("Create an account with email and password; signs it in.")
    );
    r.add(
        method::post, "/api/v1/auth/login", std::bind_front(&auth_routes::login, this),
        issues_tokens("Sign in with email and password.")
    );
    r.add(
        method::post, "/api/v1/auth/refresh", std::bind_front(&auth_routes::refresh, this),
        issues_tokens("Exchange a refresh token for a new token pair.")
    );
    r.add(
        method::post, "/api/v1/auth/logout", std::bind_front(&auth_routes::logout, this),
        user("Revoke the current session.")
    );
    r.add(
        method::post, "/api/v1/auth/email/verify/request",
        std::bind_front(&auth_routes::request_email_verification, this),
        user("Send a new email verification code.")
    );
    r.add(
        method::post, "/api/v1/auth/email/verify",
        std::bind_front(&auth_routes::verify_email, this),
        anyone("Verify an email address with the code sent to it.")
    );
    r.add(
        method::post, "/api/v1/auth/password/reset/request",
        std::bind_front(&auth_routes::request_password_reset, this),
        anyone("Send a password reset code, if the email has an account.")
    );
    r.add(
        method::post, "/api/v1/auth/password/reset",
        std::bind_front(&auth_routes::reset_password, this),
        anyone("Set a new password with a reset code; revokes every session.")
    );
}

core::task<http::response> auth_routes::jwks(http::request& /*req*/) {
    auto res = http::ok(keys_.jwks());
    res.header("Cache-Control", "public, max-age=300");
    co_return res;
}

core::task<http::response> auth_routes::register_user(http::request& req) {
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto email = read_email(v, o);
    auto password = read_new_password(v, o, "password", email);
    auto name = o.required_string("name", name_rule);
    if (!name.empty()) {
        if (auto bad = policy::check_name(name)) {
            v.add("/name", bad->code, bad->message);
        }
    }
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    registration r{
        .email = std::move(email),
        .password = std::move(password),
        .name = std::move(name),
        .client = client_of(req)};
    auto done = co_await auth_.register_user(std::move(r));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::created(to_json(*done), "/api/v1/me");
}

core::task<http::response> auth_routes::login(http::request& req) {
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto email = read_email(v, o);
    auto password = o.required_string("password", password_rule);
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    login_attempt a{
        .email = std::move(email), .password = std::move(password), .client = client_of(req)};
    auto done = co_await auth_.login(std::move(a));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::ok(to_json(*done));
}

core::task<http::response> auth_routes::refresh(http::request& req) {
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto token = o.required_string("refresh_token", token_rule);
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done = co_await auth_.refresh(std::move(token), client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::ok(to_json(*done));
}

core::task<http::response> auth_routes::logout(http::request& req) {
    auto body = json_body(req, true);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    v.root().done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done = co_await auth_.logout(*req.principal, client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::no_content();
}

core::task<http::response> auth_routes::request_email_verification(http::request& req) {
    auto body = json_body(req, true);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    v.root().done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done = co_await auth_.request_email_verification(*req.principal, client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return accepted();
}

core::task<http::response> auth_routes::verify_email(http::request& req) {
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto token = o.required_string("token", token_rule);
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done = co_await auth_.verify_email(std::move(token), client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::no_content();
}

core::task<http::response> auth_routes::request_password_reset(http::request& req) {
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto email = read_email(v, o);
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done = co_await auth_.request_password_reset(std::move(email), client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return accepted();
}

core::task<http::response> auth_routes::reset_password(http::request& req) {
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto token = o.required_string("token", token_rule);
    auto password = read_new_password(v, o, "password", "");
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done =
        co_await auth_.reset_password(std::move(token), std::move(password), client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::no_content();
}

}  // namespace identity
