#include "core/http/conditional.hpp"

#include <array>
#include <cstdint>

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

// Little-endian load, so the hash does not depend on the host's byte order.
std::uint64_t load(const unsigned char* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    }
    return v;
}

std::uint64_t hash64(std::string_view data, std::uint64_t seed) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t n = data.size();
    std::uint64_t h = mix(seed ^ (static_cast<std::uint64_t>(n) * 0x9e3779b97f4a7c15ULL));
    while (n >= 8) {
        h = mix(h ^ mix(load(p, 8) + seed)) * 0x9e3779b97f4a7c15ULL;
        p += 8;
        n -= 8;
    }
    h = mix(h ^ mix(load(p, n) ^ (static_cast<std::uint64_t>(n) << 59)));
    return h;
}

void append_hex(std::string& out, std::uint64_t v) {
    constexpr std::string_view digits = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4) {
        out.push_back(digits[(v >> shift) & 0xf]);
    }
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

std::string strong_etag(std::string_view body) {
    std::string out;
    out.reserve(34);
    out.push_back('"');
    append_hex(out, hash64(body, 0x243f6a8885a308d3ULL));
    append_hex(out, hash64(body, 0x13198a2e03707344ULL));
    out.push_back('"');
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
