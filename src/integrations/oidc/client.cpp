#include "integrations/oidc/client.hpp"

#include <boost/json/parse.hpp>

#include "core/log.hpp"

namespace integrations::oidc {
namespace {

using core::errc;

core::result<boost::json::object> json_object(const std::string& body, std::string_view what) {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) {
        return core::fail(errc::unavailable, std::string{what} + " is not a JSON object");
    }
    return std::move(v.as_object());
}

std::string string_field(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string{v->get_string()} : std::string{};
}

bool is_http_url(std::string_view url) {
    return url.starts_with("https://") || url.starts_with("http://");
}

}  // namespace

core::task<core::result<https_response>> client::perform(https_request request) {
    request.timeout = timeout_;
    auto job = [request = std::move(request)] { return integrations::perform(request); };
    auto answered = co_await workers_.run(std::move(job));
    if (!answered) {
        core::log::warn("OpenID provider unreachable").field("reason", answered.error().detail);
    }
    co_return answered;
}

core::task<core::result<std::string>> client::get(std::string url) {
    https_request request{.url = std::move(url), .headers = {"Accept: application/json"}};
    auto answered = co_await perform(std::move(request));
    if (!answered) {
        co_return std::move(answered).error();
    }
    if (answered->status != 200) {
        co_return core::fail(
            errc::unavailable, "the OpenID provider answered " + std::to_string(answered->status)
        );
    }
    co_return std::move(answered->body);
}

core::task<core::result<metadata>> client::discover(std::string issuer) {
    // Discovery section 4: the issuer without a terminating slash, then the well-known path.
    auto base = std::string_view{issuer};
    while (base.ends_with('/')) {
        base.remove_suffix(1);
    }
    auto body = co_await get(std::string{base} + "/.well-known/openid-configuration");
    if (!body) {
        co_return std::move(body).error();
    }
    auto doc = json_object(*body, "the discovery document");
    if (!doc) {
        co_return std::move(doc).error();
    }
    metadata m{
        .issuer = string_field(*doc, "issuer"),
        .authorization_endpoint = string_field(*doc, "authorization_endpoint"),
        .token_endpoint = string_field(*doc, "token_endpoint"),
        .jwks_uri = string_field(*doc, "jwks_uri"),
    };
    // A document naming another issuer could hand us someone else's keys.
    if (m.issuer != issuer) {
        co_return core::fail(
            errc::unavailable, "the discovery document of " + issuer + " names issuer " + m.issuer
        );
    }
    if (!is_http_url(m.authorization_endpoint) || !is_http_url(m.token_endpoint) ||
        !is_http_url(m.jwks_uri)) {
        co_return core::fail(errc::unavailable, "the discovery document lacks an endpoint");
    }
    co_return m;
}

https_request client::token_request(const code_grant& grant) const {
    form_fields fields{
        {"grant_type", "authorization_code"},
        {"code", grant.code},
        {"redirect_uri", grant.redirect_uri},
        {"code_verifier", grant.code_verifier},
    };
    https_request request{
        .method = "POST",
        .url = grant.token_endpoint,
        .headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"},
        .timeout = timeout_,
    };
    if (grant.auth == client_auth::secret_post) {
        fields.emplace_back("client_id", grant.client_id);
        fields.emplace_back("client_secret", grant.client_secret);
    } else {
        // RFC 6749 section 2.3.1: both are form-encoded before they go into the Basic header.
        request.basic_user = url_escape(grant.client_id);
        request.basic_password = url_escape(grant.client_secret);
    }
    request.body = form_encode(fields);
    return request;
}

core::task<core::result<token_answer>> client::redeem(code_grant grant) {
    auto answered = co_await perform(token_request(grant));
    if (!answered) {
        co_return std::move(answered).error();
    }
    auto doc = json_object(answered->body, "the token response");
    if (answered->status != 200) {
        auto error = doc ? string_field(*doc, "error") : std::string{};
        core::log::warn("OpenID provider refused a code")
            .field("status", static_cast<std::int64_t>(answered->status))
            .field("error", error);
        // invalid_client (or 401) means our credentials are wrong: not the user's fault.
        if (answered->status == 401 || answered->status >= 500 || error == "invalid_client") {
            co_return core::fail(
                errc::unavailable,
                "the OpenID provider refused our client: " + std::to_string(answered->status)
            );
        }
        co_return core::fail(
            errc::unauthenticated, "the provider refused the authorization code (" + error + ")"
        );
    }
    if (!doc) {
        co_return std::move(doc).error();
    }
    co_return token_answer{
        .access_token = string_field(*doc, "access_token"),
        .id_token = string_field(*doc, "id_token"),
    };
}

}  // namespace integrations::oidc
