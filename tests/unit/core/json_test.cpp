#include "core/json.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

boost::json::value parse(std::string_view text) { return *core::json::parse(text); }

TEST(json_parse, rejects_malformed_and_too_deep) {
    EXPECT_FALSE(core::json::parse("{"));
    EXPECT_FALSE(core::json::parse("not json"));
    EXPECT_EQ(core::json::parse("{").error().code, core::errc::bad_request);
    std::string deep(100, '[');
    deep += std::string(100, ']');
    EXPECT_FALSE(core::json::parse(deep));
    EXPECT_TRUE(core::json::parse(R"({"a":[1,2,{"b":null}]})"));
}

TEST(json_validator, accepts_a_valid_body) {
    auto body =
        parse(R"({"name":"Shop","stock":5,"address":{"lat":52.5,"lng":13.4},"tags":["a","b"]})");
    core::json::validator v{body};
    auto root = v.root();
    EXPECT_EQ(root.required_string("name", {.min_length = 1, .max_length = 50}), "Shop");
    EXPECT_EQ(root.required_int("stock", {.min = 0}), 5);
    auto addr = root.required_object("address");
    EXPECT_DOUBLE_EQ(addr.required_number("lat", {.min = -90, .max = 90}), 52.5);
    EXPECT_DOUBLE_EQ(addr.required_number("lng", {.min = -180, .max = 180}), 13.4);
    addr.done();
    EXPECT_EQ(root.string_array("tags", 0, 10).size(), 2U);
    root.done();
    EXPECT_TRUE(v.ok());
}

TEST(json_validator, collects_every_error_with_pointers) {
    auto body =
        parse(R"({"name":"","stock":-1,"address":{"lat":100},"variants":[{"sku":5}],"extra":true})"
        );
    core::json::validator v{body};
    auto root = v.root();
    root.required_string("name", {.min_length = 1});
    root.required_int("stock", {.min = 0});
    auto addr = root.required_object("address");
    addr.required_number("lat", {.min = -90, .max = 90});
    addr.required_number("lng");
    addr.done();
    for (auto& variant : root.required_objects("variants", 1, 10)) {
        variant.required_string("sku");
        variant.done();
    }
    root.required_string("currency", {.one_of = {"EUR", "USD"}});
    root.done();
    ASSERT_FALSE(v.ok());
    auto err = v.error();
    EXPECT_EQ(err.code, core::errc::invalid);
    std::map<std::string, std::string> by_pointer;
    for (const auto& f : err.fields) {
        by_pointer[f.pointer] = f.code;
    }
    EXPECT_EQ(by_pointer["/name"], "min_length");
    EXPECT_EQ(by_pointer["/stock"], "minimum");
    EXPECT_EQ(by_pointer["/address/lat"], "maximum");
    EXPECT_EQ(by_pointer["/address/lng"], "required");
    EXPECT_EQ(by_pointer["/variants/0/sku"], "type");
    EXPECT_EQ(by_pointer["/currency"], "required");
    EXPECT_EQ(by_pointer["/extra"], "unknown_field");
    EXPECT_EQ(err.detail, "7 fields are invalid");
}

TEST(json_validator, enforces_enums_lengths_in_code_points_and_patch_semantics) {
    auto body = parse(R"({"method":"drone","title":"ÄÖÜ","note":null,"locale":"de"})");
    core::json::validator v{body};
    auto root = v.root();
    root.required_string("method", {.one_of = {"courier", "pickup"}});
    EXPECT_EQ(root.required_string("title", {.max_length = 3}), "ÄÖÜ");
    auto note = root.patch_string("note");
    EXPECT_TRUE(note.present);
    EXPECT_FALSE(note.value);
    auto locale = root.patch_string("locale");
    EXPECT_EQ(locale.value, "de");
    EXPECT_FALSE(root.patch_string("absent").present);
    root.done();
    ASSERT_EQ(v.error().fields.size(), 1U);
    EXPECT_EQ(v.error().fields[0].code, "enum");
}

TEST(json_validator, refuses_a_body_that_is_not_an_object) {
    auto body = parse("[1,2]");
    core::json::validator v{body};
    auto root = v.root();
    root.required_string("x");
    root.done();
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().fields.at(0).pointer, "");
}

TEST(json_validator, escapes_pointer_segments) {
    EXPECT_EQ(core::json::pointer_escape("a/b~c"), "a~1b~0c");
}

}  // namespace

namespace {

TEST(json_writer, writes_nested_documents_that_parse_back) {
    std::string out;
    core::json::writer w{out};
    w.begin_object()
        .key("id")
        .string("ord_1")
        .key("empty")
        .begin_object()
        .end_object()
        .key("items")
        .begin_array()
        .begin_object()
        .key("quantity")
        .number(std::int64_t{-3})
        .key("lat")
        .number(52.529)
        .end_object()
        .number(std::int64_t{7})
        .begin_array()
        .end_array()
        .end_array()
        .key("email")
        .string_or_null(std::nullopt)
        .key("paid")
        .boolean(false)
        .key("options")
        .raw(R"({"size":"M"})")
        .key("nan")
        .number(std::nan(""))
        .end_object();
    EXPECT_EQ(
        out, R"({"id":"ord_1","empty":{},"items":[{"quantity":-3,"lat":52.529},7,[]],"email":null,)"
             R"("paid":false,"options":{"size":"M"},"nan":null})"
    );
    EXPECT_TRUE(core::json::parse(out));
}

TEST(json_writer, escapes_keys_and_strings_like_a_serialiser) {
    const std::string tricky = "a\"b\\c\nd\te\x01 \xc3\xa9 end";
    std::string out;
    core::json::writer{out}.begin_object().key(tricky).string(tricky).end_object();
    auto parsed = core::json::parse(out);
    ASSERT_TRUE(parsed) << out;
    const auto& object = parsed->as_object();
    ASSERT_EQ(object.size(), 1U);
    EXPECT_EQ(object.begin()->key(), tricky);
    EXPECT_EQ(object.begin()->value().as_string(), tricky);
}

}  // namespace
