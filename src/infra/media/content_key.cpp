#include "infra/media/content_key.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace infra::media {

std::string content_key(std::string_view bytes, std::string_view extension) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
        1) {
        throw std::runtime_error("SHA-256 failed");  // only when OpenSSL itself is broken
    }
    // 128 bits: collisions between honest uploads are out of reach, and keys stay short.
    constexpr std::size_t hex_digits = 32;
    static constexpr std::string_view hex = "0123456789abcdef";
    std::string key;
    key.reserve(hex_digits + 1 + extension.size());
    for (std::size_t i = 0; i < hex_digits / 2; ++i) {
        key.push_back(hex[digest[i] >> 4U]);
        key.push_back(hex[digest[i] & 0x0FU]);
    }
    key.push_back('.');
    key += extension;
    return key;
}

}  // namespace infra::media
