#include "core/http/conditional.hpp"

#include <gtest/gtest.h>

namespace {

using core::http::none_match;
using core::http::strong_etag;

TEST(conditional, strong_etags_are_stable_quoted_hashes_of_the_body) {
    auto tag = strong_etag(R"({"a":1})");
    EXPECT_EQ(tag.size(), 34U);
    EXPECT_EQ(tag.front(), '"');
    EXPECT_EQ(tag.back(), '"');
    EXPECT_EQ(tag, strong_etag(R"({"a":1})"));
    EXPECT_NE(tag, strong_etag(R"({"a":2})"));
    EXPECT_NE(strong_etag(""), strong_etag(std::string(1, '\0')));
    EXPECT_NE(strong_etag("12345678"), strong_etag("123456780"));
    // Bodies long enough for the four-lane loop: a change in any lane or in the tail shows.
    std::string big(1000, 'x');
    const auto base = strong_etag(big);
    for (std::size_t at : {0UL, 9UL, 17UL, 31UL, 32UL, 990UL, 999UL}) {
        auto changed = big;
        changed[at] = 'y';
        EXPECT_NE(strong_etag(changed), base) << at;
    }
    auto swapped = big;
    swapped[0] = 'a';
    swapped[8] = 'b';
    auto other = big;
    other[0] = 'b';
    other[8] = 'a';
    EXPECT_NE(strong_etag(swapped), strong_etag(other)) << "lanes are not interchangeable";
}

// Tags outlive a build (clients and other instances hold them): the hash is pinned.
TEST(conditional, strong_etags_do_not_change_between_builds) {
    std::string body;
    for (int i = 0; i < 1000; ++i) {
        body += std::to_string(i * i) + ",";
    }
    EXPECT_EQ(strong_etag(body), R"("f07461f1d77428c206c42f907d0f6cd5")");
    std::string room(core::http::strong_etag_size, ' ');
    core::http::write_strong_etag(body, room.data());
    EXPECT_EQ(room, strong_etag(body));
}

TEST(conditional, if_none_match_compares_weakly_and_accepts_lists_and_star) {
    auto tag = strong_etag("body");
    EXPECT_FALSE(none_match(std::nullopt, tag));
    EXPECT_TRUE(none_match(tag, tag));
    EXPECT_TRUE(none_match("W/" + tag, tag));
    EXPECT_TRUE(none_match("\"x\", " + tag + " ,\"y\"", tag));
    EXPECT_TRUE(none_match(" * ", tag));
    EXPECT_FALSE(none_match("\"x\"", tag));
    EXPECT_FALSE(none_match("", tag));
}

}  // namespace
