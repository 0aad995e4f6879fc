// Password hashes and opaque tokens, through libsodium: argon2id for passwords, SHA-256 for stored
// tokens.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace identity::secrets {

// An argon2id hash string ($argon2id$v=19$m=...,t=...,p=...$salt$hash) with libsodium's interactive
// limits. CPU- and memory-hard by design (~64 MiB, tens of milliseconds): call it on the worker
// pool.
core::result<std::string> hash_password(std::string_view password);
// Constant-time check of a password against a hash string; false for a malformed hash. Blocking
// like hash_password.
bool verify_password(std::string_view hash, std::string_view password);
// True when `hash` was made with other limits than hash_password uses now (rehash on the next
// sign-in).
bool needs_rehash(std::string_view hash);

// 32 random bytes, base64url without padding (43 characters): refresh and single-use tokens.
std::string random_token();
// `digits` uniformly random decimal digits: one-time codes sent by SMS.
std::string random_digits(int digits);
// Hex SHA-256: how tokens are stored, so a database leak does not hand out working tokens.
std::string sha256_hex(std::string_view data);

}  // namespace identity::secrets
