// ID tokens from OpenID providers, checked as OpenID Connect Core 1.0 section 3.1.3.7 asks: the
// signature against the provider's published keys, then iss, aud, azp, exp, iat and nonce.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "infra/crypto/jws.hpp"

namespace identity {

struct id_token_rules {
    std::vector<std::string> issuers;  // accepted `iss` values
    std::string client_id;             // must be in `aud`; `azp`, when present, must equal it
    std::optional<std::string> nonce;  // when set, the token must carry exactly this nonce
    std::chrono::seconds leeway{60};   // clock skew tolerated on exp and iat
    std::size_t max_bytes = std::size_t{8} * 1024;
};

// What a verified ID token says about the person.
struct id_token_claims {
    std::string issuer;
    std::string subject;
    std::optional<std::string> email;
    bool email_verified = false;
    std::optional<std::string> name;
    std::optional<std::string> locale;
    core::time_point expires_at;
};

// The header fields that choose the key, read before anything is trusted: the caller makes sure its
// key set is current for `kid` before verifying. `unauthenticated` for a malformed token or an
// algorithm we do not accept (anything but RS256 and ES256, so never `none` or HMAC).
struct id_token_header {
    std::string kid;  // empty when the token names none
    infra::crypto::jws_alg alg = infra::crypto::jws_alg::rs256;
};
core::result<id_token_header> read_id_token_header(std::string_view token, std::size_t max_bytes);

// Every failure is `unauthenticated`; the detail says why, for the log.
core::result<id_token_claims> verify_id_token(
    std::string_view token,
    const infra::crypto::jwk_set& keys,
    const id_token_rules& rules,
    core::time_point now
);

}  // namespace identity
