// Couriers on the real binary: a user verifies a phone by OTP, asks for the courier role, and an
// admin approves or rejects; the role reaches the access token only once approved.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <random>

#include "support/roles.hpp"
#include "support/trader.hpp"

namespace {

using test::bearer;
using test::caller;
using test::expect_problem;

std::string json(const boost::json::object& o) { return boost::json::serialize(o); }

std::string unique_phone() {
    static std::atomic<int> counter{0};
    static const auto salt = std::random_device{}() % 1000;
    auto n = (static_cast<long>(::getpid()) % 10000) * 100000 + static_cast<long>(salt) * 100 +
             ++counter;
    auto digits = std::to_string(n);
    return "+4916" + std::string(10 - std::min<std::size_t>(10, digits.size()), '0') + digits;
}

class identity_courier : public testing::Test {
protected:
    static void SetUpTestSuite() {
        auto env = test::many_sign_ins_env();
        env["TRADER_OTP_ADDRESS_BURST"] = "100000";
        env["TRADER_OTP_ADDRESS_INTERVAL"] = "1ms";
        server_ = std::make_unique<test::trader_process>(test::trader_options{env});
        who_ = std::make_unique<test::principals>(test::principals::create(*server_));
    }
    static void TearDownTestSuite() {
        who_.reset();
        server_.reset();
    }

    test::http_client& http() { return server_->http(); }
    const test::principals& who() { return *who_; }

    // Registers a user and verifies a phone for them by OTP.
    test::test_user with_verified_phone(const std::string& hint) {
        auto u = test::register_user(http(), hint);
        auto phone = unique_phone();
        auto started = http().post_json(
            "/api/v1/auth/otp/start", json({{"phone", phone}}), bearer(u.access_token)
        );
        EXPECT_EQ(started.status, 202) << started.body;
        test::server_db db{*server_};
        auto code = db.latest_token(phone, "phone_otp");
        auto verified = http().post_json(
            "/api/v1/auth/otp/verify", json({{"phone", phone}, {"code", code}}),
            bearer(u.access_token)
        );
        EXPECT_EQ(verified.status, 200) << verified.body;
        return u;
    }

    static std::unique_ptr<test::trader_process> server_;
    static std::unique_ptr<test::principals> who_;
};

std::unique_ptr<test::trader_process> identity_courier::server_;
std::unique_ptr<test::principals> identity_courier::who_;

TEST_F(identity_courier, applies_with_a_verified_phone_and_is_approved_by_an_admin) {
    auto bare = test::register_user(http(), "NoPhone");
    auto refused = http().post_json("/api/v1/me/courier-application", "", bearer(bare.access_token));
    expect_problem(refused, 409, "conflict");
    expect_problem(
        http().get("/api/v1/me/courier-application", bearer(bare.access_token)), 404, "not-found"
    );

    auto u = with_verified_phone("Courier");
    auto applied = http().post_json("/api/v1/me/courier-application", "", bearer(u.access_token));
    ASSERT_EQ(applied.status, 201) << applied.body;
    EXPECT_EQ(applied.json().at("status"), "pending");
    EXPECT_EQ(applied.json().at("user_id"), u.id.c_str());
    auto again = http().post_json("/api/v1/me/courier-application", "", bearer(u.access_token));
    expect_problem(again, 409, "conflict");

    // Pending is not a role yet: a fresh token still has only the customer role.
    auto pending = test::login(http(), u.email);
    auto me = http().get("/api/v1/me", bearer(pending.access_token));
    EXPECT_EQ(me.json().at("roles"), (boost::json::array{"customer"}));

    auto admin = who().headers(caller::admin);
    auto listed = http().get("/api/v1/admin/couriers?status=pending&limit=100", admin);
    ASSERT_EQ(listed.status, 200) << listed.body;
    bool found = false;
    auto page = listed.json();
    for (const auto& item : page.at("items").as_array()) {
        found = found || item.at("user_id") == u.id.c_str();
    }
    EXPECT_TRUE(found) << listed.body;

    auto approved = http().post_json("/api/v1/admin/couriers/" + u.id + "/approve", "", admin);
    ASSERT_EQ(approved.status, 200) << approved.body;
    EXPECT_EQ(approved.json().at("status"), "active");
    expect_problem(
        http().post_json("/api/v1/admin/couriers/" + u.id + "/approve", "", admin), 409, "conflict"
    );
    auto now_courier = test::login(http(), u.email);
    me = http().get("/api/v1/me", bearer(now_courier.access_token));
    EXPECT_EQ(me.json().at("roles"), (boost::json::array{"courier", "customer"}));
    auto active = http().get("/api/v1/admin/couriers?status=active&limit=100", admin);
    EXPECT_NE(active.body.find(u.id), std::string::npos);

    test::server_db db{*server_};
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM events WHERE type IN ('courier.applied', 'courier.approved') AND "
            "aggregate_id = $1",
            {u.id}
        ),
        2
    );
}

TEST_F(identity_courier, a_rejected_application_can_be_made_again) {
    auto u = with_verified_phone("Rejected");
    ASSERT_EQ(
        http().post_json("/api/v1/me/courier-application", "", bearer(u.access_token)).status, 201
    );
    auto admin = who().headers(caller::admin);
    auto no_reason = http().post_json("/api/v1/admin/couriers/" + u.id + "/reject", "{}", admin);
    expect_problem(no_reason, 422, "validation");
    auto rejected = http().post_json(
        "/api/v1/admin/couriers/" + u.id + "/reject", json({{"reason", "documents unreadable"}}),
        admin
    );
    EXPECT_EQ(rejected.status, 204) << rejected.body;
    expect_problem(
        http().post_json("/api/v1/admin/couriers/" + u.id + "/approve", "", admin), 404, "not-found"
    );
    EXPECT_EQ(
        http().post_json("/api/v1/me/courier-application", "", bearer(u.access_token)).status, 201
    );
}

TEST_F(identity_courier, bad_input_and_unknown_users_change_nothing) {
    auto admin = who().headers(caller::admin);
    expect_problem(http().get("/api/v1/admin/couriers?status=sleeping", admin), 400, "bad-request");
    expect_problem(http().get("/api/v1/admin/couriers?limit=0", admin), 400, "bad-request");
    expect_problem(http().get("/api/v1/admin/couriers?cursor=zzz", admin), 400, "bad-request");
    expect_problem(
        http().post_json("/api/v1/admin/couriers/usr_nope/approve", "", admin), 404, "not-found"
    );
    auto stranger = test::register_user(http(), "Stranger");
    expect_problem(
        http().post_json("/api/v1/admin/couriers/" + stranger.id + "/approve", "", admin), 404,
        "not-found"
    );
    auto u = with_verified_phone("Typo");
    auto typo = http().post_json(
        "/api/v1/me/courier-application", json({{"vehicle", "bike"}}), bearer(u.access_token)
    );
    expect_problem(typo, 422, "validation");
    auto text = http().request(
        "POST", "/api/v1/me/courier-application", "x",
        {{"Content-Type", "text/plain"}, {"Authorization", "Bearer " + u.access_token}}
    );
    expect_problem(text, 415, "unsupported-media-type");
    expect_problem(
        http().get("/api/v1/me/courier-application", bearer(u.access_token)), 404, "not-found"
    );
}

TEST_F(identity_courier, who_may_call_the_courier_routes) {
    auto target = with_verified_phone("Target");
    ASSERT_EQ(
        http().post_json("/api/v1/me/courier-application", "", bearer(target.access_token)).status,
        201
    );
    test::check_routes(
        *server_, who(),
        {
            {.method = "GET", .path = "/api/v1/admin/couriers", .allowed = {caller::admin}},
            {.method = "POST",
             .path = "/api/v1/admin/couriers/" + target.id + "/reject",
             .body = json({{"reason", "no"}}),
             .allowed = {caller::admin}},
            {.method = "POST",
             .path = "/api/v1/admin/couriers/" + target.id + "/approve",
             .allowed = {caller::admin},
             .allowed_status = 404},
            {.method = "GET",
             .path = "/api/v1/me/courier-application",
             .allowed = test::signed_in_callers,
             .allowed_status = 0},
        }
    );
}

}  // namespace
