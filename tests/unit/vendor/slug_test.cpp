// Handles made from names: what stores, products and categories get as URL-safe identifiers.
#include "core/slug.hpp"

#include <gtest/gtest.h>

namespace {

TEST(slugify, lower_cases_and_joins_words_with_single_dashes) {
    EXPECT_EQ(core::slugify("Classic Linen Shirt"), "classic-linen-shirt");
    EXPECT_EQ(core::slugify("  Home & Garden -- Deals!  "), "home-garden-deals");
    EXPECT_EQ(core::slugify("USB-C Hub (4 ports)"), "usb-c-hub-4-ports");
}

TEST(slugify, transliterates_latin_letters) {
    EXPECT_EQ(core::slugify("Neukölln Kaffee Rösterei"), "neukoelln-kaffee-roesterei");
    EXPECT_EQ(core::slugify("Straße"), "strasse");
    EXPECT_EQ(core::slugify("Crème Brûlée"), "creme-brulee");
    EXPECT_EQ(core::slugify("Łódź"), "lodz");
}

TEST(slugify, joins_apostrophes_and_drops_other_scripts) {
    EXPECT_EQ(core::slugify("Kid's Corner"), "kids-corner");
    EXPECT_EQ(core::slugify("東京 Tokyo"), "tokyo");
    EXPECT_EQ(core::slugify("東京"), "");
    EXPECT_EQ(core::slugify("!!!"), "");
}

TEST(slugify, survives_invalid_utf8) {
    EXPECT_EQ(
        core::slugify(std::string{"a\xff\xfe"
                                  "b"}),
        "a-b"
    );
    EXPECT_EQ(core::slugify(std::string{"ab\xc3"}), "ab");
}

TEST(slugify, cuts_long_names_at_a_word_boundary) {
    auto s = core::slugify("alpha beta gamma delta epsilon", 20);
    EXPECT_EQ(s, "alpha-beta-gamma");
    EXPECT_LE(s.size(), 20U);
    EXPECT_EQ(core::slugify("abcdefghijklmnopqrstuvwxyz", 10), "abcdefghij");
}

TEST(with_suffix, keeps_the_result_within_the_limit) {
    EXPECT_EQ(core::with_suffix("red-shirt", 2), "red-shirt-2");
    EXPECT_EQ(core::with_suffix("abcdefghij", 12, 10), "abcdefg-12");
    EXPECT_EQ(core::with_suffix("abcdef-hij", 3, 9), "abcdef-3");
}

TEST(is_handle, accepts_only_slugs) {
    EXPECT_TRUE(core::is_handle("red-shirt-2"));
    EXPECT_FALSE(core::is_handle(""));
    EXPECT_FALSE(core::is_handle("Red-Shirt"));
    EXPECT_FALSE(core::is_handle("red--shirt"));
    EXPECT_FALSE(core::is_handle("-red"));
    EXPECT_FALSE(core::is_handle("red-"));
    EXPECT_FALSE(core::is_handle("red_shirt"));
    EXPECT_FALSE(core::is_handle(std::string(101, 'a')));
}

TEST(first_free_handle, takes_the_base_then_the_smallest_free_suffix) {
    EXPECT_EQ(core::first_free_handle("shirt", {}), "shirt");
    EXPECT_EQ(core::first_free_handle("shirt", {"shirt-2"}), "shirt");
    EXPECT_EQ(core::first_free_handle("shirt", {"shirt"}), "shirt-2");
    EXPECT_EQ(core::first_free_handle("shirt", {"shirt", "shirt-2", "shirt-4"}), "shirt-3");
    // Other handles that merely start with the base do not count.
    EXPECT_EQ(core::first_free_handle("shirt", {"shirt", "shirt-dress", "shirt-02"}), "shirt-2");
}

TEST(suffix_number, reads_only_exact_suffixes) {
    EXPECT_EQ(core::suffix_number("shirt", "shirt"), 1);
    EXPECT_EQ(core::suffix_number("shirt-7", "shirt"), 7);
    EXPECT_EQ(core::suffix_number("shirt-1", "shirt"), 0);
    EXPECT_EQ(core::suffix_number("shirt-07", "shirt"), 0);
    EXPECT_EQ(core::suffix_number("shirt-x", "shirt"), 0);
    EXPECT_EQ(core::suffix_number("shirts", "shirt"), 0);
}

}  // namespace
