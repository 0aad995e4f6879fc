// Identity end to end on the real binary: register, verify the email, sign in, refresh, list and
// revoke sessions, change and reset the password, edit the profile, create admins from the command
// line.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "infra/crypto/jwt.hpp"
#include "support/roles.hpp"
#include "support/trader.hpp"

namespace {

using test::bearer;
using test::expect_problem;
using test::test_password;

std::string json(const boost::json::object& o) { return boost::json::serialize(o); }

std::string str(const boost::json::value& v, const char* key) {
    return std::string{v.as_object().at(key).as_string()};
}

class identity_flow : public testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new test::trader_process(test::trader_options{test::many_sign_ins_env()});
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    test::trader_process& server() { return *server_; }
    test::http_client& http() { return server_->http(); }

    test::http_response me(const std::string& access_token) {
        return http().get("/api/v1/me", bearer(access_token));
    }
    test::http_response refresh(const std::string& refresh_token) {
        return http().post_json("/api/v1/auth/refresh", json({{"refresh_token", refresh_token}}));
    }

private:
    static test::trader_process* server_;
};

test::trader_process* identity_flow::server_ = nullptr;

TEST_F(identity_flow, register_answers_the_user_and_a_token_pair) {
    auto email = test::unique_email("Contract");
    auto r = http().post_json(
        "/api/v1/auth/register",
        json({{"email", "  " + email + " "}, {"password", test_password}, {"name", "Ada"}})
    );
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.header("location"), "/api/v1/me");
    auto body = r.json().as_object();
    const auto& user = body.at("user").as_object();
    EXPECT_TRUE(str(user, "id").starts_with("usr_"));
    std::string lowered = email;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](char c) {
        return static_cast<char>(std::tolower(c));
    });
    EXPECT_EQ(str(user, "email"), lowered) << "stored normalised: trimmed, lower-case";
    EXPECT_EQ(str(user, "name"), "Ada");
    EXPECT_EQ(user.at("roles"), (boost::json::array{"customer"}));
    EXPECT_EQ(str(user, "object"), "user");
    EXPECT_EQ(user.at("email_verified"), false);
    EXPECT_EQ(str(body, "token_type"), "Bearer");
    EXPECT_EQ(body.at("expires_in").to_number<int>(), 900);
    EXPECT_EQ(str(body, "refresh_token").size(), 43U);

    auto who = me(str(body, "access_token"));
    ASSERT_EQ(who.status, 200) << who.body;
    auto profile = who.json().as_object();
    EXPECT_EQ(profile.at("id"), user.at("id"));
    for (const char* key :
         {"id", "object", "email", "name", "roles", "phone", "locale", "email_verified",
          "created_at", "updated_at"}) {
        EXPECT_TRUE(profile.contains(key)) << key;
    }
}

TEST_F(identity_flow, registers_verifies_signs_in_refreshes_and_revokes_sessions) {
    test::server_db db{server()};
    auto first = test::register_user(http(), "flow");
    EXPECT_EQ(me(first.access_token).json().at("email_verified"), false);

    // Verify the email with the code the notification log recorded.
    auto code = db.latest_token(first.email, "verify_email");
    auto verified = http().post_json("/api/v1/auth/email/verify", json({{"token", code}}));
    ASSERT_EQ(verified.status, 204) << verified.body;
    EXPECT_EQ(me(first.access_token).json().at("email_verified"), true);
    expect_problem(
        http().post_json("/api/v1/auth/email/verify", json({{"token", code}})), 422, "validation"
    );

    // A second sign-in is a second session; refreshing rotates its refresh token.
    auto second = test::login(http(), first.email);
    EXPECT_NE(second.session_id, first.session_id);
    auto rotated = refresh(second.refresh_token);
    ASSERT_EQ(rotated.status, 200) << rotated.body;
    auto pair = rotated.json().as_object();
    EXPECT_NE(str(pair, "refresh_token"), second.refresh_token);
    EXPECT_EQ(str(pair, "token_type"), "Bearer");
    auto second_access = str(pair, "access_token");
    ASSERT_EQ(me(second_access).status, 200);

    auto listed = http().get("/api/v1/me/sessions", bearer(second_access));
    ASSERT_EQ(listed.status, 200) << listed.body;
    auto list = listed.json().as_object();
    EXPECT_EQ(str(list, "object"), "list");
    ASSERT_EQ(list.at("items").as_array().size(), 2U);
    int current = 0;
    for (const auto& s : list.at("items").as_array()) {
        EXPECT_EQ(str(s, "object"), "session");
        EXPECT_TRUE(s.as_object().contains("last_used_at"));
        EXPECT_EQ(str(s, "ip"), "127.0.0.1");
        if (s.at("current").as_bool()) {
            ++current;
            EXPECT_EQ(str(s, "id"), second.session_id);
        }
    }
    EXPECT_EQ(current, 1);
    EXPECT_TRUE(list.at("next_cursor").is_null());

    // Revoking the first session from the second: its refresh and access tokens stop working.
    auto revoked = http().request(
        "DELETE", "/api/v1/me/sessions/" + first.session_id, "", bearer(second_access)
    );
    ASSERT_EQ(revoked.status, 204) << revoked.body;
    expect_problem(refresh(first.refresh_token), 401, "unauthenticated");
    expect_problem(me(first.access_token), 401, "unauthenticated");
    expect_problem(
        http().request(
            "DELETE", "/api/v1/me/sessions/" + first.session_id, "", bearer(second_access)
        ),
        404, "not-found"
    );
    EXPECT_EQ(
        http()
            .get("/api/v1/me/sessions", bearer(second_access))
            .json()
            .at("items")
            .as_array()
            .size(),
        1U
    );

    // Logging out revokes the current session.
    auto out = http().request("POST", "/api/v1/auth/logout", "", bearer(second_access));
    ASSERT_EQ(out.status, 204) << out.body;
    expect_problem(me(second_access), 401, "unauthenticated");
    expect_problem(refresh(str(pair, "refresh_token")), 401, "unauthenticated");
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND revoked_at_ms IS NULL", {first.id}
        ),
        0
    );
}

TEST_F(identity_flow, session_list_pages_with_a_cursor) {
    auto u = test::register_user(http(), "pages");
    test::login(http(), u.email);
    auto last = test::login(http(), u.email);
    std::vector<std::string> seen;
    std::string target = "/api/v1/me/sessions?limit=2";
    for (int pages = 0; pages < 5; ++pages) {
        auto r = http().get(target, bearer(last.access_token));
        ASSERT_EQ(r.status, 200) << r.body;
        auto body = r.json().as_object();
        EXPECT_LE(body.at("items").as_array().size(), 2U);
        for (const auto& s : body.at("items").as_array()) {
            seen.push_back(str(s, "id"));
        }
        if (body.at("next_cursor").is_null()) {
            break;
        }
        target = "/api/v1/me/sessions?limit=2&cursor=" + str(body, "next_cursor");
    }
    ASSERT_EQ(seen.size(), 3U);
    EXPECT_EQ(seen.front(), last.session_id) << "newest first";
    EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend()));
}

TEST_F(identity_flow, email_verification_can_be_sent_again_until_verified) {
    test::server_db db{server()};
    auto u = test::register_user(http(), "resend");
    auto first_code = db.latest_token(u.email, "verify_email");
    auto again =
        http().request("POST", "/api/v1/auth/email/verify/request", "", bearer(u.access_token));
    ASSERT_EQ(again.status, 202) << again.body;
    auto second_code = db.latest_token(u.email, "verify_email");
    EXPECT_NE(first_code, second_code);
    ASSERT_EQ(
        http().post_json("/api/v1/auth/email/verify", json({{"token", second_code}})).status, 204
    );
    expect_problem(
        http().request("POST", "/api/v1/auth/email/verify/request", "", bearer(u.access_token)),
        409, "conflict"
    );
}

TEST_F(identity_flow, changing_the_password_needs_the_current_one_and_revokes_other_sessions) {
    auto a = test::register_user(http(), "change");
    auto b = test::login(http(), a.email);
    const std::string next = "Another-Secret-77";

    auto wrong = http().post_json(
        "/api/v1/me/password",
        json({{"current_password", "Not-The-Password-1"}, {"new_password", next}}),
        bearer(b.access_token)
    );
    expect_problem(wrong, 422, "validation");
    EXPECT_NE(wrong.body.find("/current_password"), std::string::npos) << wrong.body;
    auto same_as_email = http().post_json(
        "/api/v1/me/password",
        json({{"current_password", test_password}, {"new_password", a.email}}),
        bearer(b.access_token)
    );
    expect_problem(same_as_email, 422, "validation");
    EXPECT_NE(same_as_email.body.find("/new_password"), std::string::npos) << same_as_email.body;
    ASSERT_EQ(me(a.access_token).status, 200) << "failed attempts change nothing";

    auto changed = http().post_json(
        "/api/v1/me/password", json({{"current_password", test_password}, {"new_password", next}}),
        bearer(b.access_token)
    );
    ASSERT_EQ(changed.status, 204) << changed.body;
    expect_problem(me(a.access_token), 401, "unauthenticated");
    expect_problem(refresh(a.refresh_token), 401, "unauthenticated");
    EXPECT_EQ(me(b.access_token).status, 200) << "the session that changed it stays";
    expect_problem(
        http().post_json(
            "/api/v1/auth/login", json({{"email", a.email}, {"password", test_password}})
        ),
        401, "unauthenticated"
    );
    test::login(http(), a.email, next);
}

TEST_F(identity_flow, password_reset_sets_a_new_password_and_revokes_every_session) {
    test::server_db db{server()};
    auto u = test::register_user(http(), "reset");
    auto requested =
        http().post_json("/api/v1/auth/password/reset/request", json({{"email", u.email}}));
    ASSERT_EQ(requested.status, 202) << requested.body;
    auto code = db.latest_token(u.email, "reset_password");

    auto weak = http().post_json(
        "/api/v1/auth/password/reset", json({{"token", code}, {"password", u.email}})
    );
    expect_problem(weak, 422, "validation");
    EXPECT_NE(weak.body.find("/password"), std::string::npos) << weak.body;
    ASSERT_EQ(me(u.access_token).status, 200) << "a refused reset changes nothing";

    const std::string next = "Brand-New-Secret-5";
    auto reset = http().post_json(
        "/api/v1/auth/password/reset", json({{"token", code}, {"password", next}})
    );
    ASSERT_EQ(reset.status, 204) << reset.body;
    expect_problem(me(u.access_token), 401, "unauthenticated");
    expect_problem(refresh(u.refresh_token), 401, "unauthenticated");
    expect_problem(
        http().post_json(
            "/api/v1/auth/login", json({{"email", u.email}, {"password", test_password}})
        ),
        401, "unauthenticated"
    );
    auto back = test::login(http(), u.email, next);
    EXPECT_EQ(me(back.access_token).json().at("email_verified"), true)
        << "the reset code reached the inbox";
    expect_problem(
        http().post_json(
            "/api/v1/auth/password/reset",
            json({{"token", code}, {"password", "Yet-Another-Secret-6"}})
        ),
        422, "validation"
    );
}

TEST_F(identity_flow, single_use_codes_expire) {
    test::server_db db{server()};
    auto u = test::register_user(http(), "expiry");
    ASSERT_EQ(
        http().post_json("/api/v1/auth/password/reset/request", json({{"email", u.email}})).status,
        202
    );
    db.execute("UPDATE user_tokens SET expires_at_ms = 1 WHERE user_id = $1", {u.id});
    expect_problem(
        http().post_json(
            "/api/v1/auth/email/verify", json({{"token", db.latest_token(u.email, "verify_email")}})
        ),
        422, "validation"
    );
    expect_problem(
        http().post_json(
            "/api/v1/auth/password/reset",
            json(
                {{"token", db.latest_token(u.email, "reset_password")},
                 {"password", "Brand-New-Secret-5"}}
            )
        ),
        422, "validation"
    );
    test::login(http(), u.email);
}

TEST_F(identity_flow, profile_patch_changes_only_the_given_fields) {
    auto u = test::register_user(http(), "profile", "Grace");
    auto before = me(u.access_token).json().as_object();
    auto patched = http().request(
        "PATCH", "/api/v1/me", json({{"locale", "de-DE"}, {"marketing", {{"email", true}}}}),
        {{"Authorization", "Bearer " + u.access_token}, {"Content-Type", "application/json"}}
    );
    ASSERT_EQ(patched.status, 200) << patched.body;
    auto after = patched.json().as_object();
    EXPECT_EQ(str(after, "name"), "Grace");
    EXPECT_EQ(str(after, "locale"), "de-DE");
    EXPECT_EQ(after.at("marketing").at("email"), true);
    EXPECT_EQ(after.at("marketing").at("sms"), false);
    EXPECT_GE(str(after, "updated_at"), str(before, "updated_at"));

    auto cleared = http().request(
        "PATCH", "/api/v1/me", json({{"locale", nullptr}, {"name", "Grace Hopper"}}),
        {{"Authorization", "Bearer " + u.access_token}, {"Content-Type", "application/json"}}
    );
    ASSERT_EQ(cleared.status, 200) << cleared.body;
    EXPECT_TRUE(cleared.json().at("locale").is_null());
    EXPECT_EQ(str(cleared.json(), "name"), "Grace Hopper");
    EXPECT_EQ(cleared.json().at("marketing").at("email"), true);
    EXPECT_EQ(me(u.access_token).json(), cleared.json());
}

TEST_F(identity_flow, jwks_publishes_the_key_that_signs_access_tokens) {
    auto u = test::register_user(http(), "jwks");
    auto r = http().get("/.well-known/jwks.json");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.header("cache-control").find("max-age"), std::string::npos);
    auto keys = r.json().at("keys").as_array();
    ASSERT_FALSE(keys.empty());
    auto header =
        infra::crypto::base64url_decode(u.access_token.substr(0, u.access_token.find('.')));
    ASSERT_TRUE(header);
    auto kid = str(boost::json::parse(*header), "kid");
    bool found = false;
    for (const auto& k : keys) {
        EXPECT_EQ(str(k, "kty"), "OKP");
        EXPECT_EQ(str(k, "alg"), "EdDSA");
        EXPECT_FALSE(k.as_object().contains("d")) << "never the private key";
        found = found || str(k, "kid") == kid;
    }
    EXPECT_TRUE(found) << "the kid of our tokens is published";
}

TEST_F(identity_flow, revocations_survive_a_restart) {
    auto u = test::register_user(http(), "restart");
    auto other = test::login(http(), u.email);
    ASSERT_EQ(
        http().request("POST", "/api/v1/auth/logout", "", bearer(u.access_token)).status, 204
    );
    server().restart();
    expect_problem(me(u.access_token), 401, "unauthenticated");
    EXPECT_EQ(me(other.access_token).status, 200)
        << "the key ring is kept: tokens signed before the restart still verify";
}

// `trader create-admin` creates an admin, or grants the role to an existing account.
TEST_F(identity_flow, create_admin_creates_then_promotes) {
    auto email = test::unique_email("root");
    auto [code, out] =
        server().run_command({"create-admin", "--email", email, "--password", test_password});
    ASSERT_EQ(code, 0) << out;
    EXPECT_NE(out.find("created admin usr_"), std::string::npos) << out;
    auto admin = test::login(http(), email);
    EXPECT_EQ(me(admin.access_token).json().at("roles"), (boost::json::array{"admin"}));

    auto customer = test::register_user(http(), "promoted");
    auto [code2, out2] = server().run_command({"create-admin", "--email", customer.email});
    ASSERT_EQ(code2, 0) << out2;
    EXPECT_NE(out2.find("granted the admin role to " + customer.id), std::string::npos) << out2;
    auto promoted = test::login(http(), customer.email);
    EXPECT_EQ(
        me(promoted.access_token).json().at("roles"), (boost::json::array{"admin", "customer"})
    );
    auto [code3, out3] = server().run_command({"create-admin", "--email", customer.email});
    EXPECT_EQ(code3, 0) << out3;
    EXPECT_NE(out3.find("already is an admin"), std::string::npos) << out3;

    auto [bad_email, out4] =
        server().run_command({"create-admin", "--email", "nobody", "--password", test_password});
    EXPECT_EQ(bad_email, 2) << out4;
    auto [no_password, out5] =
        server().run_command({"create-admin", "--email", test::unique_email("new")});
    EXPECT_EQ(no_password, 2) << out5;
    EXPECT_NE(out5.find("--password"), std::string::npos) << out5;
    auto [weak, out6] = server().run_command(
        {"create-admin", "--email", test::unique_email("weak"), "--password", "short"}
    );
    EXPECT_EQ(weak, 2) << out6;
}

}  // namespace
