// Attacks on identity that must fail against the running server: forged and altered access tokens,
// refresh-token replay, password guessing, account enumeration, and tokens of suspended users. Each
// test fails if the check it targets is removed.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <boost/json.hpp>

#include "core/clock.hpp"
#include "infra/crypto/jwt.hpp"
#include "support/env.hpp"
#include "support/roles.hpp"
#include "support/trader.hpp"

namespace {

using infra::crypto::base64url_decode;
using infra::crypto::base64url_encode;
using test::bearer;
using test::expect_problem;

std::string json(const boost::json::object& o) { return boost::json::serialize(o); }

std::vector<std::string> split(const std::string& token) {
    auto a = token.find('.');
    auto b = token.find('.', a + 1);
    return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

boost::json::object decode(const std::string& segment) {
    auto text = base64url_decode(segment);
    EXPECT_TRUE(text);
    return boost::json::parse(*text).as_object();
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    std::size_t size = 0;
    EVP_Q_mac(
        nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
        reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), out.size(),
        &size
    );
    return {reinterpret_cast<const char*>(out.data()), size};
}

// Signs tokens with the server's own key ring (as only the server could), with the given clock and
// claims settings: lets a test change exactly one thing about an otherwise valid token.
class forger {
public:
    forger(const test::trader_process& server, core::time_point now) : clock_(now) {
        auto ring = infra::crypto::key_ring::open(server.dir() / "keys", clock_);
        if (!ring) {
            throw std::runtime_error(ring.error().detail);
        }
        ring_ = std::move(*ring);
    }

    std::string sign(
        const std::string& sub,
        const std::vector<std::string>& roles,
        const std::string& sid,
        const std::string& audience = "trader-api",
        const std::string& issuer = "trader"
    ) const {
        infra::crypto::jwt_settings s;
        s.issuer = issuer;
        s.audience = audience;
        infra::crypto::jwt_codec codec{*ring_, clock_, s};
        return codec.sign(codec.issue(sub, roles, sid));
    }

    const infra::crypto::key_ring& ring() const { return *ring_; }

private:
    core::manual_clock clock_;
    std::unique_ptr<infra::crypto::key_ring> ring_;
};

class identity_attack : public testing::Test {
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

    void expect_refused(const std::string& token, const std::string& path = "/api/v1/me") {
        auto r = http().get(path, bearer(token));
        expect_problem(r, 401, "unauthenticated");
        EXPECT_NE(r.header("www-authenticate").find("Bearer"), std::string::npos);
    }

private:
    static test::trader_process* server_;
};

test::trader_process* identity_attack::server_ = nullptr;

TEST_F(identity_attack, forged_access_tokens_are_refused) {
    auto u = test::register_user(http(), "forgery");
    auto now = std::chrono::system_clock::now();
    forger ours{server(), now};

    // The control: a token our key signs with the right claims is accepted, so each refusal below
    // is due to the one thing the test changed.
    ASSERT_EQ(
        http().get("/api/v1/me", bearer(ours.sign(u.id, {"customer"}, u.session_id))).status, 200
    );

    auto parts = split(u.access_token);
    auto header = decode(parts[0]);
    auto payload = decode(parts[1]);

    {
        SCOPED_TRACE("alg none, no signature");
        auto h = header;
        h["alg"] = "none";
        expect_refused(base64url_encode(json(h)) + "." + parts[1] + ".");
    }
    {
        SCOPED_TRACE("HS256 keyed with our public key");
        auto jwks = http().get("/.well-known/jwks.json").json();
        auto x = base64url_decode(std::string{jwks.at("keys").as_array()[0].at("x").as_string()});
        ASSERT_TRUE(x);
        auto h = header;
        h["alg"] = "HS256";
        h["kid"] = jwks.at("keys").as_array()[0].at("kid");
        auto input = base64url_encode(json(h)) + "." + parts[1];
        expect_refused(input + "." + base64url_encode(hmac_sha256(*x, input)));
    }
    {
        SCOPED_TRACE("expired");
        forger past{server(), now - std::chrono::hours{2}};
        expect_refused(past.sign(u.id, {"customer"}, u.session_id));
    }
    {
        SCOPED_TRACE("wrong audience");
        expect_refused(ours.sign(u.id, {"customer"}, u.session_id, "another-api"));
    }
    {
        SCOPED_TRACE("wrong issuer");
        expect_refused(
            ours.sign(u.id, {"customer"}, u.session_id, "trader-api", "https://evil.test")
        );
    }
    {
        SCOPED_TRACE("unknown kid: a key of our own making");
        auto dir = test::make_temp_dir("foreign-keys");
        core::system_clock clock;
        auto foreign = infra::crypto::key_ring::open(dir / "keys", clock);
        ASSERT_TRUE(foreign);
        infra::crypto::jwt_settings s;
        s.issuer = "trader";
        s.audience = "trader-api";
        infra::crypto::jwt_codec codec{**foreign, clock, s};
        expect_refused(codec.sign(codec.issue(u.id, {"customer"}, u.session_id)));

        SCOPED_TRACE("our kid, another key's signature");
        auto input = parts[0] + "." + parts[1];
        auto sig = (*foreign)->sign(input);
        ASSERT_TRUE(sig);
        expect_refused(input + "." + base64url_encode(sig->signature));
        std::filesystem::remove_all(dir);
    }
    {
        SCOPED_TRACE("tampered payload: roles raised to admin, signature kept");
        auto p = payload;
        p["roles"] = boost::json::array{"admin"};
        auto forged = parts[0] + "." + base64url_encode(json(p)) + "." + parts[2];
        expect_refused(forged);
        expect_refused(forged, "/api/v1/admin/audit-events");
    }
    {
        SCOPED_TRACE("tampered payload: another subject");
        auto p = payload;
        p["sub"] = "usr_01j00000000000000000000000";
        expect_refused(parts[0] + "." + base64url_encode(json(p)) + "." + parts[2]);
    }
    {
        SCOPED_TRACE("not a JWT at all");
        expect_refused("not-a-token");
        expect_refused(u.refresh_token);
    }
    EXPECT_EQ(http().get("/api/v1/me", bearer(u.access_token)).status, 200)
        << "the genuine token still works";
}

TEST_F(identity_attack, reused_refresh_token_revokes_its_whole_family) {
    test::server_db db{server()};
    auto u = test::register_user(http(), "replay");
    auto other = test::login(http(), u.email);  // a second session, which must survive

    auto first =
        http().post_json("/api/v1/auth/refresh", json({{"refresh_token", u.refresh_token}}));
    ASSERT_EQ(first.status, 200) << first.body;
    auto rotated = std::string{first.json().at("refresh_token").as_string()};
    auto rotated_access = std::string{first.json().at("access_token").as_string()};

    // The old token again (an attacker's copy, or the victim's after the attacker used it).
    auto replay =
        http().post_json("/api/v1/auth/refresh", json({{"refresh_token", u.refresh_token}}));
    expect_problem(replay, 401, "unauthenticated");

    // Every token of the family is dead: the newest refresh token and the access tokens of the
    // session.
    expect_problem(
        http().post_json("/api/v1/auth/refresh", json({{"refresh_token", rotated}})), 401,
        "unauthenticated"
    );
    expect_refused(rotated_access);
    expect_refused(u.access_token);
    EXPECT_EQ(http().get("/api/v1/me", bearer(other.access_token)).status, 200)
        << "other sessions are not affected";
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM sessions WHERE id = $1 AND revoked_reason = 'reuse'",
            {u.session_id}
        ),
        1
    );
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM audit_events WHERE type = 'refresh_token.reused' AND user_id = "
            "$1",
            {u.id}
        ),
        1
    );
}

TEST_F(identity_attack, expired_refresh_token_is_refused) {
    test::server_db db{server()};
    auto u = test::register_user(http(), "stale");
    db.execute("UPDATE refresh_tokens SET expires_at_ms = 1 WHERE session_id = $1", {u.session_id});
    expect_problem(
        http().post_json("/api/v1/auth/refresh", json({{"refresh_token", u.refresh_token}})), 401,
        "unauthenticated"
    );
}

TEST_F(identity_attack, another_users_session_cannot_be_revoked) {
    auto victim = test::register_user(http(), "victim");
    auto attacker = test::register_user(http(), "attacker");
    auto r = http().request(
        "DELETE", "/api/v1/me/sessions/" + victim.session_id, "", bearer(attacker.access_token)
    );
    expect_problem(r, 404, "not-found");
    EXPECT_EQ(http().get("/api/v1/me", bearer(victim.access_token)).status, 200);
    EXPECT_EQ(
        http().post_json(
                  "/api/v1/auth/refresh", json({{"refresh_token", victim.refresh_token}})
        ).status,
        200
    );
}

// Login answers alike for an unknown email and a wrong password: same status, type, title and
// detail.
TEST_F(identity_attack, login_does_not_tell_unknown_emails_from_wrong_passwords) {
    auto u = test::register_user(http(), "enum");
    auto wrong = http().post_json(
        "/api/v1/auth/login", json({{"email", u.email}, {"password", "Wrong-Password-1"}})
    );
    auto unknown = http().post_json(
        "/api/v1/auth/login",
        json({{"email", test::unique_email("ghost")}, {"password", "Wrong-Password-1"}})
    );
    expect_problem(wrong, 401, "unauthenticated");
    expect_problem(unknown, 401, "unauthenticated");
    auto a = wrong.json().as_object();
    auto b = unknown.json().as_object();
    a.erase("instance");
    b.erase("instance");
    EXPECT_EQ(a, b);
    EXPECT_EQ(wrong.header("www-authenticate"), unknown.header("www-authenticate"));
}

// Reset requests answer 202 with the same (empty) body whether or not the email has an account;
// only the account's owner gets a message.
TEST_F(identity_attack, password_reset_does_not_tell_whether_an_account_exists) {
    test::server_db db{server()};
    auto u = test::register_user(http(), "reset-enum");
    auto ghost = test::unique_email("nobody");
    auto known =
        http().post_json("/api/v1/auth/password/reset/request", json({{"email", u.email}}));
    auto unknown =
        http().post_json("/api/v1/auth/password/reset/request", json({{"email", ghost}}));
    EXPECT_EQ(known.status, 202);
    EXPECT_EQ(unknown.status, 202);
    EXPECT_EQ(known.body, unknown.body);
    EXPECT_EQ(known.header("content-type"), unknown.header("content-type"));
    EXPECT_EQ(known.header("content-length"), unknown.header("content-length"));
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM notifications WHERE recipient = $1 AND template = "
            "'reset_password'",
            {u.email}
        ),
        1
    );
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM notifications WHERE recipient = $1", {ghost}), 0);
}

// Registration has to say that an email is taken (the account cannot be created twice); it is
// throttled per address instead (docs/security.md). The comparison ignores case.
TEST_F(identity_attack, duplicate_registration_is_a_conflict_whatever_the_case) {
    auto u = test::register_user(http(), "dup");
    std::string upper = u.email;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) {
        return static_cast<char>(std::toupper(c));
    });
    auto r = http().post_json(
        "/api/v1/auth/register",
        json({{"email", upper}, {"password", "Other-Password-9"}, {"name", "Mallory"}})
    );
    expect_problem(r, 409, "conflict");
    test::login(http(), u.email);  // the original password still works
}

TEST_F(identity_attack, suspended_users_are_refused_at_once) {
    auto who = test::principals::create(server());
    const auto& admin = who.user(test::caller::admin);
    auto victim = test::register_user(http(), "suspended");
    auto second = test::login(http(), victim.email);

    auto r = http().post_json(
        "/api/v1/admin/users/" + victim.id + "/suspend", json({{"reason", "chargebacks"}}),
        bearer(admin.access_token)
    );
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(std::string{r.json().at("status").as_string()}, "suspended");

    // Still-valid access tokens stop working at once; refresh and sign-in are refused.
    expect_refused(victim.access_token);
    expect_refused(second.access_token);
    expect_problem(
        http().post_json("/api/v1/auth/refresh", json({{"refresh_token", second.refresh_token}})),
        401, "unauthenticated"
    );
    expect_problem(
        http().post_json(
            "/api/v1/auth/login", json({{"email", victim.email}, {"password", test::test_password}})
        ),
        403, "forbidden"
    );
    EXPECT_EQ(
        http().get("/api/v1/me", bearer(who.user(test::caller::customer).access_token)).status, 200
    ) << "only that user";

    // An admin cannot lock themselves out.
    expect_problem(
        http().request(
            "POST", "/api/v1/admin/users/" + admin.id + "/suspend", "", bearer(admin.access_token)
        ),
        409, "conflict"
    );

    auto back = http().request(
        "POST", "/api/v1/admin/users/" + victim.id + "/reactivate", "", bearer(admin.access_token)
    );
    ASSERT_EQ(back.status, 200) << back.body;
    EXPECT_EQ(std::string{back.json().at("status").as_string()}, "active");
    auto again = test::login(http(), victim.email);
    EXPECT_EQ(http().get("/api/v1/me", bearer(again.access_token)).status, 200);

    auto audit = http().get(
        "/api/v1/admin/audit-events?user_id=" + victim.id + "&type=user.suspended",
        bearer(admin.access_token)
    );
    ASSERT_EQ(audit.status, 200) << audit.body;
    auto items = audit.json().at("items").as_array();
    ASSERT_EQ(items.size(), 1U);
    EXPECT_EQ(items[0].at("actor_id"), boost::json::value(admin.id));
    EXPECT_EQ(items[0].at("data").at("reason"), "chargebacks");
}

// Password guessing is throttled per account (whatever the address) and per address (whatever the
// account).
TEST(identity_throttle, login_guessing_is_throttled_per_account_with_retry_after) {
    test::trader_process server{test::trader_options{
        {{"TRADER_LOGIN_ACCOUNT_BURST", "3"}, {"TRADER_LOGIN_ACCOUNT_INTERVAL", "1m"}}}};
    auto& http = server.http();
    auto u = test::register_user(http, "guess");
    for (int i = 0; i < 3; ++i) {
        expect_problem(
            http.post_json(
                "/api/v1/auth/login",
                json({{"email", u.email}, {"password", "Guess-Number-" + std::to_string(i)}})
            ),
            401, "unauthenticated"
        );
    }
    auto throttled = http.post_json(
        "/api/v1/auth/login", json({{"email", u.email}, {"password", "Guess-Number-4"}})
    );
    expect_problem(throttled, 429, "rate-limited");
    ASSERT_FALSE(throttled.header("retry-after").empty());
    EXPECT_GE(std::stoi(throttled.header("retry-after")), 1);
    // Even the right password waits: the throttle does not reveal whether a guess was right.
    expect_problem(
        http.post_json(
            "/api/v1/auth/login", json({{"email", u.email}, {"password", test::test_password}})
        ),
        429, "rate-limited"
    );
    // Unknown accounts are throttled the same way.
    auto ghost = test::unique_email("ghost");
    for (int i = 0; i < 3; ++i) {
        expect_problem(
            http.post_json(
                "/api/v1/auth/login", json({{"email", ghost}, {"password", "Guess-Number-1"}})
            ),
            401, "unauthenticated"
        );
    }
    expect_problem(
        http.post_json(
            "/api/v1/auth/login", json({{"email", ghost}, {"password", "Guess-Number-1"}})
        ),
        429, "rate-limited"
    );
    // Another account from the same address is not affected.
    test::login(http, test::register_user(http, "bystander").email);
}

TEST(identity_throttle, login_guessing_is_throttled_per_address) {
    test::trader_process server{test::trader_options{
        {{"TRADER_AUTH_ADDRESS_BURST", "4"}, {"TRADER_AUTH_ADDRESS_INTERVAL", "1m"}}}};
    auto& http = server.http();
    for (int i = 0; i < 4; ++i) {
        expect_problem(
            http.post_json(
                "/api/v1/auth/login",
                json({{"email", test::unique_email("spray")}, {"password", "Spray-Password-1"}})
            ),
            401, "unauthenticated"
        );
    }
    auto throttled = http.post_json(
        "/api/v1/auth/login",
        json({{"email", test::unique_email("spray")}, {"password", "Spray-Password-1"}})
    );
    expect_problem(throttled, 429, "rate-limited");
    EXPECT_FALSE(throttled.header("retry-after").empty());
    expect_problem(
        http.post_json(
            "/api/v1/auth/register", json(
                                         {{"email", test::unique_email("late")},
                                          {"password", test::test_password},
                                          {"name", "Late"}}
                                     )
        ),
        429, "rate-limited"
    );
}

}  // namespace
