// The identity settings as `trader` parses them from TRADER_* variables.
#include <gtest/gtest.h>

#include "app/config.hpp"

namespace {

using namespace std::chrono_literals;

TEST(identity_settings, defaults_match_docs_security) {
    auto c = app::load_config({});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->refresh_token_ttl, 30 * 24h);
    EXPECT_EQ(c->email_token_ttl, 24h);
    EXPECT_EQ(c->password_reset_ttl, 1h);
    EXPECT_EQ(c->login_account_burst, 5);
    EXPECT_EQ(c->login_account_interval, 1min);
    EXPECT_EQ(c->auth_address_burst, 30);
    EXPECT_EQ(c->auth_address_interval, 2s);
}

TEST(identity_settings, lifetimes_take_day_and_hour_units) {
    auto c = app::load_config(
        {{"TRADER_REFRESH_TOKEN_TTL", "7d"},
         {"TRADER_EMAIL_TOKEN_TTL", "12h"},
         {"TRADER_PASSWORD_RESET_TTL", "90s"},
         {"TRADER_LOGIN_ACCOUNT_INTERVAL", "30s"},
         {"TRADER_AUTH_ADDRESS_BURST", "100"}}
    );
    ASSERT_TRUE(c) << c.error().detail;
    EXPECT_EQ(c->refresh_token_ttl, 7 * 24h);
    EXPECT_EQ(c->email_token_ttl, 12h);
    EXPECT_EQ(c->password_reset_ttl, 90s);
    EXPECT_EQ(c->login_account_interval, 30s);
    EXPECT_EQ(c->auth_address_burst, 100);
    EXPECT_NE(app::describe(*c).find("TRADER_REFRESH_TOKEN_TTL=604800s"), std::string::npos);
}

TEST(identity_settings, refuses_lifetimes_out_of_range_naming_the_variable) {
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"TRADER_REFRESH_TOKEN_TTL", "2y"},
             {"TRADER_REFRESH_TOKEN_TTL", "30s"},
             {"TRADER_REFRESH_TOKEN_TTL", "400d"},
             {"TRADER_PASSWORD_RESET_TTL", "2d"},
             {"TRADER_EMAIL_TOKEN_TTL", "d"},
             {"TRADER_LOGIN_ACCOUNT_BURST", "0"},
             {"TRADER_AUTH_ADDRESS_INTERVAL", "soon"}}) {
        auto c = app::load_config({{name, value}});
        ASSERT_FALSE(c) << name << "=" << value;
        EXPECT_TRUE(c.error().detail.starts_with(name)) << c.error().detail;
    }
}

}  // namespace
