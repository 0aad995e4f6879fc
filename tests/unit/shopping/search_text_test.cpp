#include "modules/shopping/search_text.hpp"

#include <gtest/gtest.h>

namespace {

namespace st = shopping::search_text;

TEST(search_text, tokens_are_lower_case_folded_and_split_on_punctuation) {
    EXPECT_EQ(
        st::raw_tokens("Crème-Brûlée MUG, 250ml (Men's)!"),
        (std::vector<std::string>{"creme", "brulee", "mug", "250ml", "mens"})
    );
    EXPECT_EQ(
        st::raw_tokens("Straße Ærø Łódź"), (std::vector<std::string>{"strasse", "aero", "lodz"})
    );
    EXPECT_EQ(st::raw_tokens("ПРИВЕТ мир"), (std::vector<std::string>{"привет", "мир"}));
    EXPECT_EQ(st::raw_tokens("  ...  "), std::vector<std::string>{});
    EXPECT_EQ(
        st::raw_tokens("tea\xE2\x80\x94time \xF0\x9F\x98\x80 ok"),
        (std::vector<std::string>{"tea", "time", "ok"})
    );
}

TEST(search_text, invalid_utf8_separates_instead_of_corrupting) {
    EXPECT_EQ(
        st::raw_tokens("ab\xC3"
                       "cd\xFF"
                       "ef"),
        (std::vector<std::string>{"ab", "cd", "ef"})
    );
}

TEST(search_text, long_tokens_are_cut_on_a_code_point_boundary) {
    std::string word(70, 'a');
    EXPECT_EQ(st::raw_tokens(word).front().size(), st::max_token_bytes);
    std::string wide;
    for (int i = 0; i < 40; ++i) {
        wide += "\xD0\xBF";  // п, two bytes
    }
    auto cut = st::raw_tokens(wide).front();
    EXPECT_EQ(cut.size(), st::max_token_bytes);
    EXPECT_EQ(st::code_points(cut), st::max_token_bytes / 2);
}

TEST(search_text, plurals_are_stemmed) {
    EXPECT_EQ(st::stem("shirts"), "shirt");
    EXPECT_EQ(st::stem("dresses"), "dress");
    EXPECT_EQ(st::stem("glasses"), "glass");
    EXPECT_EQ(st::stem("berries"), "berry");
    EXPECT_EQ(st::stem("boxes"), "box");
    EXPECT_EQ(st::stem("watches"), "watch");
    EXPECT_EQ(st::stem("shoes"), "shoe");
    EXPECT_EQ(st::stem("dress"), "dress");
    EXPECT_EQ(st::stem("campus"), "campus");
    EXPECT_EQ(st::stem("bus"), "bus");
    EXPECT_EQ(st::stem("250ml"), "250ml");
    EXPECT_EQ(st::index_text("Blue Shirts"), "blue shirt");
}

TEST(search_text, edit_distance_counts_a_swap_as_one_typo) {
    EXPECT_EQ(st::edit_distance("shrit", "shirt", 2), 1);
    EXPECT_EQ(st::edit_distance("shirt", "shirt", 2), 0);
    EXPECT_EQ(st::edit_distance("shrt", "shirt", 2), 1);
    EXPECT_EQ(st::edit_distance("sheirt", "shirt", 2), 1);
    EXPECT_EQ(st::edit_distance("chart", "shirt", 2), 2);
    EXPECT_EQ(st::edit_distance("trousers", "shirt", 2), 3) << "capped at limit + 1";
    EXPECT_EQ(st::edit_distance("lodz", "łodz", 1), 1) << "code points, not bytes";
    EXPECT_EQ(st::typo_budget(3), 0);
    EXPECT_EQ(st::typo_budget(5), 1);
    EXPECT_EQ(st::typo_budget(9), 2);
}

TEST(search_text, queries_become_the_same_terms_on_both_engines) {
    auto q = st::parse("Blue shirts blue a", 10);
    ASSERT_EQ(q.terms.size(), 3U) << "repeats dropped";
    EXPECT_EQ(st::fts5_expression(q), R"("blue"* AND ("shirt" OR "shirts"*) AND "a")");
    EXPECT_EQ(st::tsquery_expression(q), "'blue':* & ('shirt' | 'shirts':*) & 'a'");
    q.terms[1].corrections = {"shirt", "short"};
    EXPECT_EQ(st::fts5_expression(q), R"("blue"* AND ("shirt" OR "short") AND "a")");
    EXPECT_EQ(st::tsquery_expression(q), "'blue':* & ('shirt' | 'short') & 'a'");
    EXPECT_EQ(q.text(), "blue shirt a");
    EXPECT_EQ(st::parse("one two three four", 2).terms.size(), 2U);
}

TEST(search_text, tsvector_literal_carries_weights_and_positions) {
    st::document_text d{"blue shirt", "summer", "cotton", "acme", "soft"};
    EXPECT_EQ(
        st::tsvector_literal(d), "'blue':1A 'shirt':2A 'summer':3B 'acme':4B 'cotton':5C 'soft':6D"
    );
    EXPECT_EQ(
        st::distinct_terms(d),
        (std::vector<std::string>{"acme", "blue", "cotton", "shirt", "soft", "summer"})
    );
}

TEST(search_text, prefix_bounds_are_valid_utf8_after_every_continuation) {
    auto upper = st::prefix_upper_bound("sh");
    EXPECT_LT(std::string{"shirt"}, upper);
    EXPECT_LT(std::string{"sh\xF4\x8F\xBF\xBE"}, upper);
    EXPECT_GT(std::string{"si"}, upper);
    EXPECT_EQ(st::first_code_point("\xC5\x82odz"), "\xC5\x82");
}

}  // namespace
