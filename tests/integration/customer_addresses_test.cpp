// Saved addresses under /api/v1/me/addresses: exactly one default while any exist (the first one,
// moved by is_default, promoted to the newest remaining when the default is deleted), the limit per
// customer, validated coordinates, bad input refused without changing anything, and another
// customer's address answered 404.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/roles.hpp"
#include "support/trader.hpp"
#include "support/vendors.hpp"

namespace {

using test::bearer;
using test::caller;
using test::expect_problem;

std::string json(const boost::json::value& v) { return boost::json::serialize(v); }

std::string text(const boost::json::value& v, const char* key) {
    return std::string{v.at(key).as_string()};
}

boost::json::object address_body(
    const std::string& label, double lat = 52.52, double lng = 13.405
) {
    return {
        {"label", label},
        {"name", "Ada Lovelace"},
        {"line1", "Invalidenstr. 117"},
        {"city", "Berlin"},
        {"postal_code", "10115"},
        {"country", "DE"},
        {"phone", "+4930123456"},
        {"location", {{"lat", lat}, {"lng", lng}}},
    };
}

class customer_addresses : public test::admin_suite<customer_addresses> {
protected:
    test::test_user customer(const std::string& hint) { return test::register_user(http(), hint); }

    boost::json::object create(const test::test_user& u, const boost::json::object& body) {
        auto r = http().post_json("/api/v1/me/addresses", json(body), bearer(u.access_token));
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json().as_object();
    }

    // The customer's addresses as the list answers them.
    boost::json::array list(const test::test_user& u) {
        auto r = http().get("/api/v1/me/addresses", bearer(u.access_token));
        EXPECT_EQ(r.status, 200) << r.body;
        auto body = r.json();
        EXPECT_EQ(body.at("object"), "list");
        EXPECT_TRUE(body.at("next_cursor").is_null());
        return body.at("items").as_array();
    }

    // Ids of the customer's default addresses (exactly one while any exist).
    std::vector<std::string> defaults(const test::test_user& u) {
        std::vector<std::string> out;
        auto items = list(u);
        for (const auto& a : items) {
            if (a.at("is_default").as_bool()) {
                out.push_back(text(a, "id"));
            }
        }
        return out;
    }

    std::map<std::string, std::string> json_as(const test::test_user& u) {
        return {
            {"Authorization", "Bearer " + u.access_token}, {"Content-Type", "application/json"}};
    }
};

TEST_F(customer_addresses, the_first_address_is_the_default_and_is_default_moves_it) {
    auto ada = customer("ada");
    auto home_body = address_body("Home");
    home_body["is_default"] = false;  // the first address is the default whatever it says
    auto home = create(ada, home_body);
    EXPECT_TRUE(text(home, "id").starts_with("addr_"));
    EXPECT_EQ(home.at("object"), "address");
    EXPECT_EQ(home.at("is_default"), true);
    EXPECT_EQ(home.at("country"), "DE");
    EXPECT_EQ(home.at("line2"), nullptr);
    EXPECT_EQ(home.at("location").at("lat").as_double(), 52.52);
    EXPECT_EQ(home.at("location").at("lng").as_double(), 13.405);

    auto office = create(ada, address_body("Office", -33.8688, 151.2093));
    EXPECT_EQ(office.at("is_default"), false);
    EXPECT_EQ(defaults(ada), std::vector<std::string>{text(home, "id")});

    auto cabin_body = address_body("Cabin", 90, -180);
    cabin_body["is_default"] = true;
    auto cabin = create(ada, cabin_body);
    EXPECT_EQ(cabin.at("is_default"), true);
    EXPECT_EQ(defaults(ada), std::vector<std::string>{text(cabin, "id")});

    auto items = list(ada);
    ASSERT_EQ(items.size(), 3U);
    EXPECT_EQ(text(items[0], "id"), text(home, "id")) << "oldest first";
    EXPECT_EQ(text(items[2], "id"), text(cabin, "id"));

    auto moved = http().request(
        "PATCH", "/api/v1/me/addresses/" + text(office, "id"),
        json({{"is_default", true}, {"line2", "3rd floor"}, {"phone", nullptr}}), json_as(ada)
    );
    ASSERT_EQ(moved.status, 200) << moved.body;
    EXPECT_EQ(moved.json().at("is_default"), true);
    EXPECT_EQ(moved.json().at("line2"), "3rd floor");
    EXPECT_EQ(moved.json().at("phone"), nullptr) << "null clears a nullable field";
    EXPECT_EQ(moved.json().at("label"), "Office") << "absent fields stay";
    EXPECT_EQ(defaults(ada), std::vector<std::string>{text(office, "id")});

    auto relocated = http().request(
        "PATCH", "/api/v1/me/addresses/" + text(home, "id"),
        json({{"location", {{"lat", 48.1374}, {"lng", 11.5755}}}, {"city", "Munich"}}), json_as(ada)
    );
    ASSERT_EQ(relocated.status, 200) << relocated.body;
    EXPECT_EQ(relocated.json().at("city"), "Munich");
    EXPECT_EQ(relocated.json().at("location").at("lat").as_double(), 48.1374);
    EXPECT_EQ(relocated.json().at("is_default"), false);

    auto shown = http().get("/api/v1/me/addresses/" + text(home, "id"), bearer(ada.access_token));
    ASSERT_EQ(shown.status, 200) << shown.body;
    EXPECT_EQ(shown.json().at("city"), "Munich");

    // Deleting the default promotes the newest remaining address.
    auto removed = http().request(
        "DELETE", "/api/v1/me/addresses/" + text(office, "id"), "", bearer(ada.access_token)
    );
    EXPECT_EQ(removed.status, 204) << removed.body;
    EXPECT_EQ(defaults(ada), std::vector<std::string>{text(cabin, "id")});
    // Deleting another one leaves the default alone.
    EXPECT_EQ(
        http()
            .request(
                "DELETE", "/api/v1/me/addresses/" + text(home, "id"), "", bearer(ada.access_token)
            )
            .status,
        204
    );
    EXPECT_EQ(defaults(ada), std::vector<std::string>{text(cabin, "id")});
    EXPECT_EQ(
        http()
            .request(
                "DELETE", "/api/v1/me/addresses/" + text(cabin, "id"), "", bearer(ada.access_token)
            )
            .status,
        204
    );
    EXPECT_TRUE(list(ada).empty());
    expect_problem(
        http().get("/api/v1/me/addresses/" + text(cabin, "id"), bearer(ada.access_token)), 404,
        "not-found"
    );
    // A new first address is the default again.
    EXPECT_EQ(create(ada, address_body("Again")).at("is_default"), true);
}

TEST_F(customer_addresses, a_customer_keeps_at_most_twenty_addresses) {
    auto many = customer("many");
    for (int i = 0; i < 20; ++i) {
        create(many, address_body("Address " + std::to_string(i)));
    }
    auto over = http().post_json(
        "/api/v1/me/addresses", json(address_body("One too many")), bearer(many.access_token)
    );
    expect_problem(over, 409, "conflict");
    EXPECT_EQ(list(many).size(), 20U);
    EXPECT_EQ(defaults(many).size(), 1U);
}

TEST_F(customer_addresses, bad_input_is_refused_and_changes_nothing) {
    auto bob = customer("bob");
    auto kept = create(bob, address_body("Kept"));
    auto id = text(kept, "id");
    auto before = http().get("/api/v1/me/addresses", bearer(bob.access_token)).body;

    auto without = [](std::initializer_list<const char*> keys) {
        auto b = address_body("Bad");
        for (const auto* k : keys) {
            b.erase(k);
        }
        return b;
    };
    auto with = [](const char* key, boost::json::value v) {
        auto b = address_body("Bad");
        b[key] = std::move(v);
        return b;
    };
    struct bad_case {
        std::string method;
        std::string path;
        std::string body;
        int status;
        std::string slug;
        std::string pointer;
    };
    const std::string all = "/api/v1/me/addresses";
    const std::string one = all + "/" + id;
    std::vector<bad_case> cases{
        {"POST", all, json(without({"label"})), 422, "validation", "/label"},
        {"POST", all, json(without({"location"})), 422, "validation", "/location"},
        {"POST", all, json(with("location", {{"lat", 90.5}, {"lng", 0}})), 422, "validation",
         "/location/lat"},
        {"POST", all, json(with("location", {{"lat", 0}, {"lng", -180.01}})), 422, "validation",
         "/location/lng"},
        {"POST", all, json(with("location", {{"lat", nullptr}, {"lng", 0}})), 422, "validation",
         "/location/lat"},
        {"POST", all, json(with("location", {{"lat", 1}})), 422, "validation", "/location/lng"},
        {"POST", all, json(with("location", "52.5,13.4")), 422, "validation", "/location"},
        {"POST", all, json(with("location", nullptr)), 422, "validation", "/location"},
        {"POST", all, json(with("country", "de")), 422, "validation", "/country"},
        {"POST", all, json(with("country", "DEU")), 422, "validation", "/country"},
        {"POST", all, json(with("phone", "030 123456")), 422, "validation", "/phone"},
        {"POST", all, json(with("line1", "   ")), 422, "validation", "/line1"},
        {"POST", all, json(with("name", boost::json::string(std::string(101, 'x')))), 422,
         "validation", "/name"},
        {"POST", all, json(with("is_default", "yes")), 422, "validation", "/is_default"},
        {"POST", all, json(with("colour", "blue")), 422, "validation", "/colour"},
        {"POST", all, "[]", 422, "validation", ""},
        {"POST", all, "{\"label\":", 400, "bad-request", ""},
        {"PATCH", one, json({{"is_default", false}}), 422, "validation", "/is_default"},
        {"PATCH", one, json({{"label", nullptr}}), 422, "validation", "/label"},
        {"PATCH", one, json({{"location", {{"lat", 100}, {"lng", 0}}}}), 422, "validation",
         "/location/lat"},
        {"PATCH", one, json({{"country", "Germany"}}), 422, "validation", "/country"},
        {"PATCH", one, json({{"city", ""}}), 422, "validation", "/city"},
        {"PATCH", one, json({{"nickname", "x"}}), 422, "validation", "/nickname"},
        {"PATCH", all + "/addr_00000000000000000000000000", json({{"label", "x"}}), 404,
         "not-found", ""},
        {"PATCH", all + "/not-an-id", json({{"label", "x"}}), 404, "not-found", ""},
        {"GET", all + "/addr_00000000000000000000000000", "", 404, "not-found", ""},
        {"DELETE", all + "/not-an-id", "", 404, "not-found", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.method + " " + c.path + " " + c.body);
        auto headers = bearer(bob.access_token);
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
    // Not JSON at all.
    auto plain = http().request(
        "POST", all, "label=x",
        {{"Authorization", "Bearer " + bob.access_token}, {"Content-Type", "text/plain"}}
    );
    expect_problem(plain, 415, "unsupported-media-type");
    EXPECT_EQ(http().get("/api/v1/me/addresses", bearer(bob.access_token)).body, before);
}

TEST_F(customer_addresses, another_customers_address_is_not_found) {
    auto who = test::principals::create(*server_);
    auto mine = create(who.user(caller::customer), address_body("Mine"));
    auto path = "/api/v1/me/addresses/" + text(mine, "id");
    const std::set<caller> owner{caller::customer};
    const auto& signed_in = test::signed_in_callers;
    std::vector<test::route_check> table{
        {"GET", "/api/v1/me/addresses", "", signed_in, 404, 200},
        {"GET", path, "", owner, 404, 200},
        {"PATCH", path, json({{"label", "Renamed"}}), owner, 404, 200},
        {"DELETE", path, "", owner, 404, 204},
        {"POST", "/api/v1/me/addresses", json(address_body("Each")), signed_in, 404, 201},
    };
    test::check_routes(*server_, who, table);
    // The other customer's list holds only what they made themselves.
    auto others = list(who.user(caller::other_customer));
    ASSERT_EQ(others.size(), 1U);
    EXPECT_EQ(others[0].at("label"), "Each");
}

}  // namespace
