#include "core/money.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace {

core::currency cur(std::string_view code) { return *core::currency::parse(code); }

TEST(currency, knows_iso_codes_and_exponents) {
    EXPECT_EQ(cur("EUR").exponent(), 2);
    EXPECT_EQ(cur("JPY").exponent(), 0);
    EXPECT_EQ(cur("KWD").exponent(), 3);
    EXPECT_FALSE(core::currency::parse("eur"));
    EXPECT_FALSE(core::currency::parse("XXX"));
    EXPECT_FALSE(core::currency::parse("EURO"));
}

TEST(money, adds_and_refuses_mixed_currencies) {
    core::money a{1999, cur("EUR")};
    core::money b{1, cur("EUR")};
    EXPECT_EQ(a.plus(b)->amount(), 2000);
    EXPECT_EQ(a.minus(b)->amount(), 1998);
    auto mixed = a.plus(core::money{1, cur("USD")});
    ASSERT_FALSE(mixed);
    EXPECT_EQ(mixed.error().code, core::errc::invalid);
}

TEST(money, detects_overflow) {
    core::money big{std::numeric_limits<std::int64_t>::max(), cur("EUR")};
    EXPECT_FALSE(big.plus(core::money{1, cur("EUR")}));
    EXPECT_FALSE(big.times(2));
    core::money small{std::numeric_limits<std::int64_t>::min(), cur("EUR")};
    EXPECT_FALSE(small.minus(core::money{1, cur("EUR")}));
}

TEST(money, scales_half_away_from_zero) {
    core::money m{1005, cur("EUR")};
    EXPECT_EQ(m.scaled(1, 10)->amount(), 101);    // 100.5 -> 101
    EXPECT_EQ(m.scaled(-1, 10)->amount(), -101);  // -100.5 -> -101
    EXPECT_EQ(core::money(1004, cur("EUR")).scaled(1, 10)->amount(), 100);
    EXPECT_EQ(core::money(333, cur("EUR")).scaled(15, 100)->amount(), 50);  // 49.95 -> 50
    EXPECT_FALSE(m.scaled(1, 0));
}

}  // namespace
