#include <algorithm>
#include <functional>

#include "core/json.hpp"
#include "integrations/https.hpp"
#include "modules/identity/routes.hpp"

namespace identity {
namespace {

namespace http = core::http;
using core::json::string_rule;

constexpr std::size_t max_code = 2048;
constexpr std::size_t max_state = 256;
constexpr std::size_t max_error = 64;
constexpr std::size_t max_url = 2048;
constexpr std::size_t max_login_hint = 254;

core::error no_provider() { return core::error{core::errc::not_found, "no such sign-in provider"}; }

// Query parameters with their bounds; collects every problem as a 400 naming the parameter.
class query_reader {
public:
    explicit query_reader(const http::request& req) : req_(req) {}

    std::optional<std::string> get(std::string_view name, std::size_t max) {
        auto value = req_.query(name);
        if (value && value->size() > max) {
            add(name, "max_length", "must be at most " + std::to_string(max) + " characters");
            return std::nullopt;
        }
        return value;
    }
    void add(std::string_view name, std::string code, std::string message) {
        errors_.push_back({"/" + std::string{name}, std::move(code), std::move(message)});
    }
    bool ok() const { return errors_.empty(); }
    core::error error() const {
        return core::error{core::errc::bad_request, "the query parameters are invalid", errors_};
    }

private:
    const http::request& req_;
    std::vector<core::field_error> errors_;
};

// RFC 6749 error codes are ASCII words; anything else is not a provider's answer.
bool is_error_code(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

std::string cookie_name(std::string_view provider) {
    return "trader_oauth_" + std::string{provider};
}

std::optional<std::string> cookie(const http::request& req, std::string_view name) {
    auto header = req.header("cookie");
    if (!header) {
        return std::nullopt;
    }
    std::string_view rest = *header;
    while (!rest.empty()) {
        auto end = rest.find(';');
        auto pair = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        while (!pair.empty() && pair.front() == ' ') {
            pair.remove_prefix(1);
        }
        auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
            return std::string{pair.substr(eq + 1)};
        }
    }
    return std::nullopt;
}

// The cookie that binds a sign-in to the browser that started it; only its callback sees it.
std::string binding_cookie(
    const oauth_service& oauth, std::string_view provider, std::string_view value, long max_age
) {
    auto url = oauth.callback_url(provider);
    auto path_start = url.find("/api/");
    std::string out = cookie_name(provider) + "=" + std::string{value} +
                      "; Path=" + url.substr(path_start == std::string::npos ? 0 : path_start) +
                      "; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Lax";
    if (url.starts_with("https://")) {
        out += "; Secure";
    }
    return out;
}

http::response no_store(http::response res) {
    res.header("Cache-Control", "no-store");
    return res;
}

}  // namespace

void oauth_routes::register_routes(http::router& r) {
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
        method::get, "/api/v1/auth/oauth/{provider}/start",
        std::bind_front(&oauth_routes::start, this),
        anyone("Start signing in with Google, Facebook or an OpenID provider (redirects to it).")
    );
    r.add(
        method::get, "/api/v1/auth/oauth/{provider}/callback",
        std::bind_front(&oauth_routes::callback, this),
        anyone("Where the provider sends the browser back; signs in.")
    );
    r.add(
        method::post, "/api/v1/auth/oauth/{provider}/token",
        std::bind_front(&oauth_routes::token, this),
        issues_tokens("Sign in a native app with a token from the provider's SDK.")
    );
    r.add(
        method::get, "/api/v1/me/identities", std::bind_front(&oauth_routes::identities, this),
        user("The signed-in user's linked sign-in providers, newest first.")
    );
    r.add(
        method::del, "/api/v1/me/identities/{id}", std::bind_front(&oauth_routes::unlink, this),
        user("Unlink a sign-in provider from the signed-in user.")
    );
}

core::task<http::response> oauth_routes::start(http::request& req) {
    std::string provider{req.param("provider")};
    if (!oauth_.has_provider(provider)) {
        co_return http::problem(no_provider());
    }
    query_reader q{req};
    auto redirect_to = q.get("redirect_to", max_url);
    auto login_hint = q.get("login_hint", max_login_hint);
    if (!q.ok()) {
        co_return http::problem(q.error());
    }
    oauth_start s{
        .redirect_to = std::move(redirect_to),
        .login_hint = std::move(login_hint),
        .client = client_of(req)};
    auto started = co_await oauth_.start(provider, std::move(s));
    if (!started) {
        co_return http::problem(started);
    }
    http::response res;
    res.status = 302;
    res.header("Location", started->location);
    res.header(
        "Set-Cookie",
        binding_cookie(oauth_, provider, started->browser_key, started->expires_in.count())
    );
    co_return no_store(std::move(res));
}

core::task<http::response> oauth_routes::callback(http::request& req) {
    std::string provider{req.param("provider")};
    if (!oauth_.has_provider(provider)) {
        co_return http::problem(no_provider());
    }
    query_reader q{req};
    oauth_callback c{
        .code = q.get("code", max_code),
        .state = q.get("state", max_state),
        .error = q.get("error", max_error),
        .issuer = q.get("iss", max_url),
        .browser_key = cookie(req, cookie_name(provider)),
        .client = client_of(req),
    };
    if (!c.state && q.ok()) {
        q.add("state", "required", "is required");
    }
    if (!c.code && !c.error && q.ok()) {
        q.add("code", "required", "is required");
    }
    if (c.error && !is_error_code(*c.error)) {
        q.add("error", "format", "is not an OAuth error code");
    }
    if (!q.ok()) {
        co_return http::problem(q.error());
    }
    auto done = co_await oauth_.complete(provider, std::move(c));
    if (!done) {
        // The cookie stays: a forged callback must not break the sign-in under way.
        co_return http::problem(done);
    }
    // The binding cookie has done its job.
    auto spent = binding_cookie(oauth_, provider, "", 0);
    if (!done->redirect_to) {
        auto res = http::ok(to_json(done->session));
        res.header("Set-Cookie", spent);
        co_return no_store(std::move(res));
    }
    // The fragment never reaches a server, so the tokens stay in the app's browser.
    const auto& tokens = done->session.tokens;
    integrations::form_fields fragment{
        {"access_token", tokens.access_token},
        {"refresh_token", tokens.refresh_token},
        {"token_type", "Bearer"},
        {"expires_in", std::to_string(tokens.expires_in.count())},
    };
    http::response res;
    res.status = 302;
    res.header("Location", *done->redirect_to + "#" + integrations::form_encode(fragment));
    res.header("Set-Cookie", spent);
    res.header("Referrer-Policy", "no-referrer");
    co_return no_store(std::move(res));
}

core::task<http::response> oauth_routes::token(http::request& req) {
    std::string provider{req.param("provider")};
    if (!oauth_.has_provider(provider)) {
        co_return http::problem(no_provider());
    }
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    native_credential c{
        .id_token = o.optional_string("id_token", string_rule{.min_length = 1, .max_length = 8192}),
        .nonce = o.optional_string("nonce", string_rule{.min_length = 1, .max_length = 256}),
        .access_token =
            o.optional_string("access_token", string_rule{.min_length = 1, .max_length = 4096}),
    };
    o.done();
    if (!c.id_token && !c.access_token && v.ok()) {
        v.add("/id_token", "required", "id_token or access_token is required");
    }
    if (c.id_token && c.access_token) {
        v.add("/access_token", "exclusive", "send either id_token or access_token");
    }
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done = co_await oauth_.sign_in_with_token(provider, std::move(c), client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return no_store(http::ok(to_json(*done)));
}

core::task<http::response> oauth_routes::identities(http::request& req) {
    auto q = page_of(req, "idn");
    if (!q) {
        co_return http::problem(q);
    }
    auto listed = co_await oauth_.identities(*req.principal, std::move(q->before_id), q->limit);
    if (!listed) {
        co_return http::problem(listed);
    }
    co_return http::ok(list_json<linked_identity>(*listed, [](const linked_identity& i) {
        return to_json(i);
    }));
}

core::task<http::response> oauth_routes::unlink(http::request& req) {
    auto done =
        co_await oauth_.unlink(*req.principal, std::string{req.param("id")}, client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::no_content();
}

}  // namespace identity
