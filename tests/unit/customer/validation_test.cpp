// Request bodies of the customer routes: every rule reported with its JSON pointer, PATCH
// semantics, and the rating aggregate's rounding.
#include "modules/customer/validation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>

namespace {

using customer::parse_address;
using customer::parse_address_patch;
using customer::parse_review;
using customer::parse_review_patch;

bool names(const core::error& e, const std::string& pointer) {
    return std::any_of(e.fields.begin(), e.fields.end(), [&](const core::field_error& f) {
        return f.pointer == pointer;
    });
}

const char* valid_address =
    R"({"label": "Home", "name": "Ada", "line1": "Main St 1", "city": "Berlin", "country": "DE",
        "location": {"lat": -90, "lng": 180}})";

TEST(customer_validation, accepts_an_address_at_the_edges_of_the_coordinate_ranges) {
    auto a = parse_address(boost::json::parse(valid_address));
    ASSERT_TRUE(a) << a.error().detail;
    EXPECT_EQ(a->location.lat, -90);
    EXPECT_EQ(a->location.lng, 180);
    EXPECT_FALSE(a->is_default);
    EXPECT_FALSE(a->line2);
}

TEST(customer_validation, reports_every_broken_address_field_with_its_pointer) {
    auto a = parse_address(boost::json::parse(
        R"({"label": "", "name": null, "line1": " ", "city": "B", "country": "de",
            "phone": "12345", "location": {"lat": 91, "lng": null}, "extra": 1})"
    ));
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, core::errc::invalid);
    for (const auto* p :
         {"/label", "/name", "/line1", "/country", "/phone", "/location/lat", "/location/lng",
          "/extra"}) {
        EXPECT_TRUE(names(a.error(), p)) << p;
    }
    EXPECT_FALSE(names(a.error(), "/city"));
}

TEST(customer_validation, an_address_without_a_complete_location_is_refused) {
    for (const auto* body :
         {R"({"label": "H", "name": "A", "line1": "L", "city": "C", "country": "DE"})",
          R"({"label": "H", "name": "A", "line1": "L", "city": "C", "country": "DE", "location": {}})",
          R"({"label": "H", "name": "A", "line1": "L", "city": "C", "country": "DE", "location": [1, 2]})",
          R"({"label": "H", "name": "A", "line1": "L", "city": "C", "country": "DE", "location": {"lat": 1}})"}) {
        SCOPED_TRACE(body);
        auto a = parse_address(boost::json::parse(body));
        ASSERT_FALSE(a);
    }
}

TEST(customer_validation, an_address_patch_keeps_absent_fields_and_clears_nullable_ones) {
    auto p = parse_address_patch(boost::json::parse(R"({"line2": null, "is_default": true})"));
    ASSERT_TRUE(p) << p.error().detail;
    EXPECT_TRUE(p->line2.present);
    EXPECT_FALSE(p->line2.value);
    EXPECT_FALSE(p->phone.present);
    EXPECT_FALSE(p->label);
    EXPECT_EQ(p->is_default, true);

    auto unset = parse_address_patch(boost::json::parse(R"({"is_default": false})"));
    ASSERT_FALSE(unset);
    EXPECT_TRUE(names(unset.error(), "/is_default"));
    auto cleared = parse_address_patch(boost::json::parse(R"({"city": null, "location": null})"));
    ASSERT_FALSE(cleared);
    EXPECT_TRUE(names(cleared.error(), "/city"));
    EXPECT_TRUE(names(cleared.error(), "/location"));
}

TEST(customer_validation, a_review_needs_ids_a_rating_of_one_to_five_and_a_body) {
    auto ok = parse_review(boost::json::parse(
        R"({"order_id": "ord_01j9zq3m4v5x6y7z8a9b0c1d2e", "product_id": "prod_01j9zq3m4v5x6y7z8a9b0c1d2e",
            "rating": 5, "body": "Good."})"
    ));
    ASSERT_TRUE(ok) << ok.error().detail;
    EXPECT_EQ(ok->rating, 5);
    EXPECT_FALSE(ok->title);

    auto bad = parse_review(boost::json::parse(
        R"({"order_id": "prod_01j9zq3m4v5x6y7z8a9b0c1d2e", "product_id": "x", "rating": 0,
            "title": "", "body": "  "})"
    ));
    ASSERT_FALSE(bad);
    for (const auto* p : {"/order_id", "/product_id", "/rating", "/title", "/body"}) {
        EXPECT_TRUE(names(bad.error(), p)) << p;
    }
}

TEST(customer_validation, a_review_patch_may_clear_the_title_but_not_the_body) {
    auto p = parse_review_patch(boost::json::parse(R"({"title": null})"));
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->title.present);
    EXPECT_FALSE(p->empty());
    EXPECT_TRUE(parse_review_patch(boost::json::parse("{}"))->empty());
    auto bad = parse_review_patch(boost::json::parse(R"({"body": null, "rating": 6})"));
    ASSERT_FALSE(bad);
    EXPECT_TRUE(names(bad.error(), "/body"));
    EXPECT_TRUE(names(bad.error(), "/rating"));
}

TEST(customer_validation, rating_averages_are_rounded_to_two_decimals) {
    EXPECT_EQ((customer::rating_aggregate{.sum = 0, .count = 0}.average()), 0.0);
    EXPECT_EQ((customer::rating_aggregate{.sum = 13, .count = 3}.average()), 4.33);
    EXPECT_EQ((customer::rating_aggregate{.sum = 5, .count = 3}.average()), 1.67);
    EXPECT_EQ((customer::rating_aggregate{.sum = 7, .count = 2}.average()), 3.5);
}

TEST(customer_validation, phone_and_country_formats) {
    EXPECT_TRUE(customer::is_phone("+4930123456"));
    EXPECT_FALSE(customer::is_phone("030123456"));
    EXPECT_FALSE(customer::is_phone("+0123456789"));
    EXPECT_TRUE(customer::is_country("DE"));
    EXPECT_FALSE(customer::is_country("de"));
    EXPECT_FALSE(customer::is_country("DEU"));
}

}  // namespace
