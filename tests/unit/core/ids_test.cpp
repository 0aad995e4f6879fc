#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

TEST(ids, have_prefix_and_fixed_length) {
    auto id = core::new_id("prod");
    EXPECT_EQ(id.size(), 5U + 26U);
    EXPECT_TRUE(id.starts_with("prod_"));
    EXPECT_TRUE(core::is_id(id, "prod"));
    EXPECT_FALSE(core::is_id(id, "ord"));
    EXPECT_FALSE(core::is_id("prod_0123", "prod"));
    EXPECT_FALSE(core::is_id("prod_0123456789abcdefghjkmnpqrI", "prod"));
}

TEST(ids, sort_by_creation_time) {
    using namespace std::chrono;
    auto t0 = system_clock::time_point{milliseconds{1'700'000'000'000}};
    auto a = core::new_id("ord", t0);
    auto b = core::new_id("ord", t0 + milliseconds{1});
    auto c = core::new_id("ord", t0 + hours{24 * 365});
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
}

TEST(ids, are_unique) {
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        EXPECT_TRUE(seen.insert(core::new_id("x")).second);
    }
}

TEST(cursor, round_trips) {
    for (std::string s :
         {"a", "ab", "abc", "prod_01j9zzzzzzzzzzzzzzzzzzzzzz", "2026-01-01|prod_x"}) {
        auto c = core::encode_cursor(s);
        auto back = core::decode_cursor(c);
        ASSERT_TRUE(back) << s;
        EXPECT_EQ(*back, s);
    }
}

TEST(cursor, rejects_garbage) {
    EXPECT_FALSE(core::decode_cursor(""));
    EXPECT_FALSE(core::decode_cursor("!!!"));
    EXPECT_FALSE(core::decode_cursor(std::string(600, 'a')));
}

TEST(page_limit, defaults_and_bounds) {
    EXPECT_EQ(*core::parse_page_limit(std::nullopt), 20);
    EXPECT_EQ(*core::parse_page_limit("1"), 1);
    EXPECT_EQ(*core::parse_page_limit("100"), 100);
    EXPECT_FALSE(core::parse_page_limit("0"));
    EXPECT_FALSE(core::parse_page_limit("101"));
    EXPECT_FALSE(core::parse_page_limit("-1"));
    EXPECT_FALSE(core::parse_page_limit("abc"));
    EXPECT_FALSE(core::parse_page_limit(""));
}

TEST(request_id, accepts_printable_short_ids_only) {
    EXPECT_TRUE(core::is_acceptable_request_id("abc-123"));
    EXPECT_FALSE(core::is_acceptable_request_id(""));
    EXPECT_FALSE(core::is_acceptable_request_id(std::string(129, 'a')));
    EXPECT_FALSE(core::is_acceptable_request_id("a b"));
    EXPECT_FALSE(core::is_acceptable_request_id("a\"b"));
}

}  // namespace
