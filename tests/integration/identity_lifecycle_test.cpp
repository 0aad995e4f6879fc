// Account deletion (request, cancel, purge after the grace period) and signing-key rotation (by an
// admin, from the command line, by age) on the real binary.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "support/roles.hpp"
#include "support/trader.hpp"

namespace {

using namespace std::chrono_literals;
using test::bearer;
using test::caller;
using test::expect_problem;
using test::test_password;

std::string json(const boost::json::object& o) { return boost::json::serialize(o); }

std::map<std::string, std::string> with(std::map<std::string, std::string> extra) {
    auto env = test::many_sign_ins_env();
    env.insert(extra.begin(), extra.end());
    return env;
}

// Polls `done` every 50 ms for up to `limit`; the periodic jobs run on their own clock.
template <class F>
bool eventually(F done, std::chrono::milliseconds limit = 10s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(50ms);
    }
    return done();
}

std::vector<std::string> jwks_kids(test::http_client& http) {
    auto body = http.get("/.well-known/jwks.json").json();
    std::vector<std::string> out;
    for (const auto& k : body.at("keys").as_array()) {
        out.emplace_back(k.at("kid").as_string());
    }
    return out;
}

TEST(identity_deletion, needs_the_password_signs_out_everywhere_and_can_be_cancelled) {
    test::trader_process server{test::trader_options{with({})}};
    auto& http = server.http();
    auto u = test::register_user(http, "Leaving");
    auto second = test::login(http, u.email);

    auto none = http.get("/api/v1/me/deletion", bearer(u.access_token));
    expect_problem(none, 404, "not-found");

    auto missing = http.post_json("/api/v1/me/deletion", "{}", bearer(u.access_token));
    expect_problem(missing, 422, "validation");
    auto wrong = http.post_json(
        "/api/v1/me/deletion", json({{"password", "Not-The-Password-1"}}), bearer(u.access_token)
    );
    expect_problem(wrong, 422, "validation");
    auto unknown = http.post_json(
        "/api/v1/me/deletion", json({{"password", test_password}, {"now", true}}),
        bearer(u.access_token)
    );
    expect_problem(unknown, 422, "validation");
    auto anonymous = http.post_json("/api/v1/me/deletion", json({{"password", test_password}}));
    expect_problem(anonymous, 401, "unauthenticated");
    ASSERT_EQ(http.get("/api/v1/me", bearer(u.access_token)).status, 200)
        << "refused requests changed nothing";

    auto asked = http.post_json(
        "/api/v1/me/deletion", json({{"password", test_password}}), bearer(u.access_token)
    );
    ASSERT_EQ(asked.status, 202) << asked.body;
    auto d = asked.json().as_object();
    EXPECT_EQ(d.at("object"), "account_deletion");
    EXPECT_EQ(d.at("status"), "scheduled");
    EXPECT_GT(d.at("purge_after").as_string(), d.at("requested_at").as_string());

    // Every session ended at once: both access tokens and the refresh tokens.
    expect_problem(http.get("/api/v1/me", bearer(u.access_token)), 401, "unauthenticated");
    expect_problem(http.get("/api/v1/me", bearer(second.access_token)), 401, "unauthenticated");
    auto refreshed = http.post_json(
        "/api/v1/auth/refresh", json({{"refresh_token", second.refresh_token}})
    );
    EXPECT_EQ(refreshed.status, 401) << refreshed.body;

    // Signing in again during the grace period works, shows the deletion and can cancel it.
    auto back = test::login(http, u.email);
    auto shown = http.get("/api/v1/me/deletion", bearer(back.access_token));
    ASSERT_EQ(shown.status, 200) << shown.body;
    EXPECT_EQ(shown.json().at("purge_after"), d.at("purge_after"));
    auto twice = http.post_json(
        "/api/v1/me/deletion", json({{"password", test_password}}), bearer(back.access_token)
    );
    expect_problem(twice, 409, "conflict");
    back = test::login(http, u.email);
    auto cancelled = http.request("DELETE", "/api/v1/me/deletion", "", bearer(back.access_token));
    EXPECT_EQ(cancelled.status, 204) << cancelled.body;
    expect_problem(
        http.request("DELETE", "/api/v1/me/deletion", "", bearer(back.access_token)), 404,
        "not-found"
    );
    EXPECT_EQ(http.get("/api/v1/me", bearer(back.access_token)).status, 200);

    test::server_db db{server};
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM audit_events WHERE user_id = $1 AND type IN "
            "('account.deletion_requested', 'account.deletion_cancelled')",
            {u.id}
        ),
        2
    );
}

TEST(identity_deletion, the_purge_erases_personal_data_after_the_grace_period) {
    test::trader_process server{test::trader_options{with(
        {{"TRADER_ACCOUNT_DELETION_GRACE", "0s"}, {"TRADER_ACCOUNT_PURGE_INTERVAL", "100ms"}}
    )}};
    auto& http = server.http();
    auto gone = test::register_user(http, "Purged", "Pat Purged");
    auto stays = test::register_user(http, "Stays", "Sam Stays");
    auto asked = http.post_json(
        "/api/v1/me/deletion", json({{"password", test_password}}), bearer(gone.access_token)
    );
    ASSERT_EQ(asked.status, 202) << asked.body;

    test::server_db db{server};
    ASSERT_TRUE(eventually([&] {
        return db.count(
                   "SELECT COUNT(*) FROM account_deletions WHERE user_id = $1 AND completed_at_ms "
                   "IS NOT NULL",
                   {gone.id}
               ) == 1;
    }));
    auto row = db.query(
        "SELECT email, phone, password_hash, name, status FROM users WHERE id = $1", {gone.id}
    );
    ASSERT_EQ(row.size(), 1U);
    EXPECT_FALSE(row.front().get<std::optional<std::string>>(0).has_value());
    EXPECT_FALSE(row.front().get<std::optional<std::string>>(1).has_value());
    EXPECT_FALSE(row.front().get<std::optional<std::string>>(2).has_value());
    EXPECT_EQ(row.front().get<std::string>(3), "Deleted user");
    EXPECT_EQ(row.front().get<std::string>(4), "suspended");
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM user_roles WHERE user_id = $1", {gone.id}), 0);
    EXPECT_EQ(
        db.count("SELECT COUNT(*) FROM events WHERE type = 'user.deleted' AND aggregate_id = $1", {gone.id}),
        1
    );

    auto login = http.post_json(
        "/api/v1/auth/login", json({{"email", gone.email}, {"password", test_password}})
    );
    expect_problem(login, 401, "unauthenticated");
    // The address is free again.
    auto again = http.post_json(
        "/api/v1/auth/register",
        json({{"email", gone.email}, {"password", test_password}, {"name", "New Pat"}})
    );
    EXPECT_EQ(again.status, 201) << again.body;
    // Nobody else was touched.
    auto other = http.get("/api/v1/me", bearer(stays.access_token));
    ASSERT_EQ(other.status, 200) << other.body;
    EXPECT_EQ(other.json().at("name"), "Sam Stays");
}

TEST(identity_keys, an_admin_rotates_and_tokens_signed_before_stay_valid) {
    test::trader_process server{test::trader_options{with({})}};
    auto who = test::principals::create(server);
    auto& http = server.http();
    auto before = jwks_kids(http);
    ASSERT_EQ(before.size(), 1U);

    test::check_routes(
        server, who,
        {
            {.method = "GET", .path = "/api/v1/admin/keys", .allowed = {caller::admin}},
            {.method = "POST", .path = "/api/v1/admin/keys/rotate", .allowed = {caller::admin}},
        }
    );
    auto listed = http.get("/api/v1/admin/keys", who.headers(caller::admin));
    ASSERT_EQ(listed.status, 200) << listed.body;
    auto kids = listed.json().at("kids").as_array();
    ASSERT_EQ(kids.size(), 2U) << "the role table rotated once";
    auto after = jwks_kids(http);
    EXPECT_EQ(after.size(), 2U);
    EXPECT_EQ(std::string{listed.json().at("active_kid").as_string()}, after.back());

    // The customer's token was signed by the first key and still works.
    EXPECT_EQ(http.get("/api/v1/me", who.headers(caller::customer)).status, 200);
    test::server_db db{server};
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM audit_events WHERE type = 'signing_key.rotated'"), 1);
}

TEST(identity_keys, a_rotation_from_the_command_line_reaches_the_running_server) {
    test::trader_process server{
        test::trader_options{with({{"TRADER_JWT_KEY_CHECK_INTERVAL", "100ms"}})}};
    auto& http = server.http();
    auto u = test::register_user(http, "Rotation");
    auto before = jwks_kids(http);
    auto [code, out] = server.run_command({"keys", "rotate"});
    ASSERT_EQ(code, 0) << out;
    EXPECT_NE(out.find("rotated"), std::string::npos) << out;
    ASSERT_TRUE(eventually([&] { return jwks_kids(http).size() == before.size() + 1; }));
    EXPECT_EQ(http.get("/api/v1/me", bearer(u.access_token)).status, 200);
    auto fresh = test::login(http, u.email);
    EXPECT_EQ(http.get("/api/v1/me", bearer(fresh.access_token)).status, 200);
}

TEST(identity_keys, the_active_key_is_replaced_when_it_is_too_old) {
    test::trader_process server{test::trader_options{with(
        {{"TRADER_JWT_KEY_ROTATION_INTERVAL", "1s"}, {"TRADER_JWT_KEY_CHECK_INTERVAL", "100ms"}}
    )}};
    auto& http = server.http();
    auto u = test::register_user(http, "Aging");
    ASSERT_TRUE(eventually([&] { return jwks_kids(http).size() >= 2; }));
    EXPECT_EQ(http.get("/api/v1/me", bearer(u.access_token)).status, 200);
}

}  // namespace
