// What the social sign-in clients send and how they read answers: client authentication at an
// OpenID token endpoint, Facebook's appsecret_proof and Graph's debug_token and /me bodies.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/worker_pool.hpp"
#include "integrations/facebook/client.hpp"
#include "integrations/oidc/client.hpp"

namespace {

using integrations::oidc::client_auth;

integrations::oidc::code_grant grant(client_auth auth) {
    return integrations::oidc::code_grant{
        .token_endpoint = "https://op.example/token",
        .code = "the code",
        .redirect_uri = "https://trader.example/api/v1/auth/oauth/acme/callback",
        .code_verifier = "verifier-0123456789-0123456789-0123456789-0123",
        .client_id = "trader web",
        .client_secret = "s3cr:t",
        .auth = auth,
    };
}

TEST(oidc_client, client_secret_basic_sends_form_encoded_credentials_in_the_header) {
    core::worker_pool pool{1};
    integrations::oidc::client c{pool, std::chrono::seconds(5)};
    auto r = c.token_request(grant(client_auth::secret_basic));
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.url, "https://op.example/token");
    EXPECT_EQ(r.basic_user, "trader%20web");
    EXPECT_EQ(r.basic_password, "s3cr%3At");
    EXPECT_EQ(r.body.find("client_secret"), std::string::npos);
    EXPECT_NE(r.body.find("grant_type=authorization_code"), std::string::npos);
    EXPECT_NE(r.body.find("code=the%20code"), std::string::npos);
    EXPECT_NE(
        r.body.find("code_verifier=verifier-0123456789-0123456789-0123456789-0123"),
        std::string::npos
    );
    EXPECT_NE(
        r.body.find("redirect_uri=https%3A%2F%2Ftrader.example%2Fapi%2Fv1%2Fauth%2Foauth%2Facme"),
        std::string::npos
    );
}

TEST(oidc_client, client_secret_post_sends_credentials_in_the_body) {
    core::worker_pool pool{1};
    integrations::oidc::client c{pool, std::chrono::seconds(5)};
    auto r = c.token_request(grant(client_auth::secret_post));
    EXPECT_TRUE(r.basic_user.empty());
    EXPECT_NE(r.body.find("client_id=trader%20web"), std::string::npos);
    EXPECT_NE(r.body.find("client_secret=s3cr%3At"), std::string::npos);
}

TEST(facebook_client, appsecret_proof_is_hex_hmac_sha256_of_the_token) {
    // RFC 4231 test case 2.
    EXPECT_EQ(
        integrations::facebook::client::appsecret_proof("Jefe", "what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

TEST(facebook_client, reads_debug_token_answers) {
    auto valid = integrations::facebook::parse_token_info(
        R"({"data":{"app_id":"138483919580948","type":"USER","is_valid":true,"user_id":"1207059"}})"
    );
    ASSERT_TRUE(valid) << valid.error().detail;
    EXPECT_TRUE(valid->is_valid);
    EXPECT_EQ(valid->app_id, "138483919580948");
    EXPECT_EQ(valid->user_id, "1207059");
    auto numbers = integrations::facebook::parse_token_info(
        R"({"data":{"app_id":138483919580948,"is_valid":true,"user_id":1207059}})"
    );
    ASSERT_TRUE(numbers);
    EXPECT_EQ(numbers->app_id, "138483919580948");
    auto invalid = integrations::facebook::parse_token_info(
        R"({"data":{"is_valid":false,"error":{"code":190,"message":"expired"}}})"
    );
    ASSERT_TRUE(invalid);
    EXPECT_FALSE(invalid->is_valid);
    EXPECT_FALSE(integrations::facebook::parse_token_info(R"({"error":{}})"));
    EXPECT_FALSE(integrations::facebook::parse_token_info("<html>"));
}

TEST(facebook_client, reads_me_answers) {
    auto p = integrations::facebook::parse_profile(
        R"({"id":"1207059","name":"Alice Buyer","email":"alice@example.test"})"
    );
    ASSERT_TRUE(p);
    EXPECT_EQ(p->id, "1207059");
    EXPECT_EQ(p->name, "Alice Buyer");
    EXPECT_EQ(p->email, "alice@example.test");
    auto no_email = integrations::facebook::parse_profile(R"({"id":"1","name":"Bob"})");
    ASSERT_TRUE(no_email);
    EXPECT_FALSE(no_email->email);
    EXPECT_FALSE(integrations::facebook::parse_profile(R"({"name":"nobody"})"));
}

}  // namespace
