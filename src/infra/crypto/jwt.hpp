// Signed access tokens: JWTs signed with EdDSA (Ed25519) by a rotating key ring persisted on disk.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace infra::crypto {

// Base64url without padding (RFC 7515 section 2).
std::string base64url_encode(std::string_view data);
// Strict inverse of base64url_encode: rejects padding, characters outside the alphabet, impossible
// lengths and non-zero trailing bits, so every byte string has exactly one accepted encoding.
core::result<std::string> base64url_decode(std::string_view text);

struct jwt_settings {
    std::string issuer;
    std::string audience;
    std::chrono::seconds access_token_lifetime = std::chrono::minutes{15};
    // Clock skew tolerated on exp, nbf and iat.
    std::chrono::seconds leeway{30};
    std::filesystem::path key_dir;
    // Keys kept by the ring, the active one included; rotate() drops the oldest beyond this.
    std::size_t max_keys = 4;
    // Longer bearer tokens are rejected before any decoding.
    std::size_t max_token_bytes = std::size_t{8} * 1024;
};

// The claims of one access token; times are whole seconds on the wire (NumericDate).
struct token_claims {
    std::string sub;
    std::vector<std::string> roles;
    std::string sid;
    std::string iss;
    std::string aud;
    core::time_point iat;
    core::time_point nbf;
    core::time_point exp;
    std::string jti;
};

// A detached Ed25519 signature and the kid of the key that made it.
struct key_signature {
    std::string kid;
    std::string signature;
};

// Ed25519 signing keys named by kid. The active key signs; older keys only verify until they are
// retired, so a rotation never invalidates tokens already issued. Persisted as
// `<dir>/jwt-<kid>.pem` (PKCS#8, mode 0600) plus `<dir>/active` naming the active kid; a key's
// creation time is kept as its file's modification time. Thread-safe: sign/verify may run while
// another thread rotates.
class key_ring {
public:
    static constexpr std::size_t min_keys = 2;

    // Loads every key in `dir`, creating the directory (0700) and a first key when there is none.
    // Fails on unreadable, foreign or group/world-readable key files, or an `active` naming no key.
    static core::result<std::unique_ptr<key_ring>> open(
        std::filesystem::path dir,
        const core::clock& clock,
        std::size_t max_keys = jwt_settings{}.max_keys
    );

    key_ring(const key_ring&) = delete;
    key_ring& operator=(const key_ring&) = delete;
    key_ring(key_ring&&) = delete;
    key_ring& operator=(key_ring&&) = delete;
    ~key_ring();

    // Creates and persists a new active key; the previous one stays for verification. Keys beyond
    // max_keys are dropped, oldest first. Returns the new kid.
    core::result<std::string> rotate();
    // Drops every non-active key that stopped signing before `cutoff`; pass
    // now - (access token lifetime + leeway) so that no unexpired token loses its key.
    core::result<void> retire_older_than(core::time_point cutoff);
    // Re-reads the directory, picking up a rotation made by another process sharing it.
    core::result<void> reload();
    // Rotates when the active key was created before `cutoff`, under a lock file in the directory
    // so that instances sharing it rotate once between them (each re-reads the directory first).
    // Returns the new kid, or nullopt when the active key is recent enough.
    core::result<std::optional<std::string>> rotate_if_older_than(core::time_point cutoff);
    core::time_point active_created_at() const;

    std::string active_kid() const;
    // Every kid, oldest first.
    std::vector<std::string> kids() const;
    bool contains(std::string_view kid) const;

    // Signs with the active key.
    core::result<key_signature> sign(std::string_view data) const;
    // Checks `signature` over `data` with the public key named `kid`; unauthenticated when the kid
    // is unknown or the signature does not match.
    core::result<void> verify(
        std::string_view kid, std::string_view data, std::string_view signature
    ) const;

    // The public keys as a JWK Set (RFC 7517, RFC 8037), for /.well-known/jwks.json.
    boost::json::object jwks() const;

    struct key;  // defined in jwt.cpp: OpenSSL types stay out of this header
    struct loaded;

private:
    // Lets open() use std::make_unique while the constructor stays unusable from outside.
    struct private_tag {
        explicit private_tag() = default;
    };

public:
    key_ring(
        private_tag /*tag*/,
        std::filesystem::path dir,
        const core::clock& clock,
        std::size_t max_keys
    );

private:
    core::result<std::string> add_key_locked();
    core::result<void> enforce_max_keys_locked();
    core::result<void> remove_key_locked(std::size_t index);

    std::filesystem::path dir_;
    const core::clock& clock_;
    std::size_t max_keys_;
    mutable std::shared_mutex mutex_;
    std::vector<key> keys_;  // oldest first
    std::string active_kid_;
};

// Signs and strictly verifies access tokens: alg must be EdDSA and the key comes from the ring by
// kid, never from the token; iss, aud and the time claims are checked against the settings.
class jwt_codec {
public:
    jwt_codec(const key_ring& ring, const core::clock& clock, jwt_settings settings);

    // Claims for a new access token: iss, aud, iat = nbf = now, exp = now + lifetime, a random jti.
    token_claims issue(std::string sub, std::vector<std::string> roles, std::string sid) const;
    // Throws std::runtime_error only when OpenSSL cannot sign at all (out of memory): a process
    // fault.
    std::string sign(const token_claims& claims) const;
    // Every failure is errc::unauthenticated; the detail says why, for the log only.
    core::result<token_claims> verify(std::string_view token) const;

    const jwt_settings& settings() const noexcept { return settings_; }

private:
    const key_ring& ring_;
    const core::clock& clock_;
    jwt_settings settings_;
};

// The core::token_verifier the HTTP layer and the WebSocket hub use.
class jwt_verifier final : public core::token_verifier {
public:
    explicit jwt_verifier(const jwt_codec& codec) : codec_(codec) {}
    core::result<core::principal> verify(std::string_view token) const override;

private:
    const jwt_codec& codec_;
};

}  // namespace infra::crypto
