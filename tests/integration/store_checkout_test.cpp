// Checkout and orders over real sockets: one order per cart with a sub-order per vendor, stock
// reserved atomically (200 concurrent buyers for 10 units), idempotent replays, the customer's
// and the vendors' order routes, every illegal transition refused, unpaid reservations expiring.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <latch>
#include <set>
#include <thread>

#include "support/carts.hpp"
#include "support/roles.hpp"
#include "support/vendors.hpp"

namespace {

using test::bearer;
using test::expect_problem;

class store_checkout : public test::admin_suite<store_checkout> {
public:
    static void configure(std::map<std::string, std::string>& env) {
        env["TRADER_TEST_HOOKS"] = "1";  // the test_deferred payment method
        env["TRADER_RESERVATION_TTL"] = "1s";
        env["TRADER_RESERVATION_SWEEP_INTERVAL"] = "100ms";
    }

protected:
    static void SetUpTestSuite() {
        admin_suite::SetUpTestSuite();
        for (int i = 0; i < 3; ++i) {
            stores_.push_back(
                test::open_store(*server_, *admin_, "Checkout Store " + std::to_string(i))
            );
        }
    }
    static void TearDownTestSuite() {
        stores_.clear();
        admin_suite::TearDownTestSuite();
    }

    static boost::json::object checkout_body(
        const std::string& delivery = "courier", const std::string& payment = "cod"
    ) {
        return boost::json::object{
            {"shipping_address",
             boost::json::object{
                 {"line1", "Torstrasse 1"},
                 {"city", "Berlin"},
                 {"country", "DE"},
                 {"lat", 52.529},
                 {"lng", 13.401}}},
            {"delivery", boost::json::object{{"method", delivery}}},
            {"payment", boost::json::object{{"method", payment}}}};
    }

    static std::string key() {
        static std::atomic<int> n{0};
        return "checkout-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
    }

    test::http_response checkout(
        test::http_client& client,
        const test::test_cart& cart,
        const boost::json::object& body,
        const std::optional<std::string>& idempotency_key = key()
    ) {
        auto headers = test::cart_headers(cart);
        if (idempotency_key) {
            headers["Idempotency-Key"] = *idempotency_key;
        }
        return client.post_json(
            "/api/v1/store/carts/" + cart.id + "/checkout", boost::json::serialize(body), headers
        );
    }

    // {on hand, reserved} of a variant, read from the database.
    std::pair<std::int64_t, std::int64_t> stock_of(const std::string& variant_id) {
        test::server_db db{*server_};
        auto rows = db.query(
            "SELECT stock_on_hand, stock_reserved FROM variants WHERE id = $1", {variant_id}
        );
        auto r = rows.front();
        return {r.get<std::int64_t>(0), r.get<std::int64_t>(1)};
    }

    // The newest variant.stock_changed of `product_id`.
    boost::json::object last_stock_event(const std::string& product_id) {
        test::server_db db{*server_};
        auto rows = db.query(
            "SELECT data FROM events WHERE aggregate_id = $1 AND type = 'variant.stock_changed' "
            "ORDER BY id DESC LIMIT 1",
            {product_id}
        );
        return boost::json::parse(rows.front().get<std::string>(0)).as_object();
    }

    std::int64_t orders_of_cart(const std::string& cart_id) {
        test::server_db db{*server_};
        return db.count("SELECT COUNT(*) FROM orders WHERE cart_id = $1", {cart_id});
    }

    test::test_user customer() { return test::register_user(http(), "buyer"); }

    test::http_response vendor_act(
        const test::store_account& store, const std::string& sub_id, const std::string& action,
        const std::string& body = ""
    ) {
        return http().request(
            "POST", "/api/v1/vendor/orders/" + sub_id + "/" + action, body,
            [&] {
                auto h = bearer(store.owner.access_token);
                if (!body.empty()) {
                    h["Content-Type"] = "application/json";
                }
                return h;
            }()
        );
    }

    static inline std::vector<test::store_account> stores_;
};

TEST_F(store_checkout, a_three_vendor_cart_becomes_one_order_with_three_sub_orders) {
    auto buyer = customer();
    std::vector<test::sale_product> products;
    for (std::size_t i = 0; i < stores_.size(); ++i) {
        products.push_back(test::make_sale_product(
            *server_, stores_[i], "Split Lamp " + std::to_string(i), 1000 + 100 * i, 5
        ));
    }
    auto cart = test::create_cart(http(), "EUR", &buyer);
    for (const auto& p : products) {
        test::add_to_cart(http(), cart, p.variant_ids[0], 2);
    }
    auto placed = checkout(http(), cart, checkout_body());
    ASSERT_EQ(placed.status, 201) << placed.body;
    auto json = placed.json();
    const auto& o = json.at("order").as_object();
    EXPECT_EQ(o.at("status").as_string(), "placed");
    EXPECT_EQ(o.at("object").as_string(), "order");
    EXPECT_EQ(placed.header("location"), "/api/v1/me/orders/" + std::string{o.at("id").as_string()});
    const auto& subs = o.at("sub_orders").as_array();
    ASSERT_EQ(subs.size(), 3U);
    std::int64_t total = 0;
    std::set<std::string> vendors;
    for (const auto& s : subs) {
        EXPECT_EQ(s.at("status").as_string(), "placed");
        EXPECT_EQ(s.at("items").as_array().size(), 1U);
        vendors.insert(std::string{s.at("vendor_id").as_string()});
        total += s.at("totals").at("total").at("amount").as_int64();
    }
    EXPECT_EQ(vendors.size(), 3U);
    EXPECT_EQ(total, o.at("totals").at("total").at("amount").as_int64());
    EXPECT_EQ(o.at("totals").at("subtotal").at("amount").as_int64(), 2 * (1000 + 1100 + 1200));
    for (const auto& p : products) {
        EXPECT_EQ(stock_of(p.variant_ids[0]), (std::pair<std::int64_t, std::int64_t>{5, 2}));
    }
    // The order is in the customer's history with its timeline.
    auto mine = http().get("/api/v1/me/orders", bearer(buyer.access_token));
    ASSERT_EQ(mine.status, 200);
    auto list = mine.json();
    ASSERT_EQ(list.at("items").as_array().size(), 1U);
    EXPECT_EQ(list.at("items").as_array()[0].at("id"), o.at("id"));
    auto one = http().get(
        "/api/v1/me/orders/" + std::string{o.at("id").as_string()}, bearer(buyer.access_token)
    );
    ASSERT_EQ(one.status, 200);
    auto detail = one.json();
    EXPECT_FALSE(detail.at("history").as_array().empty());
    // The cart is closed: a second checkout of it is refused.
    auto again = checkout(http(), cart, checkout_body());
    EXPECT_EQ(again.status, 409) << again.body;
    // order.placed and a suborder.created per vendor went to the outbox with the order.
    test::server_db db{*server_};
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM events WHERE type = 'order.placed' AND aggregate_id = $1",
            {std::string{o.at("id").as_string()}}
        ),
        1
    );
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM events WHERE type = 'suborder.created' AND aggregate_id IN"
            " (SELECT id FROM sub_orders WHERE order_id = $1)",
            {std::string{o.at("id").as_string()}}
        ),
        3
    );
}

TEST_F(store_checkout, the_same_key_replays_and_a_different_body_is_a_conflict) {
    auto p = test::make_sale_product(*server_, stores_[0], "Replay Vase", 900, 5);
    auto cart = test::create_cart(http());
    test::add_to_cart(http(), cart, p.variant_ids[0], 1);
    auto body = checkout_body("pickup");
    body["email"] = "guest@example.test";
    auto k = key();
    const std::string stored = R"(idempotency_requests_total{outcome="stored"})";
    const std::string lost = R"(idempotency_requests_total{outcome="lost"})";
    auto stored_before = test::metric_value(http().get("/metrics").body, stored);
    auto first = checkout(http(), cart, body, k);
    ASSERT_EQ(first.status, 201) << first.body;
    auto metrics = http().get("/metrics").body;
    // Stored once, in the order's own transaction: a second write would find the key done.
    EXPECT_EQ(test::metric_value(metrics, stored), stored_before + 1);
    EXPECT_EQ(test::metric_value(metrics, lost), 0);
    auto second = checkout(http(), cart, body, k);
    ASSERT_EQ(second.status, 201) << second.body;
    EXPECT_EQ(second.body, first.body);
    EXPECT_EQ(second.header("location"), first.header("location"));
    EXPECT_EQ(second.header("idempotent-replayed"), "true");
    EXPECT_EQ(orders_of_cart(cart.id), 1);
    EXPECT_EQ(stock_of(p.variant_ids[0]).second, 1);
    body["email"] = "other@example.test";
    auto changed = checkout(http(), cart, body, k);
    expect_problem(changed, 409, "idempotency-conflict");
    EXPECT_EQ(orders_of_cart(cart.id), 1);
}

TEST_F(store_checkout, concurrent_retries_with_one_key_place_one_order_and_replay_it) {
    auto p = test::make_sale_product(*server_, stores_[2], "Retried Kettle", 2500, 5);
    auto cart = test::create_cart(http());
    test::add_to_cart(http(), cart, p.variant_ids[0], 1);
    auto body = checkout_body("pickup");
    body["email"] = "retry@example.test";
    const auto k = key();
    constexpr int retries = 12;
    std::vector<test::http_response> answers(retries);
    std::latch start{retries};
    std::vector<std::thread> threads;
    for (int i = 0; i < retries; ++i) {
        threads.emplace_back([&, i] {
            test::http_client client{server_->port()};
            start.arrive_and_wait();
            answers[static_cast<std::size_t>(i)] = checkout(client, cart, body, k);
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    // The order's transaction claims the key: one of them places the order, the others find its
    // answer (their own transactions are undone) and replay it.
    std::set<std::string> orders;
    int first = 0;
    for (const auto& a : answers) {
        ASSERT_EQ(a.status, 201) << a.body;
        orders.insert(std::string{a.json().at("order").at("id").as_string()});
        if (a.header("idempotent-replayed").empty()) {
            ++first;
        }
    }
    EXPECT_EQ(orders.size(), 1U);
    EXPECT_EQ(first, 1);
    EXPECT_EQ(orders_of_cart(cart.id), 1);
    EXPECT_EQ(stock_of(p.variant_ids[0]), (std::pair<std::int64_t, std::int64_t>{5, 1}));
    test::server_db db{*server_};
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM events WHERE type = 'order.placed' AND aggregate_id = $1",
            {*orders.begin()}
        ),
        1
    );
}

TEST_F(store_checkout, bad_input_is_refused_and_changes_nothing) {
    auto p = test::make_sale_product(*server_, stores_[1], "Bad Input Chair", 4000, 3);
    auto buyer = customer();
    auto cart = test::create_cart(http(), "EUR", &buyer);
    test::add_to_cart(http(), cart, p.variant_ids[0], 1);

    expect_problem(checkout(http(), cart, checkout_body(), std::nullopt), 400, "bad-request");

    auto out_of_range = checkout_body();
    out_of_range["shipping_address"].as_object()["lat"] = 91.5;
    expect_problem(checkout(http(), cart, out_of_range), 422, "validation");

    auto no_address = checkout_body();
    no_address.erase("shipping_address");
    expect_problem(checkout(http(), cart, no_address), 422, "validation");

    auto bad_country = checkout_body();
    bad_country["shipping_address"].as_object()["country"] = "de";
    expect_problem(checkout(http(), cart, bad_country), 422, "validation");

    auto unknown_field = checkout_body();
    unknown_field["coupon"] = "FREE";
    expect_problem(checkout(http(), cart, unknown_field), 422, "validation");

    expect_problem(checkout(http(), cart, checkout_body("drone")), 422, "validation");
    expect_problem(checkout(http(), cart, checkout_body("courier", "card")), 422, "validation");

    auto far = checkout_body();  // beyond the last courier fee band
    far["shipping_address"].as_object()["lat"] = 48.137;
    far["shipping_address"].as_object()["lng"] = 11.575;
    auto refused = checkout(http(), cart, far);
    EXPECT_GE(refused.status, 400);
    EXPECT_LT(refused.status, 500);

    auto malformed = http().post_json(
        "/api/v1/store/carts/" + cart.id + "/checkout", "{\"shipping_address\":",
        [&] {
            auto h = test::cart_headers(cart);
            h["Idempotency-Key"] = key();
            return h;
        }()
    );
    expect_problem(malformed, 400, "bad-request");

    EXPECT_EQ(orders_of_cart(cart.id), 0);
    EXPECT_EQ(stock_of(p.variant_ids[0]), (std::pair<std::int64_t, std::int64_t>{3, 0}));

    // A guest must leave an email address.
    auto guest = test::create_cart(http());
    test::add_to_cart(http(), guest, p.variant_ids[0], 1);
    expect_problem(checkout(http(), guest, checkout_body()), 422, "validation");
    EXPECT_EQ(orders_of_cart(guest.id), 0);
}

TEST_F(store_checkout, nobody_checks_out_a_cart_that_is_not_theirs) {
    auto p = test::make_sale_product(*server_, stores_[2], "Private Desk", 1500, 3);
    auto owner = customer();
    auto cart = test::create_cart(http(), "EUR", &owner);
    test::add_to_cart(http(), cart, p.variant_ids[0], 1);
    auto body = checkout_body();
    body["email"] = "intruder@example.test";

    auto as_guest = http().post_json(
        "/api/v1/store/carts/" + cart.id + "/checkout", boost::json::serialize(body),
        {{"Idempotency-Key", key()}}
    );
    expect_problem(as_guest, 404, "not-found");
    auto intruder = customer();
    auto headers = bearer(intruder.access_token);
    headers["Idempotency-Key"] = key();
    auto as_other = http().post_json(
        "/api/v1/store/carts/" + cart.id + "/checkout", boost::json::serialize(body), headers
    );
    expect_problem(as_other, 404, "not-found");
    auto guest_cart = test::create_cart(http());
    test::add_to_cart(http(), guest_cart, p.variant_ids[0], 1);
    auto wrong_token = http().post_json(
        "/api/v1/store/carts/" + cart.id + "/checkout", boost::json::serialize(body),
        {{"Idempotency-Key", key()}, {"X-Cart-Token", guest_cart.token}}
    );
    expect_problem(wrong_token, 404, "not-found");
    EXPECT_EQ(orders_of_cart(cart.id), 0);
    EXPECT_EQ(stock_of(p.variant_ids[0]).second, 0);
}

TEST_F(store_checkout, the_last_units_go_to_one_buyer_and_the_next_is_told_which_variant) {
    auto p = test::make_sale_product(*server_, stores_[0], "Last Units Rug", 2000, 3, 2);
    auto first = test::create_cart(http());
    auto second = test::create_cart(http());
    test::add_to_cart(http(), first, p.variant_ids[0], 2);
    test::add_to_cart(http(), second, p.variant_ids[0], 2);
    test::add_to_cart(http(), second, p.variant_ids[1], 1);
    auto body = checkout_body("pickup");
    body["email"] = "rug@example.test";
    ASSERT_EQ(checkout(http(), first, body).status, 201);
    auto late = checkout(http(), second, body);
    expect_problem(late, 409, "insufficient-stock");
    EXPECT_NE(late.body.find(p.variant_ids[0]), std::string::npos) << late.body;
    EXPECT_EQ(late.body.find(p.variant_ids[1]), std::string::npos) << late.body;
    EXPECT_EQ(orders_of_cart(second.id), 0);
    // Nothing of the refused order stayed reserved, the other variant included.
    EXPECT_EQ(stock_of(p.variant_ids[0]), (std::pair<std::int64_t, std::int64_t>{3, 2}));
    EXPECT_EQ(stock_of(p.variant_ids[1]), (std::pair<std::int64_t, std::int64_t>{3, 0}));
}

TEST_F(store_checkout, two_hundred_buyers_for_ten_units_sell_exactly_ten) {
    constexpr int buyers = 200;
    constexpr std::int64_t units = 10;
    auto p = test::make_sale_product(*server_, stores_[1], "Limited Edition Print", 5000, units);
    std::vector<test::test_cart> carts;
    for (int i = 0; i < buyers; ++i) {
        carts.push_back(test::create_cart(http()));
        test::add_to_cart(http(), carts.back(), p.variant_ids[0], 1);
    }
    auto body = checkout_body("pickup");
    body["email"] = "collector@example.test";
    const auto text = boost::json::serialize(body);
    std::atomic<int> sold{0};
    std::atomic<int> told{0};
    std::atomic<int> other{0};
    std::latch start{buyers};
    std::vector<std::thread> threads;
    for (int i = 0; i < buyers; ++i) {
        threads.emplace_back([&, i] {
            test::http_client client{server_->port()};  // one connection per buyer
            auto headers = test::cart_headers(carts[static_cast<std::size_t>(i)]);
            headers["Idempotency-Key"] = "oversell-" + std::to_string(i);
            start.arrive_and_wait();
            auto r = client.post_json(
                "/api/v1/store/carts/" + carts[static_cast<std::size_t>(i)].id + "/checkout", text,
                headers
            );
            if (r.status == 201) {
                ++sold;
            } else if (r.status == 409 && r.body.find("insufficient-stock") != std::string::npos) {
                ++told;
            } else {
                ++other;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(sold.load(), units);
    EXPECT_EQ(told.load(), buyers - units);
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(stock_of(p.variant_ids[0]), (std::pair<std::int64_t, std::int64_t>{units, units}));
    test::server_db db{*server_};
    EXPECT_EQ(
        db.count("SELECT COALESCE(SUM(quantity), 0) FROM order_items WHERE variant_id = $1",
                 {p.variant_ids[0]}),
        units
    );
    // Sold out: the storefront shows it once the stock events are processed.
    bool in_stock = true;
    for (int i = 0; i < 100 && in_stock; ++i) {
        auto shown = http().get("/api/v1/store/products/" + p.id);
        if (shown.status == 200) {
            in_stock = shown.json().at("in_stock").as_bool();
        }
        if (in_stock) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    EXPECT_FALSE(in_stock);
}

TEST_F(store_checkout, a_customer_cancels_before_acceptance_and_the_stock_comes_back) {
    auto p = test::make_sale_product(*server_, stores_[2], "Cancel Me Clock", 3000, 4);
    auto buyer = customer();
    auto cart = test::create_cart(http(), "EUR", &buyer);
    test::add_to_cart(http(), cart, p.variant_ids[0], 3);
    auto placed = checkout(http(), cart, checkout_body());
    ASSERT_EQ(placed.status, 201) << placed.body;
    auto json = placed.json();
    auto id = std::string{json.at("order").at("id").as_string()};
    EXPECT_EQ(stock_of(p.variant_ids[0]).second, 3);
    // What can still be sold, before and after, for the storefront to see a variant sell out.
    auto reserved = last_stock_event(p.id);
    EXPECT_EQ(reserved.at("variant_id"), boost::json::value(p.variant_ids[0]));
    EXPECT_EQ(reserved.at("vendor_id"), boost::json::value(stores_[2].vendor_id));
    EXPECT_EQ(reserved.at("stock"), 1);
    EXPECT_EQ(reserved.at("previous"), 4);

    auto stranger = customer();
    expect_problem(
        http().request("POST", "/api/v1/me/orders/" + id + "/cancel", "", bearer(stranger.access_token)),
        404, "not-found"
    );
    expect_problem(
        http().get("/api/v1/me/orders/" + id, bearer(stranger.access_token)), 404, "not-found"
    );
    expect_problem(http().get("/api/v1/me/orders/" + id), 401, "unauthenticated");
    EXPECT_EQ(stock_of(p.variant_ids[0]).second, 3);

    auto cancelled = http().request(
        "POST", "/api/v1/me/orders/" + id + "/cancel", R"({"reason":"changed my mind"})",
        [&] {
            auto h = bearer(buyer.access_token);
            h["Content-Type"] = "application/json";
            return h;
        }()
    );
    ASSERT_EQ(cancelled.status, 200) << cancelled.body;
    auto after = cancelled.json();
    EXPECT_EQ(after.at("status").as_string(), "cancelled");
    EXPECT_EQ(after.at("sub_orders").as_array()[0].at("status").as_string(), "cancelled");
    EXPECT_EQ(stock_of(p.variant_ids[0]), (std::pair<std::int64_t, std::int64_t>{4, 0}));
    auto released = last_stock_event(p.id);
    EXPECT_EQ(released.at("stock"), 4);
    EXPECT_EQ(released.at("previous"), 1);
    auto twice = http().request("POST", "/api/v1/me/orders/" + id + "/cancel", "", bearer(buyer.access_token));
    expect_problem(twice, 409, "conflict");
    EXPECT_NE(twice.body.find("cancelled"), std::string::npos) << twice.body;
    // The vendor can no longer accept it.
    auto sub = std::string{after.at("sub_orders").as_array()[0].at("id").as_string()};
    expect_problem(vendor_act(stores_[2], sub, "accept"), 409, "conflict");
}

TEST_F(store_checkout, vendors_move_only_their_own_sub_orders_along_the_state_machine) {
    auto mine = test::make_sale_product(*server_, stores_[0], "Flow Teapot", 2500, 6);
    auto theirs = test::make_sale_product(*server_, stores_[1], "Flow Cups", 800, 6);
    auto buyer = customer();
    auto cart = test::create_cart(http(), "EUR", &buyer);
    test::add_to_cart(http(), cart, mine.variant_ids[0], 2);
    test::add_to_cart(http(), cart, theirs.variant_ids[0], 4);
    auto placed = checkout(http(), cart, checkout_body("pickup"));
    ASSERT_EQ(placed.status, 201) << placed.body;
    auto json = placed.json();
    const auto& order = json.at("order").as_object();
    auto order_id = std::string{order.at("id").as_string()};
    std::string my_sub;
    std::string their_sub;
    for (const auto& s : order.at("sub_orders").as_array()) {
        (s.at("vendor_id").as_string() == stores_[0].vendor_id ? my_sub : their_sub) =
            std::string{s.at("id").as_string()};
    }
    ASSERT_FALSE(my_sub.empty());
    ASSERT_FALSE(their_sub.empty());

    // Each vendor lists only its own sub-order, with the address to deliver to.
    auto listed = http().get("/api/v1/vendor/orders?status=placed", bearer(stores_[0].owner.access_token));
    ASSERT_EQ(listed.status, 200) << listed.body;
    auto list = listed.json();
    bool found = false;
    for (const auto& s : list.at("items").as_array()) {
        EXPECT_EQ(s.at("vendor_id").as_string(), stores_[0].vendor_id);
        found = found || s.at("id").as_string() == my_sub;
    }
    EXPECT_TRUE(found);
    expect_problem(
        http().get("/api/v1/vendor/orders/" + their_sub, bearer(stores_[0].owner.access_token)),
        404, "not-found"
    );
    expect_problem(vendor_act(stores_[0], their_sub, "accept"), 404, "not-found");
    expect_problem(
        http().request("POST", "/api/v1/vendor/orders/" + my_sub + "/accept", "", bearer(buyer.access_token)),
        403, "forbidden"
    );
    expect_problem(
        http().get("/api/v1/vendor/orders?status=shipped", bearer(stores_[0].owner.access_token)),
        400, "bad-request"
    );

    // Illegal transitions name the current state.
    auto early = vendor_act(stores_[0], my_sub, "ready");
    expect_problem(early, 409, "conflict");
    EXPECT_NE(early.body.find("placed"), std::string::npos) << early.body;
    expect_problem(vendor_act(stores_[0], my_sub, "handed-over"), 409, "conflict");
    expect_problem(vendor_act(stores_[1], their_sub, "reject"), 422, "validation");  // no reason

    auto accepted = vendor_act(stores_[0], my_sub, "accept");
    ASSERT_EQ(accepted.status, 200) << accepted.body;
    EXPECT_EQ(accepted.json().at("status").as_string(), "accepted");
    expect_problem(vendor_act(stores_[0], my_sub, "accept"), 409, "conflict");
    auto no_cancel = http().request(
        "POST", "/api/v1/me/orders/" + order_id + "/cancel", "", bearer(buyer.access_token)
    );
    expect_problem(no_cancel, 409, "conflict");
    EXPECT_NE(no_cancel.body.find("accepted"), std::string::npos) << no_cancel.body;

    auto rejected = vendor_act(stores_[1], their_sub, "reject", R"({"reason":"out of glaze"})");
    ASSERT_EQ(rejected.status, 200) << rejected.body;
    EXPECT_EQ(rejected.json().at("reason").as_string(), "out of glaze");
    EXPECT_EQ(stock_of(theirs.variant_ids[0]), (std::pair<std::int64_t, std::int64_t>{6, 0}));

    ASSERT_EQ(vendor_act(stores_[0], my_sub, "prepare").status, 200);
    ASSERT_EQ(vendor_act(stores_[0], my_sub, "ready").status, 200);
    auto handed = vendor_act(stores_[0], my_sub, "handed-over");
    ASSERT_EQ(handed.status, 200) << handed.body;
    EXPECT_EQ(handed.json().at("status").as_string(), "delivered");
    // Delivered units left the store.
    EXPECT_EQ(stock_of(mine.variant_ids[0]), (std::pair<std::int64_t, std::int64_t>{4, 0}));

    auto done = http().get("/api/v1/me/orders/" + order_id, bearer(buyer.access_token));
    ASSERT_EQ(done.status, 200);
    auto final_order = done.json();
    EXPECT_EQ(final_order.at("status").as_string(), "completed");
    EXPECT_EQ(final_order.at("payment").at("status").as_string(), "captured");
    std::vector<std::string> timeline;
    for (const auto& s : final_order.at("sub_orders").as_array()) {
        if (s.at("id").as_string() != my_sub) {
            continue;
        }
        for (const auto& h : s.at("history").as_array()) {
            timeline.emplace_back(h.at("to").as_string());
        }
    }
    EXPECT_EQ(
        timeline, (std::vector<std::string>{
                      "placed", "accepted", "preparing", "ready_for_pickup", "picked_up", "delivered"})
    );
}

TEST_F(store_checkout, an_unpaid_order_releases_its_stock_when_the_reservation_expires) {
    auto p = test::make_sale_product(*server_, stores_[2], "Unpaid Lantern", 1200, 2);
    auto buyer = customer();
    auto cart = test::create_cart(http(), "EUR", &buyer);
    test::add_to_cart(http(), cart, p.variant_ids[0], 2);
    auto placed = checkout(http(), cart, checkout_body("pickup", "test_deferred"));
    ASSERT_EQ(placed.status, 201) << placed.body;
    auto json = placed.json();
    EXPECT_EQ(json.at("order").at("status").as_string(), "pending_payment");
    EXPECT_TRUE(json.at("order").at("reserved_until").is_string());
    auto id = std::string{json.at("order").at("id").as_string()};
    EXPECT_EQ(stock_of(p.variant_ids[0]).second, 2);

    std::string status;
    for (int i = 0; i < 100 && status != "cancelled"; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto r = http().get("/api/v1/me/orders/" + id, bearer(buyer.access_token));
        ASSERT_EQ(r.status, 200);
        status = std::string{r.json().at("status").as_string()};
    }
    EXPECT_EQ(status, "cancelled");
    EXPECT_EQ(stock_of(p.variant_ids[0]), (std::pair<std::int64_t, std::int64_t>{2, 0}));
    test::server_db db{*server_};
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM events WHERE type = 'suborder.expired' AND aggregate_id IN"
            " (SELECT id FROM sub_orders WHERE order_id = $1)",
            {id}
        ),
        1
    );
}

// A method that settles later is quoted and authorised before the write transaction (cash on
// delivery is priced inside it): that path refuses the same inputs and leaves nothing behind.
TEST_F(store_checkout, a_method_that_settles_later_refuses_like_cash_and_changes_nothing) {
    auto p = test::make_sale_product(*server_, stores_[1], "Deferred Clock", 700, 1);
    auto guest = test::create_cart(http());
    test::add_to_cart(http(), guest, p.variant_ids[0], 1);
    auto body = checkout_body("pickup", "test_deferred");
    expect_problem(checkout(http(), guest, body), 422, "validation");  // a guest without email

    auto rival = test::create_cart(http());
    test::add_to_cart(http(), rival, p.variant_ids[0], 1);
    auto cash = checkout_body("pickup");
    cash["email"] = "first@example.test";
    ASSERT_EQ(checkout(http(), rival, cash).status, 201);

    body["email"] = "late@example.test";
    auto late = checkout(http(), guest, body);
    expect_problem(late, 409, "insufficient-stock");
    EXPECT_NE(late.body.find(p.variant_ids[0]), std::string::npos) << late.body;
    EXPECT_EQ(orders_of_cart(guest.id), 0);
    EXPECT_EQ(stock_of(p.variant_ids[0]), (std::pair<std::int64_t, std::int64_t>{1, 1}));

    auto empty = test::create_cart(http());
    expect_problem(checkout(http(), empty, body), 422, "cart-empty");
}

TEST_F(store_checkout, order_lists_page_by_cursor_and_refuse_bad_parameters) {
    auto p = test::make_sale_product(*server_, stores_[0], "Paged Spoon", 300, 20);
    auto buyer = customer();
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        auto cart = test::create_cart(http(), "EUR", &buyer);
        test::add_to_cart(http(), cart, p.variant_ids[0], 1);
        auto placed = checkout(http(), cart, checkout_body("pickup"));
        ASSERT_EQ(placed.status, 201) << placed.body;
        auto json = placed.json();
        ids.emplace_back(json.at("order").at("id").as_string());
    }
    std::vector<std::string> seen;
    std::string cursor;
    for (int page = 0; page < 5; ++page) {
        auto r = http().get(
            "/api/v1/me/orders?limit=2" + (cursor.empty() ? std::string{} : "&cursor=" + cursor),
            bearer(buyer.access_token)
        );
        ASSERT_EQ(r.status, 200) << r.body;
        auto json = r.json();
        for (const auto& o : json.at("items").as_array()) {
            seen.emplace_back(o.at("id").as_string());
        }
        if (json.at("next_cursor").is_null()) {
            break;
        }
        cursor = std::string{json.at("next_cursor").as_string()};
    }
    EXPECT_EQ(seen, (std::vector<std::string>{ids[2], ids[1], ids[0]}));
    expect_problem(http().get("/api/v1/me/orders?limit=0", bearer(buyer.access_token)), 400, "bad-request");
    expect_problem(http().get("/api/v1/me/orders?cursor=zzz", bearer(buyer.access_token)), 400, "bad-request");
    expect_problem(http().get("/api/v1/me/orders?status=lost", bearer(buyer.access_token)), 400, "bad-request");
    auto vendor_page = http().get(
        "/api/v1/vendor/orders?limit=1&created_from=2000-01-01T00:00:00Z",
        bearer(stores_[0].owner.access_token)
    );
    ASSERT_EQ(vendor_page.status, 200) << vendor_page.body;
    auto vp = vendor_page.json();
    EXPECT_EQ(vp.at("items").as_array().size(), 1U);
    EXPECT_TRUE(vp.at("next_cursor").is_string());
    expect_problem(
        http().get("/api/v1/vendor/orders?created_from=yesterday", bearer(stores_[0].owner.access_token)),
        400, "bad-request"
    );
    expect_problem(http().get("/api/v1/vendor/orders", bearer(buyer.access_token)), 403, "forbidden");
}

TEST_F(store_checkout, a_code_with_a_usage_limit_is_redeemed_exactly_that_often_under_concurrency) {
    constexpr int buyers = 30;
    constexpr int limit = 5;
    auto p = test::make_sale_product(*server_, stores_[0], "Promo Rush Mug", 2000, 100);
    test::create_promotion(
        http(), *admin_,
        boost::json::object{
            {"code", "RUSH5"},
            {"name", "Rush"},
            {"kind", "percentage"},
            {"percent_off", 10},
            {"usage_limit", limit}}
    );
    std::vector<test::test_cart> carts;
    for (int i = 0; i < buyers; ++i) {
        carts.push_back(test::create_cart(http()));
        test::add_to_cart(http(), carts.back(), p.variant_ids[0], 1);
        auto applied = http().post_json(
            "/api/v1/store/carts/" + carts.back().id + "/promotions", R"({"code":"RUSH5"})",
            test::cart_headers(carts.back())
        );
        ASSERT_EQ(applied.status, 200) << applied.body;
    }
    std::atomic<int> placed{0};
    std::atomic<int> exhausted{0};
    std::atomic<int> other{0};
    std::latch start{buyers};
    std::vector<std::thread> threads;
    for (int i = 0; i < buyers; ++i) {
        threads.emplace_back([&, i] {
            test::http_client client{server_->port()};
            const auto& cart = carts[static_cast<std::size_t>(i)];
            auto body = checkout_body("pickup");
            body["email"] = "rush-" + std::to_string(i) + "@example.test";
            auto headers = test::cart_headers(cart);
            headers["Idempotency-Key"] = "rush-" + std::to_string(i);
            start.arrive_and_wait();
            auto r = client.post_json(
                "/api/v1/store/carts/" + cart.id + "/checkout", boost::json::serialize(body), headers
            );
            if (r.status == 201) {
                ++placed;
            } else if (r.status == 409 && r.body.find("promotion-exhausted") != std::string::npos) {
                ++exhausted;
            } else {
                ++other;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(placed.load(), limit);
    EXPECT_EQ(exhausted.load(), buyers - limit);
    EXPECT_EQ(other.load(), 0);
    test::server_db db{*server_};
    EXPECT_EQ(db.count("SELECT times_used FROM promotions WHERE code = 'RUSH5'"), limit);
    // The refused buyers' units are not held.
    EXPECT_EQ(stock_of(p.variant_ids[0]), (std::pair<std::int64_t, std::int64_t>{100, limit}));
}

}  // namespace
