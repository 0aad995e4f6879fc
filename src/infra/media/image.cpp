#include "infra/media/image.hpp"

namespace infra::media {
namespace {

std::uint32_t be16(std::string_view b, std::size_t at) {
    return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 8) |
           static_cast<unsigned char>(b[at + 1]);
}
std::uint32_t be32(std::string_view b, std::size_t at) { return (be16(b, at) << 16) | be16(b, at + 2); }
std::uint32_t le16(std::string_view b, std::size_t at) {
    return static_cast<unsigned char>(b[at]) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8);
}
std::uint32_t le24(std::string_view b, std::size_t at) {
    return le16(b, at) | (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16);
}

std::optional<image_info> png(std::string_view b) {
    // Signature, then the IHDR chunk first: length 13, "IHDR", width, height.
    if (b.size() < 24 || b.substr(0, 8) != std::string_view{"\x89PNG\r\n\x1a\n", 8} ||
        b.substr(12, 4) != "IHDR") {
        return std::nullopt;
    }
    return image_info{"image/png", "png", be32(b, 16), be32(b, 20)};
}

std::optional<image_info> gif(std::string_view b) {
    if (b.size() < 10 || (b.substr(0, 6) != "GIF87a" && b.substr(0, 6) != "GIF89a")) {
        return std::nullopt;
    }
    return image_info{"image/gif", "gif", le16(b, 6), le16(b, 8)};
}

std::optional<image_info> jpeg(std::string_view b) {
    if (b.size() < 4 || static_cast<unsigned char>(b[0]) != 0xFF ||
        static_cast<unsigned char>(b[1]) != 0xD8) {
        return std::nullopt;
    }
    // Walk the marker segments to the first start-of-frame, which holds the dimensions.
    std::size_t pos = 2;
    while (pos + 4 <= b.size()) {
        if (static_cast<unsigned char>(b[pos]) != 0xFF) {
            return std::nullopt;
        }
        auto marker = static_cast<unsigned char>(b[pos + 1]);
        if (marker == 0xFF) {
            ++pos;  // fill byte
            continue;
        }
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            pos += 2;  // markers without a length
            continue;
        }
        auto length = be16(b, pos + 2);
        if (length < 2) {
            return std::nullopt;
        }
        bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                   marker != 0xCC;
        if (sof) {
            if (pos + 9 > b.size()) {
                return std::nullopt;
            }
            return image_info{"image/jpeg", "jpg", be16(b, pos + 7), be16(b, pos + 5)};
        }
        if (marker == 0xD9 || marker == 0xDA) {
            return std::nullopt;  // image data or the end before any frame header
        }
        pos += 2 + length;
    }
    return std::nullopt;
}

std::optional<image_info> webp(std::string_view b) {
    if (b.size() < 30 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WEBP") {
        return std::nullopt;
    }
    auto chunk = b.substr(12, 4);
    if (chunk == "VP8 ") {
        // Key frame start code, then 14-bit width and height.
        if (b.substr(23, 3) != std::string_view{"\x9d\x01\x2a", 3}) {
            return std::nullopt;
        }
        return image_info{"image/webp", "webp", le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF};
    }
    if (chunk == "VP8L") {
        if (static_cast<unsigned char>(b[20]) != 0x2F) {
            return std::nullopt;
        }
        std::uint32_t bits = le16(b, 21) | (le16(b, 23) << 16);
        return image_info{"image/webp", "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
    }
    if (chunk == "VP8X") {
        return image_info{"image/webp", "webp", le24(b, 24) + 1, le24(b, 27) + 1};
    }
    return std::nullopt;
}

}  // namespace

std::optional<image_info> sniff_image(std::string_view bytes) {
    std::optional<image_info> found;
    for (auto probe : {png, jpeg, gif, webp}) {
        if ((found = probe(bytes))) {
            break;
        }
    }
    if (!found || found->width == 0 || found->height == 0) {
        return std::nullopt;
    }
    return found;
}

}  // namespace infra::media
