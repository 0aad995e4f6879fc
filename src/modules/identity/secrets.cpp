#include "modules/identity/secrets.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>
#include <string_view>

#include "infra/crypto/jwt.hpp"

namespace identity::secrets {
namespace {

// sodium_init() is thread-safe and idempotent; a failure means no usable random source.
void ensure_sodium() {
    static const bool ready = [] {
        if (sodium_init() < 0) {
            throw std::runtime_error("libsodium could not be initialised");
        }
        return true;
    }();
    (void)ready;
}

}  // namespace

core::result<std::string> hash_password(std::string_view password) {
    ensure_sodium();
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str_alg(
            out.data(), password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13
        ) != 0) {
        return core::fail(core::errc::unavailable, "argon2id hashing failed (out of memory)");
    }
    return std::string{out.data()};
}

bool verify_password(std::string_view hash, std::string_view password) {
    ensure_sodium();
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) {
        return false;
    }
    std::array<char, crypto_pwhash_STRBYTES> stored{};
    std::copy(hash.begin(), hash.end(), stored.begin());
    return crypto_pwhash_str_verify(stored.data(), password.data(), password.size()) == 0;
}

bool needs_rehash(std::string_view hash) {
    ensure_sodium();
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) {
        return true;
    }
    std::array<char, crypto_pwhash_STRBYTES> stored{};
    std::copy(hash.begin(), hash.end(), stored.begin());
    return crypto_pwhash_str_needs_rehash(
               stored.data(), crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE
           ) != 0;
}

std::string random_token() {
    ensure_sodium();
    std::array<unsigned char, 32> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    return infra::crypto::base64url_encode(std::string_view{
        reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

std::string sha256_hex(std::string_view data) {
    ensure_sodium();
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(
        digest.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size()
    );
    constexpr std::string_view hex = "0123456789abcdef";
    std::string out;
    out.reserve(digest.size() * 2);
    for (unsigned char b : digest) {
        out.push_back(hex[b >> 4U]);
        out.push_back(hex[b & 0xFU]);
    }
    return out;
}

std::string random_digits(int digits) {
    ensure_sodium();
    std::string out;
    for (int i = 0; i < digits; ++i) {
        out.push_back(static_cast<char>('0' + randombytes_uniform(10)));
    }
    return out;
}

}  // namespace identity::secrets
