// Prefixed, time-sortable random ids (`prod_01j9...`) and the cursors built on them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace core {

// 48-bit millisecond timestamp + 80 random bits in lowercase Crockford base32 (26 chars), so ids
// sort by creation time as plain strings and are safe to expose.
std::string new_id(std::string_view prefix);
std::string new_id(std::string_view prefix, std::chrono::system_clock::time_point at);

// True when `id` is `<prefix>_` followed by 26 base32 characters.
bool is_id(std::string_view id, std::string_view prefix) noexcept;

// Request ids: `req_` ids, also accepted from clients when they are short and printable.
std::string new_request_id();
bool is_acceptable_request_id(std::string_view id) noexcept;

// Opaque list cursor: base64url of the position it stands for (an id, optionally with a sort key).
std::string encode_cursor(std::string_view position);
result<std::string> decode_cursor(std::string_view cursor);

// Page size from a `limit` query value: 1-100, default 20.
inline constexpr int default_page_limit = 20;
inline constexpr int max_page_limit = 100;
result<int> parse_page_limit(std::optional<std::string_view> raw);

}  // namespace core
