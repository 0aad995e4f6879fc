// Product images as the vendor module keeps them: the uploaded file's facts (sniffed, never taken
// from the client), its place among the product's images, and the JSON shape vendors see.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/json.hpp"

namespace vendor {

// Limits of the image API (docs/openapi.yaml repeats them); the byte limit is a setting
// (TRADER_MEDIA_MAX_BYTES).
namespace image_limits {
inline constexpr std::size_t per_product = 10;
inline constexpr std::uint32_t side = 10000;  // pixels, each of width and height
inline constexpr std::size_t alt = 500;       // code points
}  // namespace image_limits

struct product_image {
    std::string id;  // img_...
    std::string product_id;
    std::string vendor_id;
    std::string url;        // where clients fetch it (media route or CDN)
    std::string media_key;  // content-addressed: uploads of the same bytes share the file
    std::optional<std::string> alt;
    std::string content_type;  // as sniffed
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::int64_t size_bytes = 0;
    int position = 0;  // 0-based, dense within the product
    core::time_point created_at;
    core::time_point updated_at;
};

// A decoded upload: the file's bytes (what they are is decided by sniffing) and the form fields.
struct image_upload {
    std::string bytes;
    std::optional<std::string> alt;
    std::optional<int> position;  // nullopt = after the last image
};

// PATCH: absent stays; `alt: null` clears the text.
struct image_patch {
    core::json::patch<std::string> alt;
    std::optional<int> position;

    bool empty() const noexcept { return !alt.present && !position; }
};

// {id, object: "image", product_id, url, alt, content_type, width, height, size_bytes, position,
// created_at, updated_at}
boost::json::object to_json(const product_image& i);

}  // namespace vendor
