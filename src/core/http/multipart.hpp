// multipart/form-data (RFC 7578) bodies: uploads of images and CSV files. Parts are views into the
// request body, which must outlive them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/request.hpp"
#include "core/result.hpp"

namespace core::http {

struct form_part {
    std::string name;                     // the form field
    std::optional<std::string> filename;  // as the client sent it: never trusted for a path
    std::optional<std::string> content_type;
    std::string_view data;
};

struct multipart_limits {
    std::size_t max_parts = 16;
    std::size_t max_header_bytes = 4096;  // per part
};

// `unsupported_media_type` unless the request is multipart/form-data with a boundary;
// `bad_request` for a malformed body (no closing delimiter, a part without a name, too many parts).
result<std::vector<form_part>> parse_multipart(
    const request& req, const multipart_limits& limits = {}
);

// The part named `name`; nullptr when there is none.
const form_part* find_part(const std::vector<form_part>& parts, std::string_view name);

}  // namespace core::http
