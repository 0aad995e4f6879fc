#include "integrations/facebook/client.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/json/parse.hpp>
#include <stdexcept>

#include "core/log.hpp"
#include "integrations/https.hpp"

namespace integrations::facebook {
namespace {

using core::errc;

core::result<boost::json::object> json_object(std::string_view body, std::string_view what) {
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

// Graph ids are JSON strings, but some older answers carry numbers.
std::string id_field(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v != nullptr && v->is_int64()) {
        return std::to_string(v->get_int64());
    }
    if (v != nullptr && v->is_uint64()) {
        return std::to_string(v->get_uint64());
    }
    return string_field(o, key);
}

// Graph's own error object: {"error":{"message","type","code"}}.
std::string graph_error(std::string_view body) {
    auto doc = json_object(body, "the error");
    if (!doc) {
        return {};
    }
    const auto* e = doc->if_contains("error");
    if (e != nullptr && e->is_object()) {
        return string_field(e->get_object(), "message");
    }
    return e != nullptr && e->is_string() ? std::string{e->get_string()} : std::string{};
}

}  // namespace

std::string client::appsecret_proof(std::string_view app_secret, std::string_view token) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int size = 0;
    if (HMAC(
            EVP_sha256(), app_secret.data(), static_cast<int>(app_secret.size()),
            reinterpret_cast<const unsigned char*>(token.data()), token.size(), md.data(), &size
        ) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out.push_back(digits[md[i] >> 4U]);
        out.push_back(digits[md[i] & 0xFU]);
    }
    return out;
}

core::result<token_info> parse_token_info(std::string_view body) {
    auto doc = json_object(body, "the debug_token answer");
    if (!doc) {
        return std::move(doc).error();
    }
    const auto* data = doc->if_contains("data");
    if (data == nullptr || !data->is_object()) {
        return core::fail(errc::unavailable, "the debug_token answer has no data");
    }
    const auto& d = data->get_object();
    const auto* valid = d.if_contains("is_valid");
    return token_info{
        .is_valid = valid != nullptr && valid->is_bool() && valid->get_bool(),
        .app_id = id_field(d, "app_id"),
        .user_id = id_field(d, "user_id"),
    };
}

core::result<profile> parse_profile(std::string_view body) {
    auto doc = json_object(body, "the /me answer");
    if (!doc) {
        return std::move(doc).error();
    }
    profile p{.id = id_field(*doc, "id"), .name = string_field(*doc, "name")};
    if (p.id.empty()) {
        return core::fail(errc::unavailable, "the /me answer has no id");
    }
    if (auto email = string_field(*doc, "email"); !email.empty()) {
        p.email = std::move(email);
    }
    return p;
}

core::task<core::result<std::string>> client::redeem(
    std::string code, std::string redirect_uri, std::string code_verifier
) {
    form_fields fields{
        {"client_id", settings_.app_id},
        {"client_secret", settings_.app_secret},
        {"redirect_uri", std::move(redirect_uri)},
        {"code", std::move(code)},
        {"code_verifier", std::move(code_verifier)},
        {"grant_type", "authorization_code"},
    };
    https_request request{
        .method = "POST",
        .url = settings_.token_url,
        .headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"},
        .body = form_encode(fields),
        .timeout = settings_.timeout,
    };
    auto job = [request = std::move(request)] { return perform(request); };
    auto answered = co_await workers_.run(std::move(job));
    if (!answered) {
        core::log::warn("Facebook unreachable").field("reason", answered.error().detail);
        co_return std::move(answered).error();
    }
    if (answered->status != 200) {
        core::log::warn("Facebook refused a code")
            .field("status", static_cast<std::int64_t>(answered->status))
            .field("error", graph_error(answered->body));
        if (answered->status == 401 || answered->status >= 500) {
            co_return core::fail(
                errc::unavailable, "Facebook refused our app: " + std::to_string(answered->status)
            );
        }
        co_return core::fail(errc::unauthenticated, "Facebook refused the authorization code");
    }
    auto doc = json_object(answered->body, "the token answer");
    if (!doc) {
        co_return std::move(doc).error();
    }
    auto token = string_field(*doc, "access_token");
    if (token.empty()) {
        co_return core::fail(errc::unavailable, "the token answer has no access_token");
    }
    co_return token;
}

core::task<core::result<token_info>> client::debug_token(std::string user_token) {
    https_request request{
        .url = settings_.graph_url + "/debug_token?" +
               form_encode(
                   {{"input_token", user_token},
                    {"access_token", settings_.app_id + "|" + settings_.app_secret}}
               ),
        .headers = {"Accept: application/json"},
        .timeout = settings_.timeout,
    };
    auto job = [request = std::move(request)] { return perform(request); };
    auto answered = co_await workers_.run(std::move(job));
    if (!answered) {
        core::log::warn("Facebook unreachable").field("reason", answered.error().detail);
        co_return std::move(answered).error();
    }
    if (answered->status != 200) {
        // The app token is ours: a refusal is a configuration error.
        core::log::warn("Graph refused debug_token")
            .field("status", static_cast<std::int64_t>(answered->status))
            .field("error", graph_error(answered->body));
        co_return core::fail(
            errc::unavailable, "Graph answered " + std::to_string(answered->status)
        );
    }
    co_return parse_token_info(answered->body);
}

core::task<core::result<profile>> client::me(std::string user_token) {
    auto proof = appsecret_proof(settings_.app_secret, user_token);
    https_request request{
        .url = settings_.graph_url + "/me?" +
               form_encode(
                   {{"fields", "id,name,email"},
                    {"access_token", user_token},
                    {"appsecret_proof", proof}}
               ),
        .headers = {"Accept: application/json"},
        .timeout = settings_.timeout,
    };
    auto job = [request = std::move(request)] { return perform(request); };
    auto answered = co_await workers_.run(std::move(job));
    if (!answered) {
        core::log::warn("Facebook unreachable").field("reason", answered.error().detail);
        co_return std::move(answered).error();
    }
    if (answered->status >= 500) {
        co_return core::fail(
            errc::unavailable, "Graph answered " + std::to_string(answered->status)
        );
    }
    if (answered->status != 200) {
        co_return core::fail(
            errc::unauthenticated, "Graph refused the user token: " + graph_error(answered->body)
        );
    }
    co_return parse_profile(answered->body);
}

}  // namespace integrations::facebook
