#include "core/ids.hpp"

#include <array>
#include <random>

namespace core {
namespace {

constexpr std::string_view crockford = "0123456789abcdefghjkmnpqrstvwxyz";

std::mt19937_64& rng() {
    thread_local std::mt19937_64 engine{[] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
        return std::mt19937_64{seq};
    }()};
    return engine;
}

bool is_crockford(char c) noexcept { return crockford.find(c) != std::string_view::npos; }

constexpr std::string_view b64url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64url_value(char c) noexcept {
    auto pos = b64url.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace

std::string new_id(std::string_view prefix, std::chrono::system_clock::time_point at) {
    auto ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count()
    );
    std::uint64_t hi = rng()();
    std::uint64_t lo = rng()();
    // 128 bits: 48 time bits then 80 random bits, emitted 5 bits at a time (26 chars = 130 bits,
    // top 2 zero).
    std::array<std::uint8_t, 16> bytes{};
    for (int i = 0; i < 6; ++i) {
        bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
    }
    for (int i = 0; i < 8; ++i) {
        bytes[static_cast<std::size_t>(6 + i)] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    }
    bytes[14] = static_cast<std::uint8_t>(lo >> 56);
    bytes[15] = static_cast<std::uint8_t>(lo >> 48);

    std::string out;
    out.reserve(prefix.size() + 1 + 26);
    out.append(prefix);
    out.push_back('_');
    // Read 130 bits from the left with two leading zero bits.
    unsigned bitpos = 0;
    auto bit = [&](unsigned i) -> unsigned {
        if (i < 2) {
            return 0;
        }
        unsigned b = i - 2;
        return (bytes[b / 8] >> (7 - b % 8)) & 1U;
    };
    for (int c = 0; c < 26; ++c) {
        unsigned v = 0;
        for (int k = 0; k < 5; ++k) {
            v = (v << 1U) | bit(bitpos++);
        }
        out.push_back(crockford[v]);
    }
    return out;
}

std::string new_id(std::string_view prefix) {
    return new_id(prefix, std::chrono::system_clock::now());
}

bool is_id(std::string_view id, std::string_view prefix) noexcept {
    if (id.size() != prefix.size() + 1 + 26 || !id.starts_with(prefix) ||
        id[prefix.size()] != '_') {
        return false;
    }
    for (char c : id.substr(prefix.size() + 1)) {
        if (!is_crockford(c)) {
            return false;
        }
    }
    return true;
}

std::string new_request_id() { return new_id("req"); }

bool is_acceptable_request_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 128) {
        return false;
    }
    for (unsigned char c : id) {
        // Printable ASCII without quotes or backslashes, so it is safe in JSON logs and headers.
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
            return false;
        }
    }
    return true;
}

std::string encode_cursor(std::string_view position) {
    std::string out;
    out.reserve((position.size() * 4 + 2) / 3);
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : position) {
        acc = (acc << 8U) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(b64url[(acc >> static_cast<unsigned>(bits)) & 0x3FU]);
        }
    }
    if (bits > 0) {
        out.push_back(b64url[(acc << static_cast<unsigned>(6 - bits)) & 0x3FU]);
    }
    return out;
}

result<std::string> decode_cursor(std::string_view cursor) {
    if (cursor.empty() || cursor.size() > 512) {
        return fail(errc::bad_request, "cursor is not valid");
    }
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : cursor) {
        int v = b64url_value(c);
        if (v < 0) {
            return fail(errc::bad_request, "cursor is not valid");
        }
        acc = (acc << 6U) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    for (unsigned char c : out) {
        if (c < 0x20 || c > 0x7e) {
            return fail(errc::bad_request, "cursor is not valid");
        }
    }
    return out;
}

result<int> parse_page_limit(std::optional<std::string_view> raw) {
    if (!raw) {
        return default_page_limit;
    }
    int value = 0;
    if (raw->empty() || raw->size() > 3) {
        return fail(error{
            errc::bad_request,
            "limit must be an integer from 1 to 100",
            {{"/limit", "range", "must be an integer from 1 to 100"}}});
    }
    for (char c : *raw) {
        if (c < '0' || c > '9') {
            return fail(error{
                errc::bad_request,
                "limit must be an integer from 1 to 100",
                {{"/limit", "type", "must be an integer from 1 to 100"}}});
        }
        value = value * 10 + (c - '0');
    }
    if (value < 1 || value > max_page_limit) {
        return fail(error{
            errc::bad_request,
            "limit must be an integer from 1 to 100",
            {{"/limit", "range", "must be an integer from 1 to 100"}}});
    }
    return value;
}

}  // namespace core
