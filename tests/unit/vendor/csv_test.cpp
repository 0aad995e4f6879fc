// CSV as catalog imports read it (RFC 4180: quotes, doubled quotes, CRLF, line breaks inside
// quotes, a UTF-8 BOM) and as exports write it; and the import format's header contract.
#include "modules/vendor/csv.hpp"

#include <gtest/gtest.h>

#include <set>

#include "modules/vendor/import_format.hpp"

namespace {

using vendor::csv::parse;
using vendor::csv::syntax_error;
using vendor::csv::table;

table parsed(std::string_view text, std::size_t max_records = 100) {
    auto out = parse(text, max_records);
    if (const auto* bad = std::get_if<syntax_error>(&out)) {
        ADD_FAILURE() << "row " << bad->row << ": " << bad->message;
        return {};
    }
    return std::get<table>(out);
}

syntax_error refused(std::string_view text, std::size_t max_records = 100) {
    auto out = parse(text, max_records);
    if (const auto* bad = std::get_if<syntax_error>(&out)) {
        return *bad;
    }
    ADD_FAILURE() << "parsed: " << text;
    return {};
}

TEST(csv, reads_header_and_records_with_lf_or_crlf) {
    for (std::string_view text : {"a,b\n1,2\n3,4\n", "a,b\r\n1,2\r\n3,4\r\n", "a,b\n1,2\n3,4"}) {
        auto t = parsed(text);
        EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b"}));
        ASSERT_EQ(t.records.size(), 2U) << text;
        EXPECT_EQ(t.records[0].cells, (std::vector<std::string>{"1", "2"}));
        EXPECT_EQ(t.records[1].cells, (std::vector<std::string>{"3", "4"}));
        EXPECT_EQ(t.records[0].row, 2);
        EXPECT_EQ(t.records[1].row, 3);
    }
}

TEST(csv, unquotes_fields_with_commas_doubled_quotes_and_line_breaks) {
    auto t = parsed("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\nlast,,\n");
    ASSERT_EQ(t.records.size(), 2U);
    EXPECT_EQ(t.records[0].cells, (std::vector<std::string>{"x, y", "say \"hi\"", "two\r\nlines"}));
    EXPECT_EQ(t.records[1].cells, (std::vector<std::string>{"last", "", ""}));
    EXPECT_EQ(t.records[1].row, 3);  // the line break inside quotes does not start a row
}

TEST(csv, skips_a_utf8_bom_and_blank_lines) {
    auto t = parsed("\xEF\xBB\xBFhandle,title\n\nshirt,Hemd \xC3\xA4\n\n");
    EXPECT_EQ(t.header.front(), "handle");
    ASSERT_EQ(t.records.size(), 1U);
    EXPECT_EQ(t.records[0].cells[1], "Hemd \xC3\xA4");
    EXPECT_EQ(t.records[0].row, 3);
}

TEST(csv, refuses_broken_quoting_with_its_row_and_cell) {
    auto unclosed = refused("a,b\n1,\"open\n2,3\n");
    EXPECT_EQ(unclosed.row, 2);
    EXPECT_EQ(unclosed.column, 2);
    auto stray = refused("a,b\n1,2\n3,x\"y\n");
    EXPECT_EQ(stray.row, 3);
    EXPECT_EQ(stray.column, 2);
    auto after = refused("a,b\n\"x\"y,2\n");
    EXPECT_EQ(after.row, 2);
    EXPECT_EQ(after.column, 1);
}

TEST(csv, refuses_invalid_utf8_and_nul_bytes) {
    EXPECT_NE(refused("a,b\n1,\xff\n").message.find("UTF-8"), std::string::npos);
    EXPECT_NE(refused(std::string_view{"a,b\n1,\0\n", 8}).message.find("NUL"), std::string::npos);
    EXPECT_FALSE(vendor::csv::is_utf8("\xC0\xAF"));      // overlong
    EXPECT_FALSE(vendor::csv::is_utf8("\xED\xA0\x80"));  // surrogate
    EXPECT_TRUE(vendor::csv::is_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
}

TEST(csv, refuses_more_records_than_allowed) {
    auto many = refused("a\n1\n2\n3\n", 2);
    EXPECT_NE(many.message.find("more than 2 rows"), std::string::npos);
    EXPECT_EQ(parsed("a\n1\n2\n", 2).records.size(), 2U);
}

TEST(csv, written_records_read_back_the_same) {
    std::vector<std::string> cells{"plain", "with, comma", "with \"quotes\"", "two\nlines",
                                   "",      " padded "};
    std::string text;
    vendor::csv::append_record(text, cells);
    vendor::csv::append_record(text, cells);
    EXPECT_TRUE(text.ends_with("\r\n"));
    auto t = parsed(text);
    EXPECT_EQ(t.header, cells);
    ASSERT_EQ(t.records.size(), 1U);
    EXPECT_EQ(t.records[0].cells, cells);
}

TEST(import_header, accepts_the_contract_in_any_order) {
    auto cols = vendor::import_format::read_header(
        {"sku", "title", "handle", "price_EUR", "price_USD", "compare_at_EUR", "option1_name",
         "option1_value", "stock"}
    );
    ASSERT_TRUE(cols) << cols.error().detail;
    EXPECT_EQ(cols->handle, 2);
    EXPECT_EQ(cols->prices.size(), 2U);
    EXPECT_EQ(cols->compare_at.size(), 1U);
    EXPECT_EQ(cols->option_value[0], 7);
    EXPECT_EQ(cols->description, -1);
}

TEST(import_header, names_each_bad_column) {
    auto cols = vendor::import_format::read_header(
        {"handle", "title", "sku", "price_XYZ", "colour", "title", "compare_at_USD", "option2_name"}
    );
    ASSERT_FALSE(cols);
    std::set<std::string> pointers;
    for (const auto& f : cols.error().fields) {
        pointers.insert(f.pointer);
    }
    EXPECT_TRUE(pointers.contains("/header/price_XYZ"));
    EXPECT_TRUE(pointers.contains("/header/colour"));
    EXPECT_TRUE(pointers.contains("/header/title"));           // twice
    EXPECT_TRUE(pointers.contains("/header/compare_at_USD"));  // without price_USD
    EXPECT_TRUE(pointers.contains("/header/option2_value"));   // pairs
    EXPECT_TRUE(pointers.contains("/header/price_EUR"));       // no price column at all
}

}  // namespace
