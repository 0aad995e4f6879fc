#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "app/runtime.hpp"
#include "infra/media/image.hpp"
#include "infra/media/storage.hpp"

namespace {

using infra::media::sniff_image;

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) {
        out.push_back(static_cast<char>(v));
    }
    return out;
}

TEST(media_sniff, reads_format_and_size_from_the_bytes) {
    auto png = bytes({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                      0, 0, 0x02, 0x80, 0, 0, 0x01, 0xE0, 8, 6, 0, 0, 0});
    auto p = sniff_image(png);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->mime, "image/png");
    EXPECT_EQ(p->width, 640U);
    EXPECT_EQ(p->height, 480U);

    auto gif = std::string{"GIF89a"} + bytes({0x20, 0x00, 0x10, 0x00, 0, 0, 0});
    auto g = sniff_image(gif);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->extension, "gif");
    EXPECT_EQ(g->width, 32U);
    EXPECT_EQ(g->height, 16U);

    // SOI, an APP0 segment, then SOF0 with height 200 and width 300.
    auto jpeg = bytes({0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46, 0xFF, 0xC0, 0x00, 0x11, 0x08,
                       0x00, 0xC8, 0x01, 0x2C, 0x03});
    auto j = sniff_image(jpeg);
    ASSERT_TRUE(j);
    EXPECT_EQ(j->mime, "image/jpeg");
    EXPECT_EQ(j->width, 300U);
    EXPECT_EQ(j->height, 200U);

    auto webp = std::string{"RIFF"} + bytes({0, 0, 0, 0}) + "WEBPVP8X" +
                bytes({10, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0x02, 0x00, 0xDF, 0x01, 0x00, 0, 0});
    auto w = sniff_image(webp);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->mime, "image/webp");
    EXPECT_EQ(w->width, 640U);
    EXPECT_EQ(w->height, 480U);
}

TEST(media_sniff, refuses_what_is_not_an_image) {
    EXPECT_FALSE(sniff_image(""));
    EXPECT_FALSE(sniff_image("<svg xmlns='http://www.w3.org/2000/svg'></svg>"));
    EXPECT_FALSE(sniff_image("<html><script>alert(1)</script></html>"));
    EXPECT_FALSE(sniff_image(bytes({0x89, 'P', 'N', 'G'})));  // truncated
    EXPECT_FALSE(sniff_image(bytes({0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02})));  // no frame header
    auto zero = bytes({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                       0, 0, 0, 0, 0, 0, 0x01, 0xE0});
    EXPECT_FALSE(sniff_image(zero));
}

TEST(media_storage, keys_are_restricted_and_typed_by_extension) {
    EXPECT_TRUE(infra::media::is_media_key("img_01jabc.png"));
    EXPECT_FALSE(infra::media::is_media_key("../etc/passwd"));
    EXPECT_FALSE(infra::media::is_media_key("a/b.png"));
    EXPECT_FALSE(infra::media::is_media_key("noext"));
    EXPECT_FALSE(infra::media::is_media_key("Upper.png"));
    EXPECT_FALSE(infra::media::is_media_key(".hidden"));
    EXPECT_EQ(infra::media::content_type_of("x.webp"), "image/webp");
    EXPECT_EQ(infra::media::content_type_of("x.csv"), "text/csv; charset=utf-8");
}

TEST(media_storage, local_files_round_trip) {
    auto dir = std::filesystem::temp_directory_path() /
               ("trader-media-" + std::to_string(::getpid()));
    core::worker_pool pool{1};
    auto store = infra::media::make_local_storage(dir, "/api/v1/media/", pool);
    EXPECT_EQ(store->url("a.png"), "/api/v1/media/a.png");
    auto put = app::run_sync<core::result<void>>([&] { return store->put("a.png", "PNGDATA"); });
    ASSERT_TRUE(put) << put.error().detail;
    auto got = app::run_sync<core::result<std::optional<infra::media::media_object>>>([&] {
        return store->get("a.png");
    });
    ASSERT_TRUE(got && *got);
    EXPECT_EQ((*got)->bytes, "PNGDATA");
    EXPECT_EQ((*got)->content_type, "image/png");
    auto bad = app::run_sync<core::result<void>>([&] { return store->put("../x.png", "no"); });
    EXPECT_FALSE(bad);
    auto removed = app::run_sync<core::result<void>>([&] { return store->remove("a.png"); });
    EXPECT_TRUE(removed);
    auto gone = app::run_sync<core::result<std::optional<infra::media::media_object>>>([&] {
        return store->get("a.png");
    });
    ASSERT_TRUE(gone);
    EXPECT_FALSE(*gone);
    std::filesystem::remove_all(dir);
}

}  // namespace
