// Who may call which identity route (the role x route table), and the admin's audit log.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/roles.hpp"
#include "support/trader.hpp"

namespace {

using test::bearer;
using test::caller;
using test::route_check;

std::string json(const boost::json::object& o) { return boost::json::serialize(o); }

TEST(identity_access, every_route_admits_exactly_its_callers) {
    auto env = test::many_sign_ins_env();
    env["TRADER_LOGIN_ACCOUNT_BURST"] = "100";  // every caller asks a reset for the same address
    test::trader_process server{test::trader_options{env}};
    auto who = test::principals::create(server);
    auto& http = server.http();
    // A second session of the customer, that only the customer may revoke; and a user for the admin
    // to suspend.
    auto customer_session = test::login(http, who.user(caller::customer).email).session_id;
    auto target = test::register_user(http, "target").id;

    const std::set<caller> everyone{test::every_caller.begin(), test::every_caller.end()};
    const auto& signed_in = test::signed_in_callers;
    const std::set<caller> admin{caller::admin};
    std::vector<route_check> table{
        {"GET", "/.well-known/jwks.json", "", everyone, 0, 200},
        {"POST", "/api/v1/auth/password/reset/request", json({{"email", "someone@example.com"}}),
         everyone, 0, 202},
        {"GET", "/api/v1/me", "", signed_in, 403, 200},
        {"PATCH", "/api/v1/me", "{}", signed_in, 403, 200},
        {"GET", "/api/v1/me/sessions", "", signed_in, 403, 200},
        {"POST", "/api/v1/me/password",
         json({{"current_password", "Not-The-Password-1"}, {"new_password", "Another-Pass-99"}}),
         signed_in, 403, 422},
        {"POST", "/api/v1/auth/email/verify/request", "", signed_in, 403, 202},
        {"DELETE", "/api/v1/me/sessions/" + customer_session, "", {caller::customer}, 404, 204},
        {"GET", "/api/v1/admin/audit-events", "", admin, 403, 200},
        {"POST", "/api/v1/admin/users/" + target + "/suspend", "", admin, 403, 200},
        {"POST", "/api/v1/admin/users/" + target + "/reactivate", "", admin, 403, 200},
        // Last: it ends every caller's session.
        {"POST", "/api/v1/auth/logout", "", signed_in, 403, 204},
    };
    test::check_routes(server, who, table);
}

TEST(identity_access, principals_carry_exactly_their_role) {
    test::trader_process server{test::trader_options{test::many_sign_ins_env()}};
    auto who = test::principals::create(server);
    auto& http = server.http();
    for (auto [c, role] : std::vector<std::pair<caller, std::string>>{
             {caller::customer, "customer"},
             {caller::other_customer, "customer"},
             {caller::vendor, "vendor"},
             {caller::courier, "courier"},
             {caller::admin, "admin"}}) {
        auto me = http.get("/api/v1/me", who.headers(c));
        ASSERT_EQ(me.status, 200) << me.body;
        EXPECT_EQ(me.json().at("roles"), (boost::json::array{boost::json::value(role)}))
            << test::to_string(c);
        EXPECT_EQ(std::string{me.json().at("id").as_string()}, who.user(c).id);
    }
}

TEST(identity_access, audit_log_lists_security_events_newest_first_with_filters) {
    test::trader_process server{test::trader_options{test::many_sign_ins_env()}};
    auto& http = server.http();
    auto admin_email = test::unique_email("auditor");
    ASSERT_EQ(
        server
            .run_command({"create-admin", "--email", admin_email, "--password", test::test_password}
            )
            .first,
        0
    );
    auto admin = test::login(http, admin_email);
    auto u = test::register_user(http, "audited");
    auto start = http.get("/api/v1/admin/audit-events?limit=1", bearer(admin.access_token));
    ASSERT_EQ(start.status, 200) << start.body;
    auto since = std::string{start.json().at("items").as_array()[0].at("created_at").as_string()};

    http.post_json(
        "/api/v1/auth/login", json({{"email", u.email}, {"password", "Wrong-Password-1"}})
    );
    http.post_json(
        "/api/v1/auth/login",
        json({{"email", test::unique_email("ghost")}, {"password", "Wrong-Password-1"}})
    );
    test::login(http, u.email);

    auto failed =
        http.get("/api/v1/admin/audit-events?type=login.failed", bearer(admin.access_token));
    ASSERT_EQ(failed.status, 200) << failed.body;
    auto items = failed.json().at("items").as_array();
    ASSERT_EQ(items.size(), 2U);
    EXPECT_EQ(items[0].at("data").at("reason"), "unknown_email") << "newest first";
    EXPECT_TRUE(items[0].at("user_id").is_null());
    EXPECT_EQ(items[1].at("data").at("reason"), "wrong_password");
    EXPECT_EQ(items[1].at("user_id"), boost::json::value(u.id));
    EXPECT_EQ(items[1].at("ip"), "127.0.0.1");
    EXPECT_EQ(items[1].at("object"), "audit_event");

    auto mine =
        http.get("/api/v1/admin/audit-events?user_id=" + u.id, bearer(admin.access_token)).json();
    std::vector<std::string> types;
    for (const auto& e : mine.at("items").as_array()) {
        types.emplace_back(e.at("type").as_string());
    }
    EXPECT_EQ(
        types, (std::vector<std::string>{"login.succeeded", "login.failed", "user.registered"})
    );

    // since, and paging one event at a time with the cursor.
    std::vector<std::string> paged;
    std::string target = "/api/v1/admin/audit-events?limit=1&since=" + since;
    for (int i = 0; i < 20; ++i) {
        auto page = http.get(target, bearer(admin.access_token));
        ASSERT_EQ(page.status, 200) << page.body;
        auto body = page.json().as_object();
        ASSERT_LE(body.at("items").as_array().size(), 1U);
        for (const auto& e : body.at("items").as_array()) {
            paged.emplace_back(e.at("id").as_string());
        }
        if (body.at("next_cursor").is_null()) {
            break;
        }
        target = "/api/v1/admin/audit-events?limit=1&since=" + since +
                 "&cursor=" + std::string{body.at("next_cursor").as_string()};
    }
    EXPECT_GE(paged.size(), 4U) << "the starting event, two failures and a success";
    EXPECT_TRUE(std::is_sorted(paged.rbegin(), paged.rend())) << "newest first";
    EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()).size(), paged.size())
        << "no event twice";
}

}  // namespace
