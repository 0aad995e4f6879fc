// What an uploaded file really is, from its bytes: the declared Content-Type and the file name are
// never trusted. JPEG, PNG, GIF and WebP, with their pixel dimensions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace infra::media {

struct image_info {
    std::string_view mime;       // image/jpeg, image/png, image/gif, image/webp
    std::string_view extension;  // jpg, png, gif, webp
    std::uint32_t width = 0;
    std::uint32_t height = 0;
};

// nullopt when the bytes are not one of the accepted formats or carry no readable dimensions.
std::optional<image_info> sniff_image(std::string_view bytes);

}  // namespace infra::media
