#include "modules/identity/id_token.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "infra/crypto/jwt.hpp"

namespace identity {
namespace {

using core::errc;

// NumericDate bounds that fit core::time_point (int64 nanoseconds): 1970 to 2223.
constexpr double max_numeric_date = 8'000'000'000;
// OpenID Connect Core section 2: sub is at most 255 ASCII characters.
constexpr std::size_t max_subject_length = 255;

core::error refused(std::string detail) {
    return core::error{errc::unauthenticated, "ID token: " + std::move(detail)};
}

struct segments {
    std::string_view header;
    std::string_view payload;
    std::string_view signature;
    std::string_view signing_input;
};

core::result<segments> split(std::string_view token, std::size_t max_bytes) {
    if (token.size() > max_bytes) {
        return refused("larger than " + std::to_string(max_bytes) + " bytes");
    }
    auto first = token.find('.');
    auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        return refused("not three segments");
    }
    return segments{
        .header = token.substr(0, first),
        .payload = token.substr(first + 1, second - first - 1),
        .signature = token.substr(second + 1),
        .signing_input = token.substr(0, second),
    };
}

core::result<boost::json::object> decode_object(std::string_view b64, std::string_view what) {
    auto raw = infra::crypto::base64url_decode(b64);
    if (!raw) {
        return refused(std::string{what} + " is not base64url");
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(*raw, ec);
    if (ec || !v.is_object()) {
        return refused(std::string{what} + " is not a JSON object");
    }
    return std::move(v.as_object());
}

std::optional<std::string> string_claim(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) {
        return std::nullopt;
    }
    return std::string{v->get_string()};
}

std::optional<core::time_point> time_claim(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_number()) {
        return std::nullopt;
    }
    auto seconds = v->to_number<double>();
    if (!(seconds >= 0 && seconds <= max_numeric_date)) {
        return std::nullopt;
    }
    return core::time_point{std::chrono::seconds{static_cast<std::int64_t>(seconds)}};
}

// Some providers send "true" as a string.
bool true_claim(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr &&
           ((v->is_bool() && v->get_bool()) || (v->is_string() && v->get_string() == "true"));
}

bool case_insensitive_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

core::result<void> check_audience(const boost::json::object& claims, const std::string& client_id) {
    const auto* aud = claims.if_contains("aud");
    std::size_t audiences = 0;
    bool ours = false;
    if (aud != nullptr && aud->is_string()) {
        audiences = 1;
        ours = aud->get_string() == client_id;
    } else if (aud != nullptr && aud->is_array()) {
        for (const auto& a : aud->get_array()) {
            ++audiences;
            ours = ours || (a.is_string() && a.get_string() == client_id);
        }
    }
    if (!ours) {
        return refused("aud is not our client id");
    }
    auto azp = string_claim(claims, "azp");
    if (azp ? *azp != client_id : audiences > 1) {
        return refused("azp is not our client id");
    }
    return core::ok();
}

}  // namespace

core::result<id_token_header> read_id_token_header(std::string_view token, std::size_t max_bytes) {
    auto parts = split(token, max_bytes);
    if (!parts) {
        return std::move(parts).error();
    }
    auto header = decode_object(parts->header, "header");
    if (!header) {
        return std::move(header).error();
    }
    auto alg_name = string_claim(*header, "alg").value_or("");
    auto alg = infra::crypto::parse_jws_alg(alg_name);
    if (!alg) {
        return refused("alg '" + alg_name + "' is not accepted");
    }
    // Extensions we do not understand must not be ignored (RFC 7515 section 4.1.11).
    if (header->contains("crit")) {
        return refused("crit is not supported");
    }
    if (auto typ = string_claim(*header, "typ"); typ && !case_insensitive_equal(*typ, "JWT")) {
        return refused("typ '" + *typ + "' is not an ID token");
    }
    return id_token_header{.kid = string_claim(*header, "kid").value_or(""), .alg = *alg};
}

core::result<id_token_claims> verify_id_token(
    std::string_view token,
    const infra::crypto::jwk_set& keys,
    const id_token_rules& rules,
    core::time_point now
) {
    auto header = read_id_token_header(token, rules.max_bytes);
    if (!header) {
        return std::move(header).error();
    }
    const auto* key = keys.find(header->kid, header->alg);
    if (key == nullptr) {
        return refused(
            "no " + std::string{infra::crypto::to_string(header->alg)} + " key '" + header->kid +
            "' in the provider's key set"
        );
    }
    auto parts = split(token, rules.max_bytes);
    auto signature = infra::crypto::base64url_decode(parts->signature);
    if (!signature || !key->verify(parts->signing_input, *signature)) {
        return refused("the signature does not verify");
    }
    // The payload is read only once the signature holds.
    auto claims = decode_object(parts->payload, "payload");
    if (!claims) {
        return std::move(claims).error();
    }
    const auto& c = *claims;
    id_token_claims out;
    out.issuer = string_claim(c, "iss").value_or("");
    if (std::find(rules.issuers.begin(), rules.issuers.end(), out.issuer) == rules.issuers.end()) {
        return refused("iss '" + out.issuer + "' is not the provider");
    }
    if (auto audience = check_audience(c, rules.client_id); !audience) {
        return std::move(audience).error();
    }
    auto exp = time_claim(c, "exp");
    if (!exp || now >= *exp + rules.leeway) {
        return refused("expired or without exp");
    }
    out.expires_at = *exp;
    auto iat = time_claim(c, "iat");
    if (!iat || *iat > now + rules.leeway) {
        return refused("issued in the future or without iat");
    }
    if (rules.nonce && string_claim(c, "nonce") != rules.nonce) {
        return refused("nonce does not match");
    }
    out.subject = string_claim(c, "sub").value_or("");
    if (out.subject.empty() || out.subject.size() > max_subject_length) {
        return refused("sub is missing or too long");
    }
    out.email = string_claim(c, "email");
    out.email_verified = out.email && true_claim(c, "email_verified");
    out.name = string_claim(c, "name");
    out.locale = string_claim(c, "locale");
    return out;
}

}  // namespace identity
