// Reviews: only delivered items of the reviewer's own orders (once per product per order), edits
// and deletion by the author, public pages of a product's reviews with store replies and rating
// aggregates, replies by the reviewed product's store only, and the aggregates flowing through
// review.* events to products and stores (and from there to the storefront), stale events ignored.
//
// Tests named *_after_delivery drive the lead's checkout and vendor order routes (POST
// /api/v1/store/carts/{id}/checkout, /api/v1/vendor/orders/{id}/accept|ready|handed-over); they
// skip themselves while those routes are not routed. The others insert a review row directly
// (as an operator's tool could) where they need one without an order.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/ids.hpp"
#include "support/roles.hpp"
#include "support/storefront.hpp"
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

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()
    )
        .count();
}

std::map<std::string, std::string> json_as(const test::test_user& u) {
    return {{"Authorization", "Bearer " + u.access_token}, {"Content-Type", "application/json"}};
}

// The {average, count} a storefront page shows.
std::pair<double, std::int64_t> rating_of(const boost::json::value& page) {
    const auto& r = page.at("rating");
    return {r.at("average").to_number<double>(), r.at("count").as_int64()};
}

class customer_reviews : public test::admin_suite<customer_reviews> {
protected:
    static void SetUpTestSuite() {
        admin_suite::SetUpTestSuite();
        shop_ = new test::store_account(test::open_store(*server_, *admin_, "Review Shop"));
        rival_ = new test::store_account(test::open_store(*server_, *admin_, "Rival Shop"));
    }
    static void TearDownTestSuite() {
        delete shop_;
        delete rival_;
        shop_ = nullptr;
        rival_ = nullptr;
        admin_suite::TearDownTestSuite();
    }

    // A product of `s` (published unless told otherwise): {product id, first variant id}.
    std::pair<std::string, std::string> product(
        const test::store_account& s, const std::string& title, bool publish = true
    ) {
        auto p = test::create_product(
            http(), s.owner, test::product_body(title, "R" + std::to_string(++skus_), 1, 1500)
        );
        auto id = text(p, "id");
        if (publish) {
            auto r = http().request(
                "POST", "/api/v1/vendor/products/" + id + "/publish", "",
                bearer(s.owner.access_token)
            );
            EXPECT_EQ(r.status, 200) << r.body;
        }
        return {id, text(p.at("variants").as_array()[0], "id")};
    }

    // A review row written directly, as if `author` had bought `product_id` from `vendor_id`.
    std::string insert_review(
        const test::test_user& author,
        const std::string& product_id,
        const std::string& vendor_id,
        int rating
    ) {
        auto id = core::new_id("rev");
        test::server_db db{*server_};
        db.execute(
            "INSERT INTO reviews (id, user_id, order_id, sub_order_id, product_id, vendor_id, "
            "rating, title, body, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, "
            "$7, NULL, 'Written directly', $8, $8)",
            {id, author.id, core::new_id("ord"), core::new_id("sub"), product_id, vendor_id, rating,
             now_ms()}
        );
        return id;
    }

    boost::json::value storefront_product(const std::string& id) {
        test::wait_for_events(*server_);
        auto r = http().get("/api/v1/store/products/" + id);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json();
    }

    boost::json::value reviews_page(const std::string& product_id, const std::string& query = "") {
        auto r = http().get("/api/v1/store/products/" + product_id + "/reviews" + query);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json();
    }

    std::int64_t count(const std::string& sql, infra::db::params args = {}) {
        test::server_db db{*server_};
        return db.count(sql, std::move(args));
    }

    // Places an order of one unit of `variant_id` as `buyer` for pickup, and (when `deliver`) has
    // the store accept, ready and hand it over: answers {order id, sub-order id}, or nullopt when
    // the checkout routes are not there yet.
    std::optional<std::pair<std::string, std::string>> buy(
        const test::test_user& buyer,
        const test::store_account& seller,
        const std::string& variant_id,
        bool deliver
    ) {
        auto cart = http().post_json(
            "/api/v1/store/carts", json({{"currency", "EUR"}}), bearer(buyer.access_token)
        );
        if (cart.status == 404 || cart.status == 405) {
            return std::nullopt;
        }
        EXPECT_EQ(cart.status, 201) << cart.body;
        auto cart_id = text(cart.json(), "id");
        auto added = http().post_json(
            "/api/v1/store/carts/" + cart_id + "/line-items",
            json({{"variant_id", variant_id}, {"quantity", 1}}), bearer(buyer.access_token)
        );
        EXPECT_EQ(added.status, 200) << added.body;
        auto headers = bearer(buyer.access_token);
        headers["Idempotency-Key"] = core::new_id("key");
        auto placed = http().post_json(
            "/api/v1/store/carts/" + cart_id + "/checkout",
            json(
                {{"shipping_address",
                  {{"line1", "Invalidenstr. 117"},
                   {"city", "Berlin"},
                   {"country", "DE"},
                   {"lat", 52.52},
                   {"lng", 13.405}}},
                 {"delivery", {{"method", "pickup"}}},
                 {"payment", {{"method", "cod"}}}}
            ),
            headers
        );
        if (placed.status == 404 || placed.status == 405) {
            return std::nullopt;
        }
        EXPECT_EQ(placed.status, 201) << placed.body;
        auto order = placed.json().at("order");
        auto order_id = text(order, "id");
        auto sub_id = text(order.at("sub_orders").as_array()[0], "id");
        if (deliver) {
            for (const char* step : {"accept", "ready", "handed-over"}) {
                auto r = http().request(
                    "POST", "/api/v1/vendor/orders/" + sub_id + "/" + step, "",
                    bearer(seller.owner.access_token)
                );
                EXPECT_EQ(r.status, 200) << step << ": " << r.body;
            }
        }
        return std::pair{order_id, sub_id};
    }

    static inline test::store_account* shop_ = nullptr;
    static inline test::store_account* rival_ = nullptr;
    static inline int skus_ = 0;
};

TEST_F(customer_reviews, a_product_not_bought_cannot_be_reviewed_and_bad_input_changes_nothing) {
    auto ivy = test::register_user(http(), "ivy");
    const auto product_id = product(*shop_, "Unbought Kettle").first;
    auto valid = boost::json::object{
        {"order_id", core::new_id("ord")},
        {"product_id", product_id},
        {"rating", 5},
        {"title", "Great"},
        {"body", "Boils fast."}};
    auto not_bought = http().post_json("/api/v1/me/reviews", json(valid), bearer(ivy.access_token));
    expect_problem(not_bought, 422, "validation");
    EXPECT_NE(not_bought.body.find("\"pointer\":\"/product_id\""), std::string::npos)
        << not_bought.body;

    auto with = [&](const char* key, boost::json::value v) {
        auto b = valid;
        b[key] = std::move(v);
        return json(b);
    };
    auto without = [&](const char* key) {
        auto b = valid;
        b.erase(key);
        return json(b);
    };
    struct bad_case {
        std::string body;
        int status;
        std::string slug;
        std::string pointer;
    };
    std::vector<bad_case> cases{
        {with("rating", 0), 422, "validation", "/rating"},
        {with("rating", 6), 422, "validation", "/rating"},
        {with("rating", "5"), 422, "validation", "/rating"},
        {with("rating", 4.5), 422, "validation", "/rating"},
        {with("rating", nullptr), 422, "validation", "/rating"},
        {without("rating"), 422, "validation", "/rating"},
        {without("body"), 422, "validation", "/body"},
        {with("body", "   "), 422, "validation", "/body"},
        {with("body", boost::json::string(std::string(5001, 'x'))), 422, "validation", "/body"},
        {with("title", boost::json::string(std::string(121, 'x'))), 422, "validation", "/title"},
        {with("order_id", "12345"), 422, "validation", "/order_id"},
        {with("product_id", "kettle"), 422, "validation", "/product_id"},
        {with("stars", 5), 422, "validation", "/stars"},
        {"[1, 2]", 422, "validation", ""},
        {"{\"rating\": ", 400, "bad-request", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.body.substr(0, 120));
        auto r = http().post_json("/api/v1/me/reviews", c.body, bearer(ivy.access_token));
        expect_problem(r, c.status, c.slug);
        if (!c.pointer.empty()) {
            EXPECT_NE(r.body.find("\"pointer\":\"" + c.pointer + "\""), std::string::npos)
                << r.body;
        }
    }
    EXPECT_EQ(count("SELECT COUNT(*) FROM reviews WHERE user_id = $1", {ivy.id}), 0);
    EXPECT_EQ(
        count(
            "SELECT COUNT(*) FROM events WHERE type LIKE 'review.%' AND data LIKE $1",
            {"%" + product_id + "%"}
        ),
        0
    );
    auto mine = http().get("/api/v1/me/reviews", bearer(ivy.access_token));
    ASSERT_EQ(mine.status, 200) << mine.body;
    EXPECT_TRUE(mine.json().at("items").as_array().empty());
}

TEST_F(customer_reviews, the_storefront_lists_reviews_of_visible_products_only) {
    const auto product_id = product(*shop_, "Listed Teapot").first;
    auto empty = reviews_page(product_id);
    EXPECT_EQ(empty.at("object"), "list");
    EXPECT_TRUE(empty.at("items").as_array().empty());
    EXPECT_EQ(empty.at("rating").at("count"), 0);
    EXPECT_EQ(empty.at("rating").at("distribution").at("5"), 0);

    auto jay = test::register_user(http(), "jay");
    auto kim = test::register_user(http(), "kim");
    auto older = insert_review(jay, product_id, shop_->vendor_id, 5);
    auto newer = insert_review(kim, product_id, shop_->vendor_id, 2);
    auto page = reviews_page(product_id);
    const auto items = page.at("items").as_array();
    ASSERT_EQ(items.size(), 2U);
    EXPECT_EQ(items[0].at("id"), boost::json::value(newer)) << "newest first";
    EXPECT_EQ(items[1].at("id"), boost::json::value(older));
    EXPECT_FALSE(items[0].as_object().contains("order_id")) << "no order ids in public";
    EXPECT_FALSE(items[0].as_object().contains("user_id"));
    EXPECT_EQ(items[0].at("reply"), nullptr);
    EXPECT_EQ(page.at("rating").at("count"), 2);
    EXPECT_EQ(page.at("rating").at("average").to_number<double>(), 3.5);
    EXPECT_EQ(page.at("rating").at("distribution").at("2"), 1);
    EXPECT_EQ(page.at("rating").at("distribution").at("5"), 1);

    auto first = reviews_page(product_id, "?limit=1");
    ASSERT_EQ(first.at("items").as_array().size(), 1U);
    auto second = reviews_page(product_id, "?limit=1&cursor=" + text(first, "next_cursor"));
    ASSERT_EQ(second.at("items").as_array().size(), 1U);
    EXPECT_EQ(second.at("items").as_array()[0].at("id"), boost::json::value(older));
    EXPECT_EQ(second.at("next_cursor"), nullptr);

    // Conditional GET.
    auto full = http().get("/api/v1/store/products/" + product_id + "/reviews");
    auto etag = full.header("etag");
    ASSERT_FALSE(etag.empty());
    auto again =
        http().get("/api/v1/store/products/" + product_id + "/reviews", {{"If-None-Match", etag}});
    EXPECT_EQ(again.status, 304);

    const auto draft_id = product(*shop_, "Draft Teapot", false).first;
    expect_problem(http().get("/api/v1/store/products/" + draft_id + "/reviews"), 404, "not-found");
    expect_problem(
        http().get("/api/v1/store/products/" + core::new_id("prod") + "/reviews"), 404, "not-found"
    );
    expect_problem(http().get("/api/v1/store/products/listed-teapot/reviews"), 404, "not-found");
    expect_problem(
        http().get("/api/v1/store/products/" + product_id + "/reviews?limit=101"), 400,
        "bad-request"
    );
    expect_problem(
        http().get("/api/v1/store/products/" + product_id + "/reviews?cursor=x"), 400, "bad-request"
    );
}

TEST_F(customer_reviews, edits_and_deletion_flow_to_product_and_store_ratings) {
    auto lea = test::register_user(http(), "lea");
    auto max = test::register_user(http(), "max");
    const auto product_id = product(*shop_, "Rated Mug").first;
    auto review_id = insert_review(lea, product_id, shop_->vendor_id, 2);
    auto path = "/api/v1/me/reviews/" + review_id;

    // Another customer cannot see, edit or delete it.
    expect_problem(http().get(path, bearer(max.access_token)), 404, "not-found");
    expect_problem(
        http().request("PATCH", path, json({{"rating", 1}}), json_as(max)), 404, "not-found"
    );
    expect_problem(http().request("DELETE", path, "", bearer(max.access_token)), 404, "not-found");

    auto edited = http().request(
        "PATCH", path, json({{"rating", 4}, {"title", "Better than I thought"}}), json_as(lea)
    );
    ASSERT_EQ(edited.status, 200) << edited.body;
    EXPECT_EQ(edited.json().at("rating"), 4);
    EXPECT_EQ(edited.json().at("title"), "Better than I thought");
    EXPECT_EQ(edited.json().at("body"), "Written directly") << "absent fields stay";
    EXPECT_TRUE(edited.json().as_object().contains("order_id")) << "the author sees the order";

    test::server_db db{*server_};
    auto data = db.query(
        "SELECT data FROM events WHERE aggregate_id = $1 AND type = 'review.updated'", {review_id}
    );
    ASSERT_EQ(data.size(), 1U);
    auto event = boost::json::parse(data.front().get<std::string>(0));
    EXPECT_EQ(event.at("product_id"), boost::json::value(product_id));
    EXPECT_EQ(event.at("vendor_id"), boost::json::value(shop_->vendor_id));
    EXPECT_EQ(event.at("product_rating").at("count"), 1);
    EXPECT_EQ(event.at("product_rating").at("average").to_number<double>(), 4.0);
    EXPECT_EQ(event.at("product_rating").at("version"), 1);

    auto page = storefront_product(product_id);
    EXPECT_EQ(rating_of(page), (std::pair<double, std::int64_t>{4.0, 1}));
    auto vendor_product =
        http().get("/api/v1/vendor/products/" + product_id, bearer(shop_->owner.access_token));
    EXPECT_EQ(vendor_product.json().at("rating").at("count"), 1);
    auto store_page = http().get("/api/v1/store/vendors/" + shop_->handle);
    ASSERT_EQ(store_page.status, 200) << store_page.body;
    EXPECT_GE(store_page.json().at("rating").at("count").as_int64(), 1);

    // Edits with bad input change nothing.
    for (const auto& bad :
         {json({{"rating", 9}}), json({{"body", nullptr}}), json({{"body", ""}}),
          json({{"order_id", "ord_x"}})}) {
        SCOPED_TRACE(bad);
        expect_problem(http().request("PATCH", path, bad, json_as(lea)), 422, "validation");
    }
    auto unchanged = http().get(path, bearer(lea.access_token));
    EXPECT_EQ(unchanged.json().at("rating"), 4);

    auto mine = http().get("/api/v1/me/reviews", bearer(lea.access_token));
    ASSERT_EQ(mine.json().at("items").as_array().size(), 1U);

    auto removed = http().request("DELETE", path, "", bearer(lea.access_token));
    EXPECT_EQ(removed.status, 204) << removed.body;
    expect_problem(http().get(path, bearer(lea.access_token)), 404, "not-found");
    EXPECT_EQ(rating_of(storefront_product(product_id)), (std::pair<double, std::int64_t>{0.0, 0}));
    EXPECT_EQ(
        test::event_types(*server_, review_id),
        (std::vector<std::string>{"review.updated", "review.deleted"})
    );
}

TEST_F(customer_reviews, only_the_reviewed_products_store_replies) {
    auto who = test::principals::create(*server_);
    const auto product_id = product(*shop_, "Replied Vase").first;
    auto review_id = insert_review(who.user(caller::customer), product_id, shop_->vendor_id, 3);
    auto reply_path = "/api/v1/vendor/reviews/" + review_id + "/reply";
    auto reply = json({{"body", "Thank you for the feedback!"}});

    // Customers and couriers lack the vendor role; the vendor principal has no store.
    const std::set<caller> nobody{};
    std::vector<test::route_check> table{
        {"POST", reply_path, reply, nobody, 403},
        {"GET", "/api/v1/vendor/reviews", "", nobody, 403},
    };
    test::check_routes(*server_, who, table);

    // Another store's owner: the review is not theirs.
    expect_problem(
        http().request("POST", reply_path, reply, json_as(rival_->owner)), 404, "not-found"
    );
    auto rival_list = http().get("/api/v1/vendor/reviews", bearer(rival_->owner.access_token));
    ASSERT_EQ(rival_list.status, 200) << rival_list.body;
    const auto rival_reviews = rival_list.json();
    for (const auto& r : rival_reviews.at("items").as_array()) {
        EXPECT_NE(r.at("id"), boost::json::value(review_id));
    }
    for (const auto& bad :
         {json({{"body", ""}}), json({{"body", std::string(2001, 'x')}}), json({{"text", "hi"}}),
          std::string{"{}"}}) {
        SCOPED_TRACE(bad);
        expect_problem(
            http().request("POST", reply_path, bad, json_as(shop_->owner)), 422, "validation"
        );
    }
    expect_problem(
        http().request(
            "POST", "/api/v1/vendor/reviews/" + core::new_id("rev") + "/reply", reply,
            json_as(shop_->owner)
        ),
        404, "not-found"
    );
    EXPECT_EQ(
        count("SELECT COUNT(*) FROM reviews WHERE reply_body IS NOT NULL AND id = $1", {review_id}),
        0
    );

    auto answered = http().request("POST", reply_path, reply, json_as(shop_->owner));
    ASSERT_EQ(answered.status, 200) << answered.body;
    EXPECT_EQ(answered.json().at("reply").at("body"), "Thank you for the feedback!");
    auto replaced = http().request(
        "POST", reply_path, json({{"body", "Thanks again."}}), json_as(shop_->owner)
    );
    ASSERT_EQ(replaced.status, 200) << replaced.body;

    auto page = reviews_page(product_id);
    EXPECT_EQ(page.at("items").as_array()[0].at("reply").at("body"), "Thanks again.");
    auto unanswered = http().get(
        "/api/v1/vendor/reviews?replied=false&product_id=" + product_id,
        bearer(shop_->owner.access_token)
    );
    ASSERT_EQ(unanswered.status, 200) << unanswered.body;
    EXPECT_TRUE(unanswered.json().at("items").as_array().empty());
    auto answered_list = http().get(
        "/api/v1/vendor/reviews?replied=true&product_id=" + product_id,
        bearer(shop_->owner.access_token)
    );
    ASSERT_EQ(answered_list.json().at("items").as_array().size(), 1U);
    // Filtering by another store's product finds nothing.
    auto foreign = http().get(
        "/api/v1/vendor/reviews?product_id=" + product_id, bearer(rival_->owner.access_token)
    );
    ASSERT_EQ(foreign.status, 200) << foreign.body;
    EXPECT_TRUE(foreign.json().at("items").as_array().empty());
    expect_problem(
        http().get("/api/v1/vendor/reviews?product_id=mug", bearer(shop_->owner.access_token)), 400,
        "bad-request"
    );
    EXPECT_EQ(
        test::event_types(*server_, review_id),
        (std::vector<std::string>{"review.replied", "review.replied"})
    );
}

TEST_F(customer_reviews, stale_rating_events_do_not_overwrite_newer_ratings) {
    const auto product_id = product(*shop_, "Out Of Order Lamp").first;
    auto send = [&](std::int64_t version, double average, std::int64_t n) {
        boost::json::object data{
            {"review_id", core::new_id("rev")},
            {"product_id", product_id},
            {"vendor_id", rival_->vendor_id + "-none"},
            {"rating", 5},
            {"product_rating", {{"average", average}, {"count", n}, {"version", version}}}};
        test::server_db db{*server_};
        db.execute(
            "INSERT INTO events (id, type, aggregate_id, data, created_at_ms) VALUES ($1, "
            "'review.updated', $2, $3, $4)",
            {core::new_id("evt"), text(data, "review_id"), json(data), now_ms()}
        );
    };
    send(5, 4.5, 2);
    EXPECT_EQ(rating_of(storefront_product(product_id)), (std::pair<double, std::int64_t>{4.5, 2}));
    send(3, 1.0, 1);  // an older aggregate delivered late
    EXPECT_EQ(rating_of(storefront_product(product_id)), (std::pair<double, std::int64_t>{4.5, 2}));
    send(6, 3.0, 3);
    EXPECT_EQ(rating_of(storefront_product(product_id)), (std::pair<double, std::int64_t>{3.0, 3}));
}

TEST_F(customer_reviews, a_delivered_item_is_reviewed_once_per_order_after_delivery) {
    auto ned = test::register_user(http(), "ned");
    const auto bowl = product(*shop_, "Delivered Bowl");
    const auto& product_id = bowl.first;
    const auto& variant_id = bowl.second;
    auto pending = buy(ned, *shop_, variant_id, false);
    if (!pending) {
        GTEST_SKIP() << "needs the lead's checkout and vendor order routes";
    }
    auto body = [&](const std::string& order_id, int rating) {
        return json(
            {{"order_id", order_id},
             {"product_id", product_id},
             {"rating", rating},
             {"body", "Solid bowl."}}
        );
    };
    // Placed but not delivered yet.
    expect_problem(
        http().post_json("/api/v1/me/reviews", body(pending->first, 5), bearer(ned.access_token)),
        409, "conflict"
    );
    // Someone else's order looks like no purchase at all.
    auto other = test::register_user(http(), "other-ned");
    auto delivered = buy(ned, *shop_, variant_id, true);
    ASSERT_TRUE(delivered.has_value());
    expect_problem(
        http().post_json(
            "/api/v1/me/reviews", body(delivered->first, 5), bearer(other.access_token)
        ),
        422, "validation"
    );

    auto made =
        http().post_json("/api/v1/me/reviews", body(delivered->first, 5), bearer(ned.access_token));
    ASSERT_EQ(made.status, 201) << made.body;
    auto review = made.json();
    EXPECT_TRUE(text(review, "id").starts_with("rev_"));
    EXPECT_EQ(made.header("location"), "/api/v1/me/reviews/" + text(review, "id"));
    EXPECT_EQ(review.at("order_id"), boost::json::value(delivered->first));
    EXPECT_EQ(review.at("sub_order_id"), boost::json::value(delivered->second));
    EXPECT_EQ(review.at("vendor_id"), boost::json::value(shop_->vendor_id));

    expect_problem(
        http().post_json("/api/v1/me/reviews", body(delivered->first, 1), bearer(ned.access_token)),
        409, "conflict"
    );
    EXPECT_EQ(rating_of(storefront_product(product_id)), (std::pair<double, std::int64_t>{5.0, 1}));

    // A second delivered order of the same product may be reviewed again.
    auto again = buy(ned, *shop_, variant_id, true);
    ASSERT_TRUE(again.has_value());
    auto second =
        http().post_json("/api/v1/me/reviews", body(again->first, 2), bearer(ned.access_token));
    ASSERT_EQ(second.status, 201) << second.body;
    EXPECT_EQ(rating_of(storefront_product(product_id)), (std::pair<double, std::int64_t>{3.5, 2}));
    EXPECT_EQ(
        test::event_types(*server_, text(review, "id")), std::vector<std::string>{"review.created"}
    );

    // The rival store cannot answer it; the seller can.
    auto reply_path = "/api/v1/vendor/reviews/" + text(review, "id") + "/reply";
    expect_problem(
        http().request("POST", reply_path, json({{"body", "Hi"}}), json_as(rival_->owner)), 404,
        "not-found"
    );
    auto replied =
        http().request("POST", reply_path, json({{"body", "Enjoy it!"}}), json_as(shop_->owner));
    EXPECT_EQ(replied.status, 200) << replied.body;
}

}  // namespace
