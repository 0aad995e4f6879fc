// The social sign-in settings as `trader` parses them from TRADER_* variables.
#include <gtest/gtest.h>

#include "app/config.hpp"

namespace {

using env = std::map<std::string, std::string>;

env google() {
    return {
        {"TRADER_GOOGLE_CLIENT_ID", "123.apps.googleusercontent.com"},
        {"TRADER_GOOGLE_CLIENT_SECRET", "GOCSPX-secret"},
        {"TRADER_OAUTH_REDIRECT_BASE", "https://api.trader.example/"},
    };
}

TEST(oauth_settings, providers_are_off_by_default) {
    auto c = app::load_config({});
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->google_client_id.empty());
    EXPECT_TRUE(c->facebook_app_id.empty());
    EXPECT_EQ(c->google_issuer, "https://accounts.google.com");
    EXPECT_EQ(c->oauth_state_ttl, std::chrono::minutes{10});
}

TEST(oauth_settings, an_enabled_provider_needs_its_secret_and_the_redirect_base) {
    auto c = app::load_config(google());
    ASSERT_TRUE(c) << c.error().detail;
    EXPECT_EQ(c->oauth_redirect_base, "https://api.trader.example");
    for (const auto* missing : {"TRADER_GOOGLE_CLIENT_SECRET", "TRADER_OAUTH_REDIRECT_BASE"}) {
        auto e = google();
        e.erase(missing);
        auto refused = app::load_config(e);
        ASSERT_FALSE(refused) << missing;
        EXPECT_TRUE(refused.error().detail.starts_with(missing)) << refused.error().detail;
    }
    auto fb = app::load_config(
        {{"TRADER_FACEBOOK_APP_ID", "1234"}, {"TRADER_OAUTH_REDIRECT_BASE", "https://x.example"}}
    );
    ASSERT_FALSE(fb);
    EXPECT_TRUE(fb.error().detail.starts_with("TRADER_FACEBOOK_APP_SECRET"));
}

TEST(oauth_settings, another_openid_provider_needs_a_name_and_an_issuer) {
    env e{
        {"TRADER_OIDC_CLIENT_ID", "trader"},
        {"TRADER_OIDC_CLIENT_SECRET", "s"},
        {"TRADER_OAUTH_REDIRECT_BASE", "https://x.example"}};
    auto refused = app::load_config(e);
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().detail.starts_with("TRADER_OIDC_NAME"));
    e["TRADER_OIDC_NAME"] = "acme";
    e["TRADER_OIDC_ISSUER"] = "https://login.acme.example/tenant/";
    e["TRADER_OIDC_TOKEN_AUTH"] = "client_secret_post";
    auto c = app::load_config(e);
    ASSERT_TRUE(c) << c.error().detail;
    EXPECT_EQ(c->oidc_issuer, "https://login.acme.example/tenant/") << "compared exactly with iss";
    for (const auto* bad : {"google", "facebook", "Acme", "a/b", ""}) {
        auto named = e;
        named["TRADER_OIDC_NAME"] = bad;
        EXPECT_FALSE(app::load_config(named)) << bad;
    }
    e["TRADER_OIDC_TOKEN_AUTH"] = "private_key_jwt";
    EXPECT_FALSE(app::load_config(e));
}

TEST(oauth_settings, allowed_redirects_are_absolute_urls_without_fragment) {
    auto e = google();
    e["TRADER_OAUTH_ALLOWED_REDIRECTS"] = "https://app.example/signed-in, trader://oauth";
    auto c = app::load_config(e);
    ASSERT_TRUE(c) << c.error().detail;
    EXPECT_EQ(
        c->oauth_allowed_redirects,
        (std::vector<std::string>{"https://app.example/signed-in", "trader://oauth"})
    );
    for (const auto* bad : {"/relative", "https://app.example/#x", "app.example"}) {
        e["TRADER_OAUTH_ALLOWED_REDIRECTS"] = bad;
        EXPECT_FALSE(app::load_config(e)) << bad;
    }
}

TEST(oauth_settings, secrets_are_redacted) {
    auto e = google();
    e["TRADER_FACEBOOK_APP_ID"] = "1234";
    e["TRADER_FACEBOOK_APP_SECRET"] = "fb-secret";
    auto c = app::load_config(e);
    ASSERT_TRUE(c) << c.error().detail;
    auto text = app::describe(*c);
    EXPECT_EQ(text.find("GOCSPX-secret"), std::string::npos);
    EXPECT_EQ(text.find("fb-secret"), std::string::npos);
    EXPECT_NE(text.find("TRADER_GOOGLE_CLIENT_SECRET=<redacted>"), std::string::npos);
}

}  // namespace
