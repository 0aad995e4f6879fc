#include "core/http/conditional.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace core::http {
namespace {

// splitmix64's finaliser: every input bit affects every output bit.
std::uint64_t mix(std::uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

// Little-endian loads, so the hash does not depend on the host's byte order. The whole word is one
// memcpy: the compiler does not merge a loop of byte loads, and that loop was most of the hash.
std::uint64_t load8(const unsigned char* p) noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::big) {
        v = __builtin_bswap64(v);
    }
    return v;
}

std::uint64_t load(const unsigned char* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    }
    return v;
}

std::uint64_t rotl(std::uint64_t x, int r) noexcept { return (x << r) | (x >> (64 - r)); }

// 128 bits of a body for its ETag, in one pass: four independent lanes take 32 bytes per step
// (xxHash64's round), so the multiplies overlap instead of waiting on each other; two
// differently weighted folds of the lanes are finished by mix().
std::array<std::uint64_t, 2> hash128(std::string_view data) noexcept {
    constexpr std::uint64_t p1 = 0x9e3779b185ebca87ULL;
    constexpr std::uint64_t p2 = 0xc2b2ae3d27d4eb4fULL;
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t n = data.size();
    std::uint64_t l0 = 0x243f6a8885a308d3ULL;
    std::uint64_t l1 = 0x13198a2e03707344ULL;
    std::uint64_t l2 = 0xa4093822299f31d0ULL;
    std::uint64_t l3 = 0x082efa98ec4e6c89ULL;
    while (n >= 32) {
        l0 = rotl(l0 + load8(p) * p2, 31) * p1;
        l1 = rotl(l1 + load8(p + 8) * p2, 31) * p1;
        l2 = rotl(l2 + load8(p + 16) * p2, 31) * p1;
        l3 = rotl(l3 + load8(p + 24) * p2, 31) * p1;
        p += 32;
        n -= 32;
    }
    std::uint64_t tail = mix(static_cast<std::uint64_t>(data.size()));
    while (n >= 8) {
        tail = mix(tail ^ load8(p));
        p += 8;
        n -= 8;
    }
    tail = mix(tail ^ load(p, n) ^ (static_cast<std::uint64_t>(n) << 59));
    const std::uint64_t a = mix(rotl(l0, 1) ^ rotl(l1, 7) ^ rotl(l2, 12) ^ rotl(l3, 18) ^ tail);
    const std::uint64_t b =
        mix((l0 * p1) ^ (l1 * p2) ^ rotl(l2, 27) ^ rotl(l3, 33) ^ mix(tail + p2));
    return {a, b};
}

char* put_hex(char* out, std::uint64_t v) {
    constexpr std::string_view digits = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4) {
        *out++ = digits[(v >> shift) & 0xf];
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string_view opaque(std::string_view tag) {
    tag = trim(tag);
    if (tag.starts_with("W/")) {
        tag.remove_prefix(2);
    }
    return tag;
}

}  // namespace

void write_strong_etag(std::string_view body, char* out) {
    const auto [high, low] = hash128(body);
    *out++ = '"';
    out = put_hex(out, high);
    out = put_hex(out, low);
    *out = '"';
}

std::string strong_etag(std::string_view body) {
    std::string out(strong_etag_size, '\0');
    write_strong_etag(body, out.data());
    return out;
}

bool none_match(std::optional<std::string_view> if_none_match, std::string_view etag) {
    if (!if_none_match) {
        return false;
    }
    std::string_view list = *if_none_match;
    if (trim(list) == "*") {
        return true;
    }
    std::string_view wanted = opaque(etag);
    while (!list.empty()) {
        auto comma = list.find(',');
        auto item = list.substr(0, comma);
        if (opaque(item) == wanted) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        list.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace core::http
