#include "modules/shopping/pricing.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "modules/shopping/delivery.hpp"

namespace {

using shopping::amounts;
using shopping::price;
using shopping::price_line;
using shopping::price_promotion;
using shopping::pricing_input;
using shopping::promotion_kind;
using shopping::promotion_outcome;

price_line line(std::string id, std::string vendor, std::int64_t unit, std::int64_t qty) {
    return {
        .line_id = std::move(id),
        .vendor_id = std::move(vendor),
        .unit_amount = unit,
        .quantity = qty};
}

price_promotion percent(std::string id, std::int64_t pct, std::optional<std::string> vendor = {}) {
    return {
        .id = std::move(id),
        .kind = promotion_kind::percentage,
        .percent_off = pct,
        .vendor_id = std::move(vendor)};
}

price_promotion fixed(std::string id, std::int64_t amount, std::optional<std::string> vendor = {}) {
    return {
        .id = std::move(id),
        .kind = promotion_kind::fixed_amount,
        .amount_off = amount,
        .vendor_id = std::move(vendor)};
}

void expect_consistent(const shopping::priced_cart& c) {
    amounts sum;
    for (const auto& v : c.vendors) {
        amounts lines;
        for (const auto& l : v.lines) {
            EXPECT_EQ(l.totals.delivery, 0);
            EXPECT_EQ(l.totals.total, l.totals.subtotal - l.totals.discount);
            EXPECT_GE(l.totals.total, 0);
            lines.subtotal += l.totals.subtotal;
            lines.discount += l.totals.discount;
            lines.tax += l.totals.tax;
            lines.total += l.totals.total;
        }
        EXPECT_EQ(v.totals.subtotal, lines.subtotal);
        EXPECT_EQ(v.totals.discount, lines.discount);
        EXPECT_EQ(v.totals.total, lines.total + v.totals.delivery);
        EXPECT_GE(v.totals.tax, lines.tax);
        sum.subtotal += v.totals.subtotal;
        sum.discount += v.totals.discount;
        sum.delivery += v.totals.delivery;
        sum.tax += v.totals.tax;
        sum.total += v.totals.total;
    }
    EXPECT_EQ(c.totals.subtotal, sum.subtotal);
    EXPECT_EQ(c.totals.discount, sum.discount);
    EXPECT_EQ(c.totals.delivery, sum.delivery);
    EXPECT_EQ(c.totals.tax, sum.tax);
    EXPECT_EQ(c.totals.total, sum.total);
    EXPECT_EQ(c.totals.total, c.totals.subtotal - c.totals.discount + c.totals.delivery);
}

TEST(pricing, empty_cart_is_all_zero) {
    auto c = price(pricing_input{});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->totals.total, 0);
    EXPECT_TRUE(c->vendors.empty());
}

TEST(pricing, sums_lines_per_vendor_in_vendor_order_with_delivery) {
    pricing_input in;
    in.lines = {
        line("l1", "vnd_b", 1000, 2), line("l2", "vnd_a", 250, 3), line("l3", "vnd_b", 1, 1)};
    in.delivery_fees = {{"vnd_a", 299}, {"vnd_b", 499}};
    auto c = price(in);
    ASSERT_TRUE(c);
    ASSERT_EQ(c->vendors.size(), 2U);
    EXPECT_EQ(c->vendors[0].vendor_id, "vnd_a");
    EXPECT_EQ(c->vendors[0].totals.subtotal, 750);
    EXPECT_EQ(c->vendors[0].totals.total, 750 + 299);
    EXPECT_EQ(c->vendors[1].totals.subtotal, 2001);
    EXPECT_EQ(c->totals.subtotal, 2751);
    EXPECT_EQ(c->totals.delivery, 798);
    EXPECT_EQ(c->totals.total, 2751 + 798);
    expect_consistent(*c);
}

TEST(pricing, percentage_is_rounded_once_and_allocated_by_largest_remainder) {
    pricing_input in;
    // 10 % of 3 x 333 = 99.9 -> 100, spread 34/33/33 (the first has the earliest tie).
    in.lines = {
        line("l1", "vnd_a", 333, 1), line("l2", "vnd_b", 333, 1), line("l3", "vnd_c", 333, 1)};
    in.promotions = {percent("p", 10)};
    auto c = price(in);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->totals.discount, 100);
    EXPECT_EQ(c->promotions[0].discount, 100);
    EXPECT_EQ(c->vendors[0].totals.discount, 34);
    EXPECT_EQ(c->vendors[1].totals.discount, 33);
    EXPECT_EQ(c->vendors[2].totals.discount, 33);
    expect_consistent(*c);
}

TEST(pricing, half_up_rounding_of_percentages) {
    EXPECT_EQ(shopping::scale_half_up(5, 10, 100), 1);   // 0.5 -> 1
    EXPECT_EQ(shopping::scale_half_up(4, 10, 100), 0);   // 0.4 -> 0
    EXPECT_EQ(shopping::scale_half_up(15, 10, 100), 2);  // 1.5 -> 2
    EXPECT_EQ(shopping::scale_half_up(1'000'000'000'000, 100, 100), 1'000'000'000'000);
}

TEST(pricing, allocation_never_loses_or_invents_a_unit) {
    std::mt19937_64 rng{42};
    for (int round = 0; round < 2000; ++round) {
        std::vector<std::int64_t> weights(1 + rng() % 7);
        for (auto& w : weights) {
            w = static_cast<std::int64_t>(rng() % 100000);
        }
        auto sum = std::accumulate(weights.begin(), weights.end(), std::int64_t{0});
        auto total =
            sum == 0 ? 0 : static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(sum + 1));
        auto parts = shopping::allocate(total, weights);
        EXPECT_EQ(std::accumulate(parts.begin(), parts.end(), std::int64_t{0}), total);
        for (std::size_t i = 0; i < parts.size(); ++i) {
            EXPECT_GE(parts[i], 0);
            EXPECT_LE(parts[i], weights[i]) << "a share above its line";
        }
    }
}

TEST(pricing, fixed_amount_is_capped_at_the_subtotal) {
    pricing_input in;
    in.lines = {line("l1", "vnd_a", 300, 1), line("l2", "vnd_a", 100, 1)};
    in.promotions = {fixed("p", 1000)};
    auto c = price(in);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->totals.discount, 400);
    EXPECT_EQ(c->totals.total, 0);
    expect_consistent(*c);
}

TEST(pricing, vendor_promotion_touches_only_that_vendor) {
    pricing_input in;
    in.lines = {line("l1", "vnd_a", 1000, 1), line("l2", "vnd_b", 1000, 1)};
    in.promotions = {percent("p", 50, "vnd_b"), percent("q", 50, "vnd_c")};
    auto c = price(in);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->vendors[0].totals.discount, 0);
    EXPECT_EQ(c->vendors[1].totals.discount, 500);
    EXPECT_EQ(c->promotions[1].outcome, promotion_outcome::not_in_cart);
    expect_consistent(*c);
}

TEST(pricing, minimum_subtotal_is_of_the_scope_before_discounts) {
    pricing_input in;
    in.lines = {line("l1", "vnd_a", 1000, 1), line("l2", "vnd_b", 500, 1)};
    auto p = fixed("p", 100, "vnd_b");
    p.minimum_subtotal = 600;
    auto q = fixed("q", 100);
    q.minimum_subtotal = 1500;
    in.promotions = {q, p};
    auto c = price(in);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->promotions[0].outcome, promotion_outcome::applied);
    EXPECT_EQ(c->promotions[1].outcome, promotion_outcome::below_minimum);
    EXPECT_EQ(c->totals.discount, 100);
    expect_consistent(*c);
}

TEST(pricing, stacked_promotions_apply_to_what_is_left) {
    pricing_input in;
    in.lines = {line("l1", "vnd_a", 1000, 1)};
    in.promotions = {percent("p", 50), fixed("q", 300), percent("r", 100)};
    auto c = price(in);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->promotions[0].discount, 500);
    EXPECT_EQ(c->promotions[1].discount, 300);
    EXPECT_EQ(c->promotions[2].discount, 200);
    EXPECT_EQ(c->totals.total, 0);
    expect_consistent(*c);
}

TEST(pricing, free_delivery_waives_fees_in_scope) {
    pricing_input in;
    in.lines = {line("l1", "vnd_a", 1000, 1), line("l2", "vnd_b", 1000, 1)};
    in.delivery_fees = {{"vnd_a", 299}, {"vnd_b", 499}};
    price_promotion free{.id = "f", .kind = promotion_kind::free_delivery, .vendor_id = "vnd_b"};
    in.promotions = {free};
    auto c = price(in);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->vendors[0].totals.delivery, 299);
    EXPECT_EQ(c->vendors[1].totals.delivery, 0);
    EXPECT_TRUE(c->vendors[1].delivery_waived);
    EXPECT_EQ(c->promotions[0].delivery_waived, 499);
    EXPECT_EQ(c->totals.discount, 0);
    EXPECT_EQ(c->totals.total, 2000 + 299);
    expect_consistent(*c);
}

TEST(pricing, tax_is_included_and_computed_per_line_and_fee) {
    pricing_input in;
    in.tax_rate_bps = 1900;  // 19 %
    in.lines = {line("l1", "vnd_a", 1190, 1), line("l2", "vnd_a", 119, 1)};
    in.delivery_fees = {{"vnd_a", 595}};
    auto c = price(in);
    ASSERT_TRUE(c);
    // 1190 contains 190, 119 contains 19, 595 contains 95.
    EXPECT_EQ(c->totals.tax, 190 + 19 + 95);
    EXPECT_EQ(c->totals.total, 1190 + 119 + 595);
    expect_consistent(*c);
}

TEST(pricing, random_carts_always_add_up) {
    std::mt19937_64 rng{7};
    for (int round = 0; round < 500; ++round) {
        pricing_input in;
        in.tax_rate_bps = static_cast<std::int64_t>(rng() % 2500);
        auto lines = 1 + rng() % 8;
        for (std::size_t i = 0; i < lines; ++i) {
            in.lines.push_back(line(
                "l" + std::to_string(i), "vnd_" + std::to_string(rng() % 3),
                static_cast<std::int64_t>(rng() % 100000), 1 + static_cast<std::int64_t>(rng() % 99)
            ));
        }
        for (int v = 0; v < 3; ++v) {
            in.delivery_fees["vnd_" + std::to_string(v)] = static_cast<std::int64_t>(rng() % 1000);
        }
        in.promotions = {
            percent("p", 1 + static_cast<std::int64_t>(rng() % 100), "vnd_1"),
            fixed("q", static_cast<std::int64_t>(rng() % 50000))};
        auto c = price(in);
        ASSERT_TRUE(c);
        expect_consistent(*c);
    }
}

TEST(pricing, refuses_overflow_and_bad_input) {
    pricing_input in;
    in.lines = {line("l1", "vnd_a", std::numeric_limits<std::int64_t>::max() / 2, 3)};
    EXPECT_FALSE(price(in));
    in.lines = {line("l1", "vnd_a", -1, 1)};
    EXPECT_FALSE(price(in));
    in.lines = {line("l1", "vnd_a", 1, 0)};
    EXPECT_FALSE(price(in));
    in.lines = {line("l1", "vnd_a", 1, 1)};
    in.tax_rate_bps = 10001;
    EXPECT_FALSE(price(in));
}

TEST(pricing, totals_json_names_every_amount) {
    auto j = shopping::totals_json(amounts{1, 2, 3, 4, 5}, "EUR");
    EXPECT_EQ(j.at("subtotal").at("amount").as_int64(), 1);
    EXPECT_EQ(j.at("discount").at("amount").as_int64(), 2);
    EXPECT_EQ(j.at("delivery").at("amount").as_int64(), 3);
    EXPECT_EQ(j.at("tax").at("amount").as_int64(), 4);
    EXPECT_EQ(j.at("total").at("amount").as_int64(), 5);
    EXPECT_EQ(j.at("total").at("currency").as_string(), "EUR");
}

TEST(delivery, parses_fee_bands) {
    auto t = shopping::parse_delivery_fees("3:299, 8:499,15.5:799");
    ASSERT_TRUE(t);
    ASSERT_EQ(t->size(), 3U);
    EXPECT_DOUBLE_EQ((*t)[2].max_km, 15.5);
    EXPECT_EQ((*t)[2].fee, 799);
    EXPECT_TRUE(shopping::parse_delivery_fees("")->empty());
    EXPECT_FALSE(shopping::parse_delivery_fees("3:299,2:100"));
    EXPECT_FALSE(shopping::parse_delivery_fees("3-299"));
    EXPECT_FALSE(shopping::parse_delivery_fees("0:299"));
    EXPECT_FALSE(shopping::parse_delivery_fees("3:-1"));
    EXPECT_FALSE(shopping::parse_delivery_fees("3:2.5"));
}

TEST(delivery, fee_by_haversine_distance) {
    vendor::location berlin{52.5200, 13.4050};
    vendor::location potsdam{52.3906, 13.0645};
    auto km = shopping::distance_km(berlin, potsdam);
    EXPECT_NEAR(km, 27.0, 0.5);
    EXPECT_NEAR(shopping::distance_km(berlin, berlin), 0.0, 1e-9);
    auto table = *shopping::parse_delivery_fees("3:299,8:499,30:799");
    EXPECT_EQ(shopping::delivery_fee(table, 0), 299);
    EXPECT_EQ(shopping::delivery_fee(table, 3.0), 299);
    EXPECT_EQ(shopping::delivery_fee(table, 3.01), 499);
    EXPECT_EQ(shopping::delivery_fee(table, km), 799);
    EXPECT_EQ(shopping::delivery_fee(table, 30.5), std::nullopt);
}

}  // namespace
