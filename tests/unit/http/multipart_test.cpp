#include "core/http/multipart.hpp"

#include <gtest/gtest.h>

namespace {

using core::http::parse_multipart;

core::http::request form(std::string content_type, std::string body) {
    core::http::request req;
    req.verb = core::http::method::post;
    req.headers.emplace_back("content-type", std::move(content_type));
    req.body = std::move(body);
    return req;
}

TEST(multipart, reads_fields_and_files) {
    auto req = form(
        "multipart/form-data; boundary=\"b0undary\"",
        "preamble\r\n--b0undary\r\n"
        "Content-Disposition: form-data; name=\"alt\"\r\n\r\n"
        "Red shirt\r\n--b0undary\r\n"
        "Content-Disposition: form-data; name=\"file\"; filename=\"a;b \\\"c\\\".png\"\r\n"
        "Content-Type: image/png\r\n\r\n"
        "\x89PNG\r\n--not-the-boundary\r\n\r\n--b0undary--\r\nepilogue"
    );
    auto parts = parse_multipart(req);
    ASSERT_TRUE(parts) << parts.error().detail;
    ASSERT_EQ(parts->size(), 2U);
    EXPECT_EQ((*parts)[0].name, "alt");
    EXPECT_EQ((*parts)[0].data, "Red shirt");
    EXPECT_FALSE((*parts)[0].filename);
    const auto* file = core::http::find_part(*parts, "file");
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->filename, "a;b \"c\".png");
    EXPECT_EQ(file->content_type, "image/png");
    EXPECT_EQ(file->data, "\x89PNG\r\n--not-the-boundary\r\n");
    EXPECT_EQ(core::http::find_part(*parts, "missing"), nullptr);
}

TEST(multipart, refuses_other_media_types_and_malformed_bodies) {
    auto json = parse_multipart(form("application/json", "{}"));
    ASSERT_FALSE(json);
    EXPECT_EQ(json.error().code, core::errc::unsupported_media_type);

    for (const auto& [type, body] : std::vector<std::pair<std::string, std::string>>{
             {"multipart/form-data", "--x\r\n\r\n--x--"},  // no boundary parameter
             {"multipart/form-data; boundary=x", "no delimiter at all"},
             {"multipart/form-data; boundary=x",
              "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated"},
             {"multipart/form-data; boundary=x", "--x\r\nContent-Type: text/plain\r\n\r\nv\r\n--x--"},
             {"multipart/form-data; boundary=x",
              "--x\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--x--"},
             {"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--x--"},
             {"multipart/form-data; boundary=x", "--xjunk\r\n"},
         }) {
        auto parsed = parse_multipart(form(type, body));
        ASSERT_FALSE(parsed) << body;
        EXPECT_EQ(parsed.error().code, core::errc::bad_request) << body;
    }
}

TEST(multipart, limits_the_number_of_parts) {
    std::string body;
    for (int i = 0; i < 5; ++i) {
        body += "--x\r\nContent-Disposition: form-data; name=\"f" + std::to_string(i) +
                "\"\r\n\r\nv\r\n";
    }
    body += "--x--";
    EXPECT_TRUE(parse_multipart(form("multipart/form-data; boundary=x", body), {.max_parts = 5}));
    auto over = parse_multipart(form("multipart/form-data; boundary=x", body), {.max_parts = 4});
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, core::errc::bad_request);
}

}  // namespace
