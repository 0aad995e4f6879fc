// The storage key of uploaded bytes: named by their content, so equal uploads share one object and
// an object never changes under its key.
#pragma once

#include <string>
#include <string_view>

namespace infra::media {

// `<first 32 hex digits of SHA-256(bytes)>.<extension>`; a valid media key for a lower-case
// alphanumeric extension.
std::string content_key(std::string_view bytes, std::string_view extension);

}  // namespace infra::media
