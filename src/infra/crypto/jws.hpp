// Signatures made by other parties (OpenID providers): RS256 and ES256 verified with public keys
// from a JWK Set (RFC 7515, 7517, 7518). Nothing here signs; our own tokens are in jwt.hpp.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace infra::crypto {

// The only algorithms accepted from other parties. `none`, the HMAC family and everything else
// have no value here, so they cannot be selected by a token.
enum class jws_alg { rs256, es256 };

std::optional<jws_alg> parse_jws_alg(std::string_view name) noexcept;
std::string_view to_string(jws_alg alg) noexcept;

// A public signing key read from a JWK: RSA of 2048 bits or more (RS256) or EC P-256 (ES256).
class public_jwk {
public:
    struct impl;  // OpenSSL types stay in jws.cpp
    explicit public_jwk(std::shared_ptr<const impl> impl) : impl_(std::move(impl)) {}

    // Empty when the JWK had none.
    const std::string& kid() const noexcept;
    jws_alg alg() const noexcept;
    // True when `signature` (JWS form: PKCS#1 v1.5 for RS256, 64-byte R||S for ES256) is this
    // key's signature of `signing_input`.
    bool verify(std::string_view signing_input, std::string_view signature) const;

private:
    std::shared_ptr<const impl> impl_;
};

// The usable signing keys of a JWK Set. Keys for encryption, of other types or curves, weak RSA
// keys, keys whose `alg` we do not accept and malformed keys are left out rather than failing the
// set, as providers publish keys of several kinds.
class jwk_set {
public:
    // `bad_request` when `json` is not a JWK Set object.
    static core::result<jwk_set> parse(std::string_view json);

    // The key named `kid` for `alg`; with an empty kid, the set's only key for `alg`. nullptr when
    // there is no such key.
    const public_jwk* find(std::string_view kid, jws_alg alg) const;
    bool contains(std::string_view kid) const;
    std::size_t size() const noexcept { return keys_.size(); }

private:
    std::vector<public_jwk> keys_;
};

// base64url(SHA-256(data)): the PKCE S256 code challenge of a verifier (RFC 7636).
std::string sha256_base64url(std::string_view data);

}  // namespace infra::crypto
