// The vendor routes' request rules, checked without a server: each broken rule is reported with
// the pointer of the field that breaks it.
#include "modules/vendor/validation.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace {

using boost::json::parse;

std::vector<std::string> pointers(const core::error& e) {
    std::vector<std::string> out;
    for (const auto& f : e.fields) {
        out.push_back(f.pointer);
    }
    return out;
}

bool names(const core::error& e, const std::string& pointer, const std::string& code = "") {
    for (const auto& f : e.fields) {
        if (f.pointer == pointer && (code.empty() || f.code == code)) {
            return true;
        }
    }
    return false;
}

boost::json::object good_product() {
    return parse(R"({
        "title": "Classic Linen Shirt",
        "description": "Cool in summer.",
        "tags": ["summer", "linen"],
        "attributes": {"brand": "Nordhaus", "material": "linen", "weight_class": 2},
        "options": [{"name": "size", "values": ["S", "M"]}, {"name": "colour", "values": ["White"]}],
        "variants": [
            {"sku": "LIN-S-W", "options": {"size": "S", "colour": "White"},
             "prices": [{"currency": "EUR", "amount": 4999}, {"currency": "USD", "amount": 5499}],
             "compare_at_prices": [{"currency": "EUR", "amount": 5999}],
             "stock": 10, "weight_grams": 250},
            {"sku": "LIN-M-W", "options": {"size": "M", "colour": "White"},
             "prices": [{"currency": "EUR", "amount": 4999}], "stock": 0}
        ]
    })")
        .as_object();
}

TEST(product_validation, accepts_a_complete_product) {
    auto d = vendor::parse_product(good_product());
    ASSERT_TRUE(d) << (d ? "" : d.error().detail);
    EXPECT_EQ(d->title, "Classic Linen Shirt");
    ASSERT_EQ(d->variants.size(), 2U);
    EXPECT_EQ(d->variants[0].prices.size(), 2U);
    EXPECT_EQ(d->variants[0].compare_at_prices.size(), 1U);
    EXPECT_EQ(*d->variants[0].stock, 10);
    EXPECT_EQ(*d->variants[0].weight_grams, 250);
    EXPECT_EQ(d->options.size(), 2U);
}

TEST(product_validation, a_product_without_options_has_one_variant) {
    auto body = parse(R"({"title": "Mug", "variants": [
        {"sku": "MUG-1", "prices": [{"currency": "EUR", "amount": 1200}], "stock": 5}]})");
    ASSERT_TRUE(vendor::parse_product(body));
    auto two = parse(R"({"title": "Mug", "variants": [
        {"sku": "MUG-1", "prices": [{"currency": "EUR", "amount": 1200}], "stock": 5},
        {"sku": "MUG-2", "prices": [{"currency": "EUR", "amount": 1200}], "stock": 5}]})");
    auto bad = vendor::parse_product(two);
    ASSERT_FALSE(bad);
    EXPECT_TRUE(names(bad.error(), "/variants/1/options", "duplicate")) << bad.error().detail;
}

TEST(product_validation, rejects_bad_money) {
    auto body = good_product();
    auto& price = body["variants"].as_array()[0].as_object()["prices"].as_array()[0].as_object();
    price["amount"] = -1;
    auto e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/variants/0/prices/0/amount", "minimum"));

    price["amount"] = 19.99;
    e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/variants/0/prices/0/amount", "type"));

    price["amount"] = 4999;
    price["currency"] = "XYZ";
    e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/variants/0/prices/0/currency", "currency"));

    price["currency"] = "USD";  // now twice USD
    e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/variants/0/prices/1/currency", "duplicate"));
}

TEST(product_validation, compare_at_prices_need_a_price_in_their_currency) {
    auto body = good_product();
    auto& v = body["variants"].as_array()[1].as_object();
    v["compare_at_prices"] = parse(R"([{"currency": "USD", "amount": 100}])");
    auto e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/variants/1/compare_at_prices/0/currency", "unmatched"));
}

TEST(product_validation, rejects_duplicate_skus_and_bad_option_values) {
    auto body = good_product();
    auto& variants = body["variants"].as_array();
    variants[1].as_object()["sku"] = "LIN-S-W";
    auto e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/variants/1/sku", "duplicate"));

    body = good_product();
    body["variants"].as_array()[0].as_object()["options"] =
        parse(R"({"size": "XL", "colour": "White"})");
    e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/variants/0/options/size", "unknown_value"));

    body = good_product();
    body["variants"].as_array()[0].as_object()["options"] =
        parse(R"({"size": "S", "fit": "slim"})");
    e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/variants/0/options/fit", "unknown_option"));
    EXPECT_TRUE(names(e.error(), "/variants/0/options/colour", "required"));
}

TEST(product_validation, enforces_limits) {
    auto body = good_product();
    body["title"] = std::string(201, 'x');
    body["tags"] = parse(R"(["a", "a"])");
    body["options"].as_array().push_back(parse(R"({"name": "fit", "values": ["slim"]})"));
    body["options"].as_array().push_back(parse(R"({"name": "cut", "values": ["long"]})"));
    auto e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/title", "max_length"));
    EXPECT_TRUE(names(e.error(), "/tags/1", "duplicate"));
    EXPECT_TRUE(names(e.error(), "/options", "max_items"));

    body = good_product();
    boost::json::array many;
    for (int i = 0; i < 101; ++i) {
        many.push_back(body["variants"].as_array()[0]);
    }
    body["variants"] = many;
    e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/variants", "max_items"));
}

TEST(product_validation, rejects_unknown_fields_and_bad_attributes) {
    auto body = good_product();
    body["colour"] = "red";
    body["attributes"] = parse(R"({"brand": ["a"], "": "x"})");
    body["variants"].as_array()[0].as_object()["price"] = 1;
    auto e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/colour"));
    EXPECT_TRUE(names(e.error(), "/attributes/brand", "type"));
    EXPECT_TRUE(names(e.error(), "/attributes/", "key"));
    EXPECT_TRUE(names(e.error(), "/variants/0/price"));
}

TEST(product_validation, category_ids_must_look_like_categories) {
    auto body = good_product();
    body["category_id"] = "shirts";
    auto e = vendor::parse_product(body);
    ASSERT_FALSE(e);
    EXPECT_TRUE(names(e.error(), "/category_id", "not_found"));
}

TEST(product_patch_validation, reads_partial_updates) {
    auto p =
        vendor::parse_product_patch(parse(R"({"title": "New", "category_id": null, "tags": null})")
        );
    ASSERT_TRUE(p);
    EXPECT_EQ(*p->title, "New");
    EXPECT_TRUE(p->category_id.present);
    EXPECT_FALSE(p->category_id.value);
    ASSERT_TRUE(p->tags);
    EXPECT_TRUE(p->tags->empty());
    EXPECT_FALSE(p->variants);
    EXPECT_FALSE(vendor::parse_product_patch(parse("{}"))->variants);
    EXPECT_TRUE(vendor::parse_product_patch(parse("{}"))->empty());
}

TEST(product_patch_validation, refuses_to_clear_required_fields) {
    auto p = vendor::parse_product_patch(parse(R"({"title": null, "variants": null})"));
    ASSERT_FALSE(p);
    EXPECT_EQ(pointers(p.error()), (std::vector<std::string>{"/title", "/variants"}));
}

TEST(product_patch_validation, variant_stock_is_optional_in_a_patch) {
    auto p = vendor::parse_product_patch(parse(R"({"variants": [
        {"sku": "A-1", "prices": [{"currency": "EUR", "amount": 100}]}]})"));
    ASSERT_TRUE(p);
    EXPECT_FALSE((*p->variants)[0].stock);
}

TEST(application_validation, needs_a_name_and_a_pickup_address) {
    auto ok = vendor::parse_application(parse(R"({
        "name": "Kreuzberg Coffee", "contact_email": " Shop@Example.COM ",
        "pickup_address": {"line1": "Oranienstr. 1", "city": "Berlin", "country": "DE",
                           "lat": 52.5, "lng": 13.4},
        "payout": {"iban": "DE00"}})"));
    ASSERT_TRUE(ok) << ok.error().detail;
    EXPECT_EQ(*ok->contact_email, "shop@example.com");
    EXPECT_DOUBLE_EQ(ok->pickup.lat, 52.5);

    auto bad = vendor::parse_application(parse(R"({
        "name": " ", "contact_phone": "030 123", "contact_email": "nope",
        "pickup_address": {"line1": "x", "city": "Berlin", "country": "de", "lat": 91, "lng": -181},
        "payout": "cash"})"));
    ASSERT_FALSE(bad);
    const auto& e = bad.error();
    EXPECT_TRUE(names(e, "/name", "blank"));
    EXPECT_TRUE(names(e, "/contact_phone", "format"));
    EXPECT_TRUE(names(e, "/contact_email", "format"));
    EXPECT_TRUE(names(e, "/pickup_address/country", "pattern"));
    EXPECT_TRUE(names(e, "/pickup_address/lat", "maximum"));
    EXPECT_TRUE(names(e, "/pickup_address/lng", "minimum"));
    EXPECT_TRUE(names(e, "/payout", "type"));

    auto missing = vendor::parse_application(parse(R"({"name": "Shop"})"));
    ASSERT_FALSE(missing);
    EXPECT_TRUE(names(missing.error(), "/pickup_address", "required"));
}

TEST(stock_validation, takes_exactly_one_of_stock_and_adjustment) {
    EXPECT_TRUE(vendor::parse_stock_change(parse(R"({"stock": 5})")));
    EXPECT_TRUE(vendor::parse_stock_change(parse(R"({"adjustment": -5})")));
    EXPECT_FALSE(vendor::parse_stock_change(parse(R"({})")));
    EXPECT_FALSE(vendor::parse_stock_change(parse(R"({"stock": 5, "adjustment": 1})")));
    EXPECT_FALSE(vendor::parse_stock_change(parse(R"({"stock": -1})")));
}

TEST(plain_checks, recognise_skus_emails_phones_and_countries) {
    EXPECT_TRUE(vendor::is_sku("ABC-123_x.1"));
    EXPECT_FALSE(vendor::is_sku("-ABC"));
    EXPECT_FALSE(vendor::is_sku("A B"));
    EXPECT_TRUE(vendor::is_email("a.b+c@example.co.uk"));
    EXPECT_FALSE(vendor::is_email("a@b"));
    EXPECT_FALSE(vendor::is_email("a@@b.de"));
    EXPECT_TRUE(vendor::is_phone("+4930123456"));
    EXPECT_FALSE(vendor::is_phone("+0301234567"));
    EXPECT_TRUE(vendor::is_country("DE"));
    EXPECT_FALSE(vendor::is_country("De"));
}

}  // namespace
