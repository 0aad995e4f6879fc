#include <functional>

#include "core/json.hpp"
#include "modules/identity/policy.hpp"
#include "modules/identity/routes.hpp"

namespace identity {
namespace {

namespace http = core::http;
using core::json::string_rule;

const string_rule phone_rule{.min_length = 1, .max_length = 32};
const string_rule code_rule{.min_length = 1, .max_length = 16};

std::string read_phone(core::json::validator& v, core::json::object_reader& o) {
    auto phone = o.required_string("phone", phone_rule);
    if (!phone.empty()) {
        if (auto bad = policy::check_phone(phone)) {
            v.add("/phone", bad->code, bad->message);
        }
    }
    return phone;
}

bool is_code(std::string_view code) {
    return code.size() >= 4 && code.size() <= 10 &&
           std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void otp_routes::register_routes(http::router& r) {
    auto anyone = [](std::string summary) {
        return http::route_options{
            .who = http::access::anyone, .body_limit = body_limit, .summary = std::move(summary)};
    };
    r.add(
        http::method::post, "/api/v1/auth/otp/start", std::bind_front(&otp_routes::start, this),
        anyone("Text a one-time code to a phone (sign-in, or with a token: verify your phone).")
    );
    r.add(
        http::method::post, "/api/v1/auth/otp/verify", std::bind_front(&otp_routes::verify, this),
        http::route_options{
            .who = http::access::anyone,
            .body_limit = body_limit,
            .summary = "Check a one-time code: signs in (or up) by phone, or verifies the caller's phone.",
            // Its answer may carry a token pair: never stored for Idempotency-Key replays.
            .idempotency = http::idempotency_mode::off}
    );
}

core::task<http::response> otp_routes::start(http::request& req) {
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto phone = read_phone(v, o);
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto started = co_await otp_.start(phone, req.principal, client_of(req));
    if (!started) {
        co_return http::problem(started);
    }
    boost::json::object out{
        {"object", "otp_challenge"},
        {"phone", phone},
        {"expires_in", started->expires_in.count()},
        {"resend_after", started->resend_after.count()}};
    auto res = http::ok(std::move(out));
    res.status = 202;
    co_return res;
}

core::task<http::response> otp_routes::verify(http::request& req) {
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto phone = read_phone(v, o);
    auto code = o.required_string("code", code_rule);
    if (!code.empty() && !is_code(code)) {
        v.add("/code", "format", "must be the 4-10 digit code sent by SMS");
    }
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done =
        co_await otp_.verify(std::move(phone), std::move(code), req.principal, client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    if (done->account) {
        co_return http::ok(to_json(*done->account));
    }
    if (done->created) {
        co_return http::created(to_json(*done->session), "/api/v1/me");
    }
    co_return http::ok(to_json(*done->session));
}

}  // namespace identity
