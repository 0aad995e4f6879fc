#include "app/config.hpp"

#include <gtest/gtest.h>

namespace {

TEST(config, defaults_are_the_embedded_profile) {
    auto c = app::load_config({});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->port, 8080);
    EXPECT_EQ(c->host, "127.0.0.1");
    EXPECT_FALSE(c->uses_postgres());
    EXPECT_EQ(c->sqlite_path(), "./var/trader.db");
}

TEST(config, parses_typed_values) {
    auto c = app::load_config(
        {{"TRADER_PORT", "0"},
         {"TRADER_READ_TIMEOUT", "250ms"},
         {"TRADER_IDLE_TIMEOUT", "2m"},
         {"TRADER_ACCESS_LOG", "off"},
         {"TRADER_CORS_ORIGINS", "https://a.test, https://b.test"},
         {"TRADER_DATABASE_URL", "postgres://u:p@h/db"},
         {"TRADER_RATE_LIMIT_RPS", "5"}}
    );
    ASSERT_TRUE(c) << c.error().detail;
    EXPECT_EQ(c->port, 0);
    EXPECT_EQ(c->read_timeout, std::chrono::milliseconds(250));
    EXPECT_EQ(c->idle_timeout, std::chrono::minutes(2));
    EXPECT_FALSE(c->access_log);
    EXPECT_EQ(c->cors_origins.size(), 2U);
    EXPECT_TRUE(c->uses_postgres());
    EXPECT_DOUBLE_EQ(c->rate_limit_burst, 10);
}

TEST(config, names_the_bad_variable) {
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"TRADER_PORT", "abc"},
             {"TRADER_PORT", "70000"},
             {"TRADER_THREADS", "-1"},
             {"TRADER_READ_TIMEOUT", "5h"},
             {"TRADER_ACCESS_LOG", "maybe"},
             {"TRADER_DATABASE_URL", "mysql://x"},
             {"TRADER_LOG_LEVEL", "loud"},
             {"TRADER_CORS_ORIGINS", "ftp://x"},
             {"TRADER_NOT_A_SETTING", "1"}}) {
        auto c = app::load_config({{name, value}});
        ASSERT_FALSE(c) << name << "=" << value;
        EXPECT_TRUE(c.error().detail.starts_with(name)) << c.error().detail;
    }
}

TEST(config, redacts_secrets) {
    EXPECT_EQ(
        app::redact_url("postgres://user:pw@host:5432/db"), "postgres://user:***@host:5432/db"
    );
    EXPECT_EQ(app::redact_url("postgres://host/db"), "postgres://host/db");
    auto c = app::load_config({{"TRADER_DATABASE_URL", "postgres://user:pw@host/db"}});
    EXPECT_EQ(app::describe(*c).find("pw@"), std::string::npos);
    auto bad = app::load_config({{"TRADER_DATABASE_URL", "mysql://user:pw@host/db"}});
    EXPECT_EQ(bad.error().detail.find("pw"), std::string::npos);
}

}  // namespace
