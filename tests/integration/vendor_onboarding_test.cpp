// Opening a store: the application, an admin's decision (approve, reject, suspend, reinstate) with
// the vendor role granted in the same transaction, the store's profile and members, and who may
// call which route.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/roles.hpp"
#include "support/trader.hpp"
#include "support/vendors.hpp"

namespace {

using test::bearer;
using test::caller;
using test::expect_problem;

std::string json(const boost::json::object& o) { return boost::json::serialize(o); }

std::map<std::string, std::string> json_as(const test::test_user& u) {
    return {{"Authorization", "Bearer " + u.access_token}, {"Content-Type", "application/json"}};
}

bool has_role(test::http_client& http, const test::test_user& u, const std::string& role) {
    auto me = http.get("/api/v1/me", bearer(u.access_token));
    auto me_body = me.json();
    for (const auto& r : me_body.at("roles").as_array()) {
        if (r.as_string() == role) {
            return true;
        }
    }
    return false;
}

class vendor_onboarding : public testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new test::trader_process(test::trader_options{test::many_sign_ins_env()});
        admin_ = new test::test_user(test::make_admin(*server_));
    }
    static void TearDownTestSuite() {
        delete admin_;
        delete server_;
        admin_ = nullptr;
        server_ = nullptr;
    }

    test::http_client& http() { return server_->http(); }
    const test::test_user& admin() { return *admin_; }

    test::http_response decide(
        const std::string& id, const std::string& action, const std::string& body = ""
    ) {
        auto headers = bearer(admin_->access_token);
        if (!body.empty()) {
            headers["Content-Type"] = "application/json";
        }
        return http().request("POST", "/api/v1/admin/vendors/" + id + "/" + action, body, headers);
    }

    std::int64_t count(const std::string& sql, infra::db::params args = {}) {
        test::server_db db{*server_};
        return db.count(sql, std::move(args));
    }

    static test::trader_process* server_;
    static test::test_user* admin_;
};

test::trader_process* vendor_onboarding::server_ = nullptr;
test::test_user* vendor_onboarding::admin_ = nullptr;

TEST_F(vendor_onboarding, approval_opens_the_store_and_grants_the_vendor_role) {
    auto user = test::register_user(http(), "applicant", "Ada Applicant");
    auto applied = http().post_json(
        "/api/v1/vendor/applications", json(test::application_body("Kreuzberg Kaffee Rösterei")),
        bearer(user.access_token)
    );
    ASSERT_EQ(applied.status, 201) << applied.body;
    auto store = applied.json().as_object();
    auto id = std::string{store.at("id").as_string()};
    EXPECT_TRUE(id.starts_with("vnd_"));
    EXPECT_EQ(store.at("object"), "vendor");
    EXPECT_EQ(store.at("status"), "pending");
    EXPECT_EQ(store.at("handle"), "kreuzberg-kaffee-roesterei");
    EXPECT_EQ(store.at("contact_email"), boost::json::value(user.email))
        << "defaults to the account's";
    EXPECT_EQ(store.at("pickup_address").at("lat").as_double(), 52.5);
    EXPECT_EQ(store.at("owner_id"), boost::json::value(user.id));
    EXPECT_EQ(applied.header("location"), "/api/v1/vendor/store");

    auto mine = http().get("/api/v1/vendor/store", bearer(user.access_token));
    ASSERT_EQ(mine.status, 200) << mine.body;
    EXPECT_EQ(mine.json().at("status"), "pending");

    auto second = http().post_json(
        "/api/v1/vendor/applications", json(test::application_body("Second Try")),
        bearer(user.access_token)
    );
    expect_problem(second, 409, "conflict");

    // Pending: no vendor role yet, so product routes are closed.
    expect_problem(
        http().get("/api/v1/vendor/products", bearer(user.access_token)), 403, "forbidden"
    );

    auto pending =
        http().get("/api/v1/admin/vendors?status=pending&limit=100", bearer(admin().access_token));
    ASSERT_EQ(pending.status, 200) << pending.body;
    bool listed = false;
    auto pending_body = pending.json();
    for (const auto& v : pending_body.at("items").as_array()) {
        listed = listed || v.at("id") == boost::json::value(id);
    }
    EXPECT_TRUE(listed);

    auto approved = decide(id, "approve");
    ASSERT_EQ(approved.status, 200) << approved.body;
    EXPECT_EQ(approved.json().at("status"), "active");
    EXPECT_TRUE(has_role(http(), user, "vendor")) << "granted with the approval";
    auto signed_in = test::login(http(), user.email);
    auto products = http().get("/api/v1/vendor/products", bearer(signed_in.access_token));
    EXPECT_EQ(products.status, 200) << products.body;

    auto twice = decide(id, "approve");
    expect_problem(twice, 409, "conflict");
    EXPECT_NE(twice.body.find("active"), std::string::npos) << "names the current state";
    expect_problem(decide(id, "reject", json({{"reason", "late"}})), 409, "conflict");

    EXPECT_EQ(
        test::event_types(*server_, id),
        (std::vector<std::string>{"vendor.applied", "vendor.approved"})
    );
    EXPECT_EQ(
        count(
            "SELECT COUNT(*) FROM audit_events WHERE type = 'role.granted' AND user_id = $1",
            {user.id}
        ),
        1
    );
}

TEST_F(vendor_onboarding, rejection_keeps_the_reason_and_allows_a_new_application) {
    auto shop = test::open_store(*server_, admin(), "Rejected Shop", false);
    expect_problem(decide(shop.vendor_id, "suspend", json({{"reason", "x"}})), 409, "conflict");
    auto rejected = decide(shop.vendor_id, "reject", json({{"reason", "Incomplete address"}}));
    ASSERT_EQ(rejected.status, 200) << rejected.body;
    EXPECT_EQ(rejected.json().at("status"), "rejected");
    EXPECT_EQ(rejected.json().at("status_reason"), "Incomplete address");
    expect_problem(decide(shop.vendor_id, "approve"), 409, "conflict");

    auto mine = http().get("/api/v1/vendor/store", bearer(shop.owner.access_token));
    EXPECT_EQ(mine.json().at("status"), "rejected");
    expect_problem(
        http().request(
            "PATCH", "/api/v1/vendor/store", json({{"name", "Fixed"}}), json_as(shop.owner)
        ),
        403, "forbidden"
    );

    auto again = http().post_json(
        "/api/v1/vendor/applications", json(test::application_body("Rejected Shop")),
        bearer(shop.owner.access_token)
    );
    ASSERT_EQ(again.status, 201) << again.body;
    EXPECT_NE(again.json().at("id"), boost::json::value(shop.vendor_id));
    EXPECT_EQ(again.json().at("handle"), "rejected-shop-2") << "the old store keeps its handle";
}

TEST_F(vendor_onboarding, suspension_closes_vendor_routes_at_once_and_reinstatement_reopens_them) {
    auto shop = test::open_store(*server_, admin(), "Suspended Shop");
    auto product = test::create_product(http(), shop.owner, test::product_body("Lamp", "LAMP"));
    auto product_id = std::string{product.at("id").as_string()};

    auto suspended = decide(shop.vendor_id, "suspend", json({{"reason", "Too many complaints"}}));
    ASSERT_EQ(suspended.status, 200) << suspended.body;
    EXPECT_EQ(suspended.json().at("status"), "suspended");
    // Same access token, which still carries the vendor role: refused by the store check.
    auto token = bearer(shop.owner.access_token);
    expect_problem(http().get("/api/v1/vendor/products", token), 403, "forbidden");
    expect_problem(
        http().request("POST", "/api/v1/vendor/products/" + product_id + "/publish", "", token),
        403, "forbidden"
    );
    expect_problem(http().get("/api/v1/vendor/members", token), 403, "forbidden");
    auto mine = http().get("/api/v1/vendor/store", token);
    ASSERT_EQ(mine.status, 200);
    EXPECT_EQ(mine.json().at("status_reason"), "Too many complaints");
    expect_problem(decide(shop.vendor_id, "suspend", json({{"reason", "again"}})), 409, "conflict");

    auto reinstated = decide(shop.vendor_id, "approve");
    ASSERT_EQ(reinstated.status, 200) << reinstated.body;
    EXPECT_TRUE(reinstated.json().at("status_reason").is_null());
    auto published =
        http().request("POST", "/api/v1/vendor/products/" + product_id + "/publish", "", token);
    EXPECT_EQ(published.status, 200) << published.body;

    auto events = test::event_types(*server_, shop.vendor_id);
    EXPECT_EQ(std::count(events.begin(), events.end(), "vendor.suspended"), 1);
    EXPECT_EQ(std::count(events.begin(), events.end(), "vendor.approved"), 2);
}

TEST_F(vendor_onboarding, owner_edits_the_profile) {
    auto shop = test::open_store(*server_, admin(), "Profile Shop");
    test::open_store(*server_, admin(), "Taken Handle");
    auto updated = http().request(
        "PATCH", "/api/v1/vendor/store",
        json(
            {{"description", "Now with more coffee"},
             {"logo_url", "https://cdn.example.com/logo.png"},
             {"legal_name", nullptr}}
        ),
        json_as(shop.owner)
    );
    ASSERT_EQ(updated.status, 200) << updated.body;
    EXPECT_EQ(updated.json().at("description"), "Now with more coffee");
    EXPECT_TRUE(updated.json().at("legal_name").is_null());
    EXPECT_EQ(updated.json().at("name"), "Profile Shop");

    auto clash = http().request(
        "PATCH", "/api/v1/vendor/store", json({{"handle", "taken-handle"}}), json_as(shop.owner)
    );
    expect_problem(clash, 409, "conflict");
    auto events = test::event_types(*server_, shop.vendor_id);
    EXPECT_EQ(std::count(events.begin(), events.end(), "vendor.updated"), 1);
}

TEST_F(vendor_onboarding, owner_adds_and_removes_staff) {
    auto shop = test::open_store(*server_, admin(), "Staffed Shop");
    auto other = test::open_store(*server_, admin(), "Other Staffed Shop");
    auto staff = test::register_user(http(), "staff", "Sam Staff");
    auto stranger = test::register_user(http(), "stranger");

    auto added = http().post_json(
        "/api/v1/vendor/members", json({{"email", staff.email}}), bearer(shop.owner.access_token)
    );
    ASSERT_EQ(added.status, 201) << added.body;
    auto member_id = std::string{added.json().at("id").as_string()};
    EXPECT_EQ(added.json().at("role"), "staff");
    EXPECT_EQ(added.json().at("name"), "Sam Staff");
    EXPECT_TRUE(has_role(http(), staff, "vendor"));

    expect_problem(
        http().post_json(
            "/api/v1/vendor/members", json({{"email", staff.email}}),
            bearer(other.owner.access_token)
        ),
        409, "conflict"
    );
    expect_problem(
        http().post_json(
            "/api/v1/vendor/members", json({{"email", "nobody-here@example.test"}}),
            bearer(shop.owner.access_token)
        ),
        422, "validation"
    );

    // Staff work on products but do not manage members.
    auto staff_in = test::login(http(), staff.email);
    EXPECT_EQ(http().get("/api/v1/vendor/products", bearer(staff_in.access_token)).status, 200);
    expect_problem(
        http().post_json(
            "/api/v1/vendor/members", json({{"email", stranger.email}}),
            bearer(staff_in.access_token)
        ),
        403, "forbidden"
    );
    auto members = http().get("/api/v1/vendor/members", bearer(staff_in.access_token));
    ASSERT_EQ(members.status, 200) << members.body;
    ASSERT_EQ(members.json().at("items").as_array().size(), 2U);
    EXPECT_EQ(members.json().at("items").as_array()[0].at("role"), "owner");
    auto owner_member = std::string{members.json().at("items").as_array()[0].at("id").as_string()};

    expect_problem(
        http().request(
            "DELETE", "/api/v1/vendor/members/" + owner_member, "", bearer(shop.owner.access_token)
        ),
        409, "conflict"
    );
    expect_problem(
        http().request(
            "DELETE", "/api/v1/vendor/members/" + member_id, "", bearer(other.owner.access_token)
        ),
        404, "not-found"
    );
    auto removed = http().request(
        "DELETE", "/api/v1/vendor/members/" + member_id, "", bearer(shop.owner.access_token)
    );
    EXPECT_EQ(removed.status, 204) << removed.body;
    EXPECT_FALSE(has_role(http(), staff, "vendor")) << "revoked with the membership";
    // Their old token still names the role, but the membership check refuses at once.
    expect_problem(
        http().get("/api/v1/vendor/products", bearer(staff_in.access_token)), 403, "forbidden"
    );

    auto events = test::event_types(*server_, shop.vendor_id);
    EXPECT_EQ(std::count(events.begin(), events.end(), "vendor.member_added"), 1);
    EXPECT_EQ(std::count(events.begin(), events.end(), "vendor.member_removed"), 1);
}

TEST_F(vendor_onboarding, bad_input_is_refused_and_changes_nothing) {
    auto shop = test::open_store(*server_, admin(), "Careful Shop");
    auto pending = test::open_store(*server_, admin(), "Careful Pending", false);
    auto user = test::register_user(http(), "careful");
    auto snapshot = [&] {
        std::map<std::string, std::int64_t> out;
        for (const char* table : {"vendors", "vendor_members", "events", "user_roles"}) {
            out[table] = count(std::string{"SELECT COUNT(*) FROM "} + table);
        }
        out["active"] = count("SELECT COUNT(*) FROM vendors WHERE status = 'active'");
        return out;
    };
    auto before = snapshot();
    auto profile_before = http().get("/api/v1/vendor/store", bearer(shop.owner.access_token)).body;

    auto app = test::application_body("Bad Shop");
    auto with = [&](const std::string& key, boost::json::value v) {
        auto copy = app;
        copy[key] = std::move(v);
        return json(copy);
    };
    auto address = [&](const std::string& key, boost::json::value v) {
        auto copy = app;
        copy["pickup_address"].as_object()[key] = std::move(v);
        return json(copy);
    };
    struct bad {
        const test::test_user* as;
        std::string method;
        std::string path;
        std::string body;
        int status;
        std::string slug;
        std::string pointer;
    };
    const auto* u = &user;
    const auto* o = &shop.owner;
    const auto* a = admin_;
    std::string apply = "/api/v1/vendor/applications";
    std::vector<bad> cases{
        {u, "POST", apply, with("name", ""), 422, "validation", "/name"},
        {u, "POST", apply, with("name", boost::json::string(101, 'x')), 422, "validation", "/name"},
        {u, "POST", apply, with("contact_email", "not-an-email"), 422, "validation",
         "/contact_email"},
        {u, "POST", apply, with("contact_phone", "12345"), 422, "validation", "/contact_phone"},
        {u, "POST", apply, with("payout", "cash"), 422, "validation", "/payout"},
        {u, "POST", apply, with("unknown", 1), 422, "validation", "/unknown"},
        {u, "POST", apply, address("lat", 95), 422, "validation", "/pickup_address/lat"},
        {u, "POST", apply, address("lng", "13.4"), 422, "validation", "/pickup_address/lng"},
        {u, "POST", apply, address("country", "Germany"), 422, "validation",
         "/pickup_address/country"},
        {u, "POST", apply, json({{"name", "No Address"}}), 422, "validation", "/pickup_address"},
        {u, "POST", apply, "{oops", 400, "bad-request", ""},
        {o, "PATCH", "/api/v1/vendor/store", json({{"name", nullptr}}), 422, "validation", "/name"},
        {o, "PATCH", "/api/v1/vendor/store", json({{"handle", "Not A Handle"}}), 422, "validation",
         "/handle"},
        {o, "PATCH", "/api/v1/vendor/store", json({{"logo_url", "ftp://x"}}), 422, "validation",
         "/logo_url"},
        {o, "PATCH", "/api/v1/vendor/store", json({{"pickup_address", {{"line1", "x"}}}}), 422,
         "validation", "/pickup_address/city"},
        {o, "POST", "/api/v1/vendor/members", json({{"email", "bad"}}), 422, "validation",
         "/email"},
        {o, "POST", "/api/v1/vendor/members", json({{"email", user.email}, {"role", "owner"}}), 422,
         "validation", "/role"},
        {o, "DELETE", "/api/v1/vendor/members/mbr_00000000000000000000000000", "", 404, "not-found",
         ""},
        {o, "GET", "/api/v1/vendor/members?cursor=zzz", "", 400, "bad-request", ""},
        {a, "POST", "/api/v1/admin/vendors/" + pending.vendor_id + "/reject", json({}), 422,
         "validation", "/reason"},
        {a, "POST", "/api/v1/admin/vendors/" + pending.vendor_id + "/reject",
         json({{"reason", std::string(501, 'x')}}), 422, "validation", "/reason"},
        {a, "POST", "/api/v1/admin/vendors/" + shop.vendor_id + "/suspend", json({{"reason", " "}}),
         422, "validation", "/reason"},
        {a, "POST", "/api/v1/admin/vendors/" + pending.vendor_id + "/approve",
         json({{"note", "x"}}), 422, "validation", "/note"},
        {a, "POST", "/api/v1/admin/vendors/vnd_00000000000000000000000000/approve", "", 404,
         "not-found", ""},
        {a, "GET", "/api/v1/admin/vendors/nope", "", 404, "not-found", ""},
        {a, "GET", "/api/v1/admin/vendors?status=open", "", 400, "bad-request", ""},
        {a, "GET", "/api/v1/admin/vendors?limit=101", "", 400, "bad-request", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.method + " " + c.path + " " + c.body);
        std::map<std::string, std::string> headers = bearer(c.as->access_token);
        if (!c.body.empty()) {
            headers["Content-Type"] = "application/json";
        }
        auto r = http().request(c.method, c.path, c.body, headers);
        expect_problem(r, c.status, c.slug);
        if (!c.pointer.empty()) {
            EXPECT_NE(r.body.find("\"pointer\":\"" + c.pointer + "\""), std::string::npos)
                << r.body;
        }
    }
    EXPECT_EQ(snapshot(), before);
    EXPECT_EQ(
        http().get("/api/v1/vendor/store", bearer(shop.owner.access_token)).body, profile_before
    );
    auto still =
        http().get("/api/v1/admin/vendors/" + pending.vendor_id, bearer(admin().access_token));
    EXPECT_EQ(still.json().at("status"), "pending");
}

TEST_F(vendor_onboarding, every_route_admits_exactly_its_callers) {
    auto who = test::principals::create(*server_);
    // The vendor principal holds the vendor role without a store: vendor routes refuse it (403).
    auto shop = test::open_store(*server_, admin(), "Role Table Shop");
    auto application = test::open_store(*server_, admin(), "Role Table Pending", false);
    auto to_suspend = test::open_store(*server_, admin(), "Role Table Active", true);
    const auto& signed_in = test::signed_in_callers;
    const std::set<caller> admin_only{caller::admin};
    const std::set<caller> nobody{};
    std::string app_body = json(test::application_body("Role Table Application"));
    std::vector<test::route_check> table{
        {"GET", "/api/v1/vendor/store", "", nobody, 404},
        {"PATCH", "/api/v1/vendor/store", "{}", nobody, 404},
        {"GET", "/api/v1/vendor/members", "", nobody, 403},
        {"POST", "/api/v1/vendor/members", json({{"email", "x@example.test"}}), nobody, 403},
        {"DELETE", "/api/v1/vendor/members/mbr_00000000000000000000000000", "", nobody, 403},
        {"GET", "/api/v1/vendor/products", "", nobody, 403},
        {"POST", "/api/v1/vendor/products", json(test::product_body("T", "T")), nobody, 403},
        {"GET", "/api/v1/admin/vendors", "", admin_only, 403, 200},
        {"GET", "/api/v1/admin/vendors/" + shop.vendor_id, "", admin_only, 403, 200},
        {"POST", "/api/v1/admin/vendors/" + application.vendor_id + "/reject",
         json({{"reason", "no"}}), admin_only, 403, 200},
        {"POST", "/api/v1/admin/vendors/" + to_suspend.vendor_id + "/suspend",
         json({{"reason", "no"}}), admin_only, 403, 200},
        {"POST", "/api/v1/admin/vendors/" + to_suspend.vendor_id + "/approve", "", admin_only, 403,
         200},
        // Last: every signed-in caller may apply once.
        {"POST", "/api/v1/vendor/applications", app_body, signed_in, 403, 201},
    };
    test::check_routes(*server_, who, table);
}

}  // namespace
