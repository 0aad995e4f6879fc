// The wishlist under /api/v1/me/wishlist: idempotent adds of storefront products only, a cursor
// list with product summaries that follow the catalog, removal, the size limit, bad input refused
// without changing anything, and one customer never seeing another's list.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/ids.hpp"
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

class customer_wishlist : public test::admin_suite<customer_wishlist> {
protected:
    static void SetUpTestSuite() {
        admin_suite::SetUpTestSuite();
        shop_ = new test::store_account(test::open_store(*server_, *admin_, "Wish Shop"));
    }
    static void TearDownTestSuite() {
        delete shop_;
        shop_ = nullptr;
        admin_suite::TearDownTestSuite();
    }

    // A product of the suite's store, published unless `publish` is false.
    std::string product(const std::string& title, bool publish = true) {
        return product_of(*shop_, title, publish);
    }
    std::string product_of(const test::store_account& s, const std::string& title, bool publish) {
        auto p = test::create_product(
            http(), s.owner, test::product_body(title, "W" + std::to_string(++skus_), 2, 1999)
        );
        auto id = text(p, "id");
        if (publish) {
            auto r = http().request(
                "POST", "/api/v1/vendor/products/" + id + "/publish", "",
                bearer(s.owner.access_token)
            );
            EXPECT_EQ(r.status, 200) << r.body;
        }
        return id;
    }

    test::http_response put(const test::test_user& u, const std::string& product_id) {
        return http().request(
            "PUT", "/api/v1/me/wishlist/" + product_id, "", bearer(u.access_token)
        );
    }

    boost::json::value list(const test::test_user& u, const std::string& query = "") {
        auto r = http().get("/api/v1/me/wishlist" + query, bearer(u.access_token));
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json();
    }

    static inline test::store_account* shop_ = nullptr;
    static inline int skus_ = 0;
};

TEST_F(customer_wishlist, adding_is_idempotent_and_the_list_shows_product_summaries) {
    auto eve = test::register_user(http(), "eve");
    auto scarf = product("Silk Scarf");
    auto added = put(eve, scarf);
    ASSERT_EQ(added.status, 201) << added.body;
    EXPECT_EQ(added.header("location"), "/api/v1/me/wishlist/" + scarf);
    auto item = added.json();
    EXPECT_EQ(item.at("object"), "wishlist_item");
    EXPECT_EQ(item.at("product_id"), boost::json::value(scarf));
    const auto& summary = item.at("product");
    EXPECT_EQ(summary.at("title"), "Silk Scarf");
    EXPECT_EQ(summary.at("available"), true);
    EXPECT_EQ(summary.at("vendor").at("handle"), boost::json::value(shop_->handle));
    EXPECT_EQ(
        summary.at("prices_from"), (boost::json::array{{{"amount", 1999}, {"currency", "EUR"}}})
    );

    auto again = put(eve, scarf);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json().at("id"), item.at("id"));
    EXPECT_EQ(again.json().at("added_at"), item.at("added_at"));

    // An empty JSON object is accepted too; anything in it is not.
    auto with_body = http().request(
        "PUT", "/api/v1/me/wishlist/" + scarf, "{}",
        {{"Authorization", "Bearer " + eve.access_token}, {"Content-Type", "application/json"}}
    );
    EXPECT_EQ(with_body.status, 200) << with_body.body;

    auto listed = list(eve);
    ASSERT_EQ(listed.at("items").as_array().size(), 1U);
    EXPECT_EQ(listed.at("next_cursor"), nullptr);

    // The item stays when the product leaves the storefront; its summary says so.
    auto archived = http().request(
        "POST", "/api/v1/vendor/products/" + scarf + "/archive", "",
        bearer(shop_->owner.access_token)
    );
    ASSERT_EQ(archived.status, 200) << archived.body;
    auto after = list(eve);
    ASSERT_EQ(after.at("items").as_array().size(), 1U);
    EXPECT_EQ(after.at("items").as_array()[0].at("product").at("available"), false);

    auto removed =
        http().request("DELETE", "/api/v1/me/wishlist/" + scarf, "", bearer(eve.access_token));
    EXPECT_EQ(removed.status, 204) << removed.body;
    expect_problem(
        http().request("DELETE", "/api/v1/me/wishlist/" + scarf, "", bearer(eve.access_token)), 404,
        "not-found"
    );
    EXPECT_TRUE(list(eve).at("items").as_array().empty());
}

TEST_F(customer_wishlist, pages_newest_first_with_a_cursor) {
    auto fay = test::register_user(http(), "fay");
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        ids.push_back(product("Paged " + std::to_string(i)));
        ASSERT_EQ(put(fay, ids.back()).status, 201);
    }
    auto first = list(fay, "?limit=2");
    const auto items = first.at("items").as_array();
    ASSERT_EQ(items.size(), 2U);
    EXPECT_EQ(items[0].at("product_id"), boost::json::value(ids[2]));
    EXPECT_EQ(items[1].at("product_id"), boost::json::value(ids[1]));
    ASSERT_TRUE(first.at("next_cursor").is_string());
    auto second = list(fay, "?limit=2&cursor=" + text(first, "next_cursor"));
    const auto rest = second.at("items").as_array();
    ASSERT_EQ(rest.size(), 1U);
    EXPECT_EQ(rest[0].at("product_id"), boost::json::value(ids[0]));
    EXPECT_EQ(second.at("next_cursor"), nullptr);
}

TEST_F(customer_wishlist, only_storefront_products_can_be_added_and_bad_input_changes_nothing) {
    auto gus = test::register_user(http(), "gus");
    auto kept = product("Kept Lamp");
    ASSERT_EQ(put(gus, kept).status, 201);
    auto before = list(gus);

    auto draft = product("Draft Lamp", false);
    auto archived = product("Archived Lamp");
    ASSERT_EQ(
        http()
            .request(
                "POST", "/api/v1/vendor/products/" + archived + "/archive", "",
                bearer(shop_->owner.access_token)
            )
            .status,
        200
    );
    auto closing = test::open_store(*server_, *admin_, "Closing Wish Shop");
    auto of_suspended = product_of(closing, "Suspended Lamp", true);
    auto suspended = http().post_json(
        "/api/v1/admin/vendors/" + closing.vendor_id + "/suspend", json({{"reason", "test"}}),
        bearer(admin_->access_token)
    );
    ASSERT_EQ(suspended.status, 200) << suspended.body;

    for (const auto& id :
         {draft, archived, of_suspended, core::new_id("prod"), std::string{"not-a-product"}}) {
        SCOPED_TRACE(id);
        expect_problem(put(gus, id), 404, "not-found");
    }
    auto with_field = http().request(
        "PUT", "/api/v1/me/wishlist/" + product("Field Lamp"), json({{"note", "for later"}}),
        {{"Authorization", "Bearer " + gus.access_token}, {"Content-Type", "application/json"}}
    );
    expect_problem(with_field, 422, "validation");
    expect_problem(
        http().get("/api/v1/me/wishlist?limit=0", bearer(gus.access_token)), 400, "bad-request"
    );
    expect_problem(
        http().get("/api/v1/me/wishlist?cursor=garbage", bearer(gus.access_token)), 400,
        "bad-request"
    );
    expect_problem(
        http().request("DELETE", "/api/v1/me/wishlist/" + draft, "", bearer(gus.access_token)), 404,
        "not-found"
    );
    EXPECT_EQ(list(gus), before);
}

TEST_F(customer_wishlist, a_full_wishlist_refuses_another_product) {
    auto hal = test::register_user(http(), "hal");
    {
        test::server_db db{*server_};
        for (int i = 0; i < 200; ++i) {
            db.execute(
                "INSERT INTO wishlist_items (id, user_id, product_id, created_at_ms) VALUES ($1, "
                "$2, $3, $4)",
                {core::new_id("wish"), hal.id, core::new_id("prod"), std::int64_t{1}}
            );
        }
    }
    auto one_more = product("One More");
    expect_problem(put(hal, one_more), 409, "conflict");
    test::server_db db{*server_};
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM wishlist_items WHERE user_id = $1", {hal.id}), 200);
}

TEST_F(customer_wishlist, each_customer_sees_only_their_own_wishlist) {
    auto who = test::principals::create(*server_);
    auto shared = product("Shared Mug");
    ASSERT_EQ(put(who.user(caller::customer), shared).status, 201);
    const auto& signed_in = test::signed_in_callers;
    std::vector<test::route_check> table{
        {"GET", "/api/v1/me/wishlist", "", signed_in, 404, 200},
        {"PUT", "/api/v1/me/wishlist/" + shared, "", signed_in, 404, 0},
        {"DELETE", "/api/v1/me/wishlist/" + shared, "", signed_in, 403, 204},
    };
    test::check_routes(*server_, who, table);
    EXPECT_TRUE(list(who.user(caller::customer)).at("items").as_array().empty());
}

}  // namespace
