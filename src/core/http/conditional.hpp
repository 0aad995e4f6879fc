// Conditional GET: strong entity tags computed from a response body, and the If-None-Match check
// that turns a repeated GET into 304 Not Modified.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace core::http {

// A strong ETag (quoted) for `body`: a 128-bit hash of its bytes, stable across processes and
// builds, so every instance serving the same body answers the same tag.
std::string strong_etag(std::string_view body);

// Every strong_etag() is this long, so a caller can leave room for it ahead of a body it is still
// writing and fill it in with write_strong_etag() instead of copying the body behind a tag.
inline constexpr std::size_t strong_etag_size = 34;
void write_strong_etag(std::string_view body, char* out);

// True when an If-None-Match header value names `etag` (or is `*`). Comparison is weak, as RFC 9110
// requires for If-None-Match: `W/"x"` matches `"x"`.
bool none_match(std::optional<std::string_view> if_none_match, std::string_view etag);

}  // namespace core::http
