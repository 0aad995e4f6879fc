#include "modules/shopping/model.hpp"

#include <gtest/gtest.h>

namespace {

TEST(storefront_model, facet_codes_round_trip_any_text) {
    std::vector<shopping::facet_row> rows{
        {"a", "brand", "Alpenglut"},
        {"a", "size", "12:30 \xC3\xA9t\xC3\xA9 | 7"},
        {"t", "", "summer"},
        {"a", "note", ""},
    };
    auto codes = shopping::encode_facets(rows);
    EXPECT_EQ(codes.substr(0, 19), "a5:brand9:Alpenglut");
    std::vector<shopping::facet_row> back;
    std::vector<std::string> entries;
    shopping::decode_facets(codes, [&](auto entry, auto kind, auto name, auto value) {
        entries.emplace_back(entry);
        back.push_back({std::string{kind}, std::string{name}, std::string{value}});
    });
    ASSERT_EQ(back.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(back[i].kind, rows[i].kind);
        EXPECT_EQ(back[i].name, rows[i].name);
        EXPECT_EQ(back[i].value, rows[i].value);
    }
    std::string joined;
    for (const auto& e : entries) {
        joined += e;
    }
    EXPECT_EQ(joined, codes) << "entries are the encoded values, back to back";
}

TEST(storefront_model, malformed_facet_codes_stop_decoding) {
    int seen = 0;
    auto count = [&](auto, auto, auto, auto) { ++seen; };
    shopping::decode_facets("a5:brand9:Alpe", count);
    shopping::decode_facets("a5brand", count);
    shopping::decode_facets("a99999999999999999999:x", count);
    EXPECT_EQ(seen, 0);
    shopping::decode_facets(
        "t0:3:sal"
        "a1:x",
        count
    );
    EXPECT_EQ(seen, 1) << "the good value before the bad one";
}

}  // namespace
