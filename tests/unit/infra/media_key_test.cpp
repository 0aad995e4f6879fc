#include <gtest/gtest.h>

#include "infra/media/content_key.hpp"
#include "infra/media/storage.hpp"

namespace {

using infra::media::content_key;

TEST(media_content_key, names_bytes_by_their_sha256) {
    // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 ...
    EXPECT_EQ(content_key("", "png"), "e3b0c44298fc1c149afbf4c8996fb924.png");
    EXPECT_EQ(content_key("abc", "jpg"), "ba7816bf8f01cfea414140de5dae2223.jpg");
    EXPECT_EQ(content_key("abc", "jpg"), content_key(std::string{"abc"}, "jpg"));
    EXPECT_NE(content_key("abc", "jpg"), content_key("abd", "jpg"));
    EXPECT_TRUE(infra::media::is_media_key(content_key("\x89PNG", "png")));
    EXPECT_EQ(infra::media::content_type_of(content_key("x", "webp")), "image/webp");
}

}  // namespace
