// Carts over the real binary: guest carts opened by their token, customers' carts by the access
// token, line items of many vendors with current prices and availability, bad input refused
// without changing anything, and a guest cart merged into (or adopted as) the customer's on
// sign-in.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/carts.hpp"
#include "support/roles.hpp"
#include "support/trader.hpp"
#include "support/vendors.hpp"

namespace {

using test::bearer;
using test::expect_problem;

std::string json(const boost::json::value& v) { return boost::json::serialize(v); }

// A JSON string's text (anything else serialized), to compare with std::string.
std::string str(const boost::json::value& v) {
    return v.is_string() ? std::string{v.as_string()} : boost::json::serialize(v);
}

std::int64_t amount(const boost::json::value& totals, const char* key) {
    return totals.at(key).at("amount").as_int64();
}

class store_carts : public test::admin_suite<store_carts> {
protected:
    // One store with a product of 2 variants (1000 and 1100 EUR cents, 5 units each), opened once
    // per test that needs it.
    struct shop {
        test::store_account store;
        test::sale_product product;
    };
    shop make_shop(const std::string& name, std::int64_t price = 1000, std::int64_t stock = 5) {
        shop s{test::open_store(*server_, *admin_, name), {}};
        s.product = test::make_sale_product(*server_, s.store, name + " Tee", price, stock, 2);
        return s;
    }

    test::http_response post(
        const test::test_cart& c, const std::string& suffix, const boost::json::value& body
    ) {
        auto h = test::cart_headers(c);
        return http().post_json("/api/v1/store/carts/" + c.id + suffix, json(body), h);
    }
    test::http_response patch(
        const test::test_cart& c, const std::string& suffix, const std::string& body
    ) {
        auto h = test::cart_headers(c);
        h["Content-Type"] = "application/json";
        return http().request("PATCH", "/api/v1/store/carts/" + c.id + suffix, body, h);
    }
};

TEST_F(store_carts, a_guest_cart_is_created_with_a_token_and_opened_only_with_it) {
    auto r = http().post_json("/api/v1/store/carts", R"({"currency":"EUR"})");
    ASSERT_EQ(r.status, 201) << r.body;
    auto cart = r.json();
    auto id = std::string{cart.at("id").as_string()};
    EXPECT_TRUE(id.starts_with("cart_"));
    EXPECT_EQ(r.header("location"), "/api/v1/store/carts/" + id);
    EXPECT_EQ(cart.at("object"), "cart");
    EXPECT_EQ(cart.at("currency"), "EUR");
    EXPECT_EQ(cart.at("status"), "open");
    EXPECT_TRUE(cart.at("items").as_array().empty());
    EXPECT_EQ(amount(cart.at("totals"), "total"), 0);
    EXPECT_TRUE(cart.at("email").is_null());
    EXPECT_TRUE(cart.at("promotions").as_array().empty());
    EXPECT_TRUE(cart.at("created_at").is_string());
    auto token = std::string{cart.at("token").as_string()};
    EXPECT_GE(token.size(), 40U);

    auto opened = http().get("/api/v1/store/carts/" + id, {{"X-Cart-Token", token}});
    ASSERT_EQ(opened.status, 200) << opened.body;
    EXPECT_TRUE(opened.json().at("token").is_null()) << "the token is shown once";

    expect_problem(http().get("/api/v1/store/carts/" + id), 404, "not-found");
    expect_problem(
        http().get("/api/v1/store/carts/" + id, {{"X-Cart-Token", token + "x"}}), 404, "not-found"
    );
    auto someone = test::register_user(http(), "cart-snoop");
    expect_problem(
        http().get("/api/v1/store/carts/" + id, bearer(someone.access_token)), 404, "not-found"
    );
    expect_problem(
        http().get("/api/v1/store/carts/cart_nope", {{"X-Cart-Token", token}}), 404, "not-found"
    );

    test::server_db db{*server_};
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM carts WHERE token_hash = $1", {token}), 0)
        << "only the token's hash is stored";
}

TEST_F(store_carts, a_customers_cart_needs_only_the_access_token_and_is_nobody_elses) {
    auto alice = test::register_user(http(), "cart-alice");
    auto bob = test::register_user(http(), "cart-bob");
    auto cart = test::create_cart(http(), "EUR", &alice);
    EXPECT_TRUE(cart.token.empty());
    auto mine = http().get("/api/v1/store/carts/" + cart.id, bearer(alice.access_token));
    ASSERT_EQ(mine.status, 200) << mine.body;
    EXPECT_EQ(str(mine.json().at("customer_id")), alice.id);

    auto s = make_shop("Owned Cart Shop");
    auto variant = s.product.variant_ids[0];
    std::string add = json(boost::json::object{{"variant_id", variant}, {"quantity", 1}});
    for (const auto& headers :
         {bearer(bob.access_token), std::map<std::string, std::string>{},
          std::map<std::string, std::string>{{"X-Cart-Token", "anything"}}}) {
        expect_problem(http().get("/api/v1/store/carts/" + cart.id, headers), 404, "not-found");
        expect_problem(
            http().post_json("/api/v1/store/carts/" + cart.id + "/line-items", add, headers), 404,
            "not-found"
        );
    }
    EXPECT_TRUE(test::read_cart(http(), cart).at("items").as_array().empty()) << "nothing changed";
}

TEST_F(store_carts, line_items_add_up_per_variant_and_per_vendor) {
    auto a = make_shop("Alpha Lines", 1000);
    auto b = make_shop("Beta Lines", 250);
    auto cart = test::create_cart(http());
    test::add_to_cart(http(), cart, a.product.variant_ids[0], 2);
    auto after = test::add_to_cart(http(), cart, a.product.variant_ids[0], 1);
    ASSERT_EQ(after.at("items").as_array().size(), 1U) << "the same variant adds to its line";
    EXPECT_EQ(after.at("items").as_array()[0].at("quantity"), 3);

    test::add_to_cart(http(), cart, a.product.variant_ids[1], 1);
    auto full = test::add_to_cart(http(), cart, b.product.variant_ids[0], 4);
    auto items = full.at("items").as_array();
    ASSERT_EQ(items.size(), 3U);
    const auto& first = items[0].as_object();
    EXPECT_EQ(first.at("object"), "line_item");
    EXPECT_EQ(str(first.at("vendor_id")), a.store.vendor_id);
    EXPECT_EQ(str(first.at("product_id")), a.product.id);
    EXPECT_EQ(str(first.at("sku")), a.product.skus[0]);
    EXPECT_EQ(first.at("unit_price").at("amount"), 1000);
    EXPECT_EQ(first.at("added_unit_price").at("amount"), 1000);
    EXPECT_EQ(first.at("price_changed"), false);
    EXPECT_EQ(first.at("availability"), "available");
    EXPECT_EQ(first.at("available_quantity"), 5);
    EXPECT_EQ(amount(first.at("totals"), "subtotal"), 3000);

    auto totals = full.at("totals");
    EXPECT_EQ(amount(totals, "subtotal"), 3000 + 1100 + 1000);
    EXPECT_EQ(amount(totals, "delivery"), 0) << "no address yet";
    EXPECT_EQ(amount(totals, "total"), 5100);
    auto vendors = full.at("vendors").as_array();
    ASSERT_EQ(vendors.size(), 2U);
    std::int64_t sum = 0;
    for (const auto& v : vendors) {
        sum += amount(v.at("totals"), "total");
    }
    EXPECT_EQ(sum, 5100) << "the per-vendor breakdown adds up to the cart";

    auto line = std::string{items[2].at("id").as_string()};
    auto changed = patch(cart, "/line-items/" + line, R"({"quantity":2})");
    ASSERT_EQ(changed.status, 200) << changed.body;
    EXPECT_EQ(amount(changed.json().at("totals"), "subtotal"), 3000 + 1100 + 500);

    auto removed = http().request(
        "DELETE", "/api/v1/store/carts/" + cart.id + "/line-items/" + line, "",
        test::cart_headers(cart)
    );
    ASSERT_EQ(removed.status, 200) << removed.body;
    EXPECT_EQ(removed.json().at("items").as_array().size(), 2U);
    EXPECT_EQ(removed.json().at("vendors").as_array().size(), 1U);
}

TEST_F(store_carts, the_email_is_set_and_cleared) {
    auto cart = test::create_cart(http());
    auto set = patch(cart, "", R"({"email":"guest@example.test"})");
    ASSERT_EQ(set.status, 200) << set.body;
    EXPECT_EQ(set.json().at("email"), "guest@example.test");
    expect_problem(patch(cart, "", R"({"email":"not-an-email"})"), 422, "validation");
    expect_problem(patch(cart, "", R"({})"), 422, "validation");
    expect_problem(patch(cart, "", R"({"email":"a@b.test","note":1})"), 422, "validation");
    EXPECT_EQ(test::read_cart(http(), cart).at("email"), "guest@example.test");
    auto cleared = patch(cart, "", R"({"email":null})");
    ASSERT_EQ(cleared.status, 200) << cleared.body;
    EXPECT_TRUE(cleared.json().at("email").is_null());
}

TEST_F(store_carts, bad_input_is_refused_and_changes_nothing) {
    auto s = make_shop("Refusing Shop", 1000, 3);
    auto cart = test::create_cart(http());
    auto variant = s.product.variant_ids[0];
    test::add_to_cart(http(), cart, variant, 1);
    auto before = test::read_cart(http(), cart);

    auto add = [&](const boost::json::value& body) { return post(cart, "/line-items", body); };
    expect_problem(add({{"variant_id", variant}, {"quantity", 0}}), 422, "validation");
    expect_problem(add({{"variant_id", variant}, {"quantity", -1}}), 422, "validation");
    expect_problem(add({{"variant_id", variant}, {"quantity", 100}}), 422, "validation");
    expect_problem(add({{"variant_id", variant}, {"quantity", 1000000000000}}), 422, "validation");
    expect_problem(add({{"variant_id", variant}, {"quantity", "2"}}), 422, "validation");
    expect_problem(add({{"variant_id", variant}}), 422, "validation");
    expect_problem(add({{"variant_id", variant}, {"quantity", 1}, {"qty", 1}}), 422, "validation");
    auto unknown = add({{"variant_id", "var_00000000000000000000000000"}, {"quantity", 1}});
    expect_problem(unknown, 422, "variant-unavailable");
    EXPECT_EQ(unknown.json().at("errors").at(0).at("code"), "not_found");
    auto too_many = add({{"variant_id", variant}, {"quantity", 3}});
    expect_problem(too_many, 409, "insufficient-stock");
    EXPECT_NE(too_many.json().at("detail").as_string().find(variant), std::string::npos)
        << "names the variant";
    auto h = test::cart_headers(cart);
    expect_problem(
        http().request(
            "POST", "/api/v1/store/carts/" + cart.id + "/line-items", "{oops",
            [&] {
                auto x = h;
                x["Content-Type"] = "application/json";
                return x;
            }()
        ),
        400, "bad-request"
    );

    auto line = std::string{before.at("items").at(0).at("id").as_string()};
    expect_problem(patch(cart, "/line-items/" + line, R"({"quantity":0})"), 422, "validation");
    expect_problem(patch(cart, "/line-items/" + line, R"({"quantity":100})"), 422, "validation");
    expect_problem(
        patch(cart, "/line-items/" + line, R"({"quantity":4})"), 409, "insufficient-stock"
    );
    expect_problem(
        patch(cart, "/line-items/item_00000000000000000000000000", R"({"quantity":1})"), 404,
        "not-found"
    );
    expect_problem(
        http().request(
            "DELETE",
            "/api/v1/store/carts/" + cart.id + "/line-items/item_00000000000000000000000000", "", h
        ),
        404, "not-found"
    );
    // A line of another cart is not this cart's.
    auto other = test::create_cart(http());
    expect_problem(
        http().request(
            "DELETE", "/api/v1/store/carts/" + other.id + "/line-items/" + line, "",
            test::cart_headers(other)
        ),
        404, "not-found"
    );

    auto after = test::read_cart(http(), cart);
    EXPECT_EQ(after.at("items"), before.at("items"));
    EXPECT_EQ(after.at("version"), before.at("version"));
    EXPECT_EQ(after.at("totals"), before.at("totals"));
}

TEST_F(store_carts, a_cart_needs_a_known_currency_and_prices_in_it) {
    expect_problem(
        http().post_json("/api/v1/store/carts", R"({"currency":"ZZZ"})"), 422, "validation"
    );
    expect_problem(
        http().post_json("/api/v1/store/carts", R"({"currency":"euro"})"), 422, "validation"
    );
    expect_problem(http().post_json("/api/v1/store/carts", R"({})"), 422, "validation");
    expect_problem(
        http().post_json("/api/v1/store/carts", R"({"currency":"EUR","colour":"red"})"), 422,
        "validation"
    );
    auto s = make_shop("Euro Only Shop");
    auto usd = test::create_cart(http(), "USD");
    auto r = post(usd, "/line-items", {{"variant_id", s.product.variant_ids[0]}, {"quantity", 1}});
    expect_problem(r, 422, "variant-unavailable");
    EXPECT_EQ(r.json().at("errors").at(0).at("code"), "no_price");
    EXPECT_TRUE(test::read_cart(http(), usd).at("items").as_array().empty());
}

TEST_F(store_carts, variants_not_for_sale_are_refused_and_shown_unavailable_once_in_the_cart) {
    auto s = test::open_store(*server_, *admin_, "Draft Shop");
    auto draft = test::create_product(http(), s.owner, test::product_body("Draft Tee", "DRAFT", 1));
    auto draft_variant = std::string{draft.at("variants").at(0).at("id").as_string()};
    auto cart = test::create_cart(http());
    auto r = post(cart, "/line-items", {{"variant_id", draft_variant}, {"quantity", 1}});
    expect_problem(r, 422, "variant-unavailable");
    EXPECT_EQ(r.json().at("errors").at(0).at("code"), "not_published");

    auto live = test::make_sale_product(*server_, s, "Live Tee", 700, 5, 1);
    test::add_to_cart(http(), cart, live.variant_ids[0], 2);
    auto archived = http().request(
        "POST", "/api/v1/vendor/products/" + live.id + "/archive", "", bearer(s.owner.access_token)
    );
    ASSERT_EQ(archived.status, 200) << archived.body;
    auto seen = test::read_cart(http(), cart);
    EXPECT_EQ(seen.at("items").at(0).at("availability"), "not_published");
    EXPECT_TRUE(seen.at("items").at(0).at("unit_price").is_null());
    EXPECT_EQ(amount(seen.at("totals"), "total"), 0) << "unavailable lines are not priced";
    auto again = post(cart, "/line-items", {{"variant_id", live.variant_ids[0]}, {"quantity", 1}});
    expect_problem(again, 422, "variant-unavailable");

    // A suspended store's variants cannot be added either.
    auto other = make_shop("Suspended Shop");
    auto suspended = http().post_json(
        "/api/v1/admin/vendors/" + other.store.vendor_id + "/suspend", R"({"reason":"test"})",
        bearer(admin_->access_token)
    );
    ASSERT_EQ(suspended.status, 200) << suspended.body;
    auto refused =
        post(cart, "/line-items", {{"variant_id", other.product.variant_ids[0]}, {"quantity", 1}});
    expect_problem(refused, 422, "variant-unavailable");
    EXPECT_EQ(refused.json().at("errors").at(0).at("code"), "store_inactive");
}

TEST_F(store_carts, carts_show_current_prices_and_flag_changes_since_adding) {
    auto s = make_shop("Repricing Shop", 1000);
    auto cart = test::create_cart(http());
    test::add_to_cart(http(), cart, s.product.variant_ids[0], 2);
    boost::json::array variants;
    for (std::size_t i = 0; i < s.product.skus.size(); ++i) {
        variants.push_back(boost::json::object{
            {"sku", s.product.skus[i]},
            {"options", {{"size", i == 0 ? "S" : "M"}}},
            {"prices", boost::json::array{{{"currency", "EUR"}, {"amount", 1200}}}},
        });
    }
    auto changed = http().request(
        "PATCH", "/api/v1/vendor/products/" + s.product.id,
        json(boost::json::object{{"variants", std::move(variants)}}),
        {{"Content-Type", "application/json"},
         {"Authorization", "Bearer " + s.store.owner.access_token}}
    );
    ASSERT_EQ(changed.status, 200) << changed.body;
    auto seen = test::read_cart(http(), cart);
    auto line = seen.at("items").at(0);
    EXPECT_EQ(line.at("unit_price").at("amount"), 1200);
    EXPECT_EQ(line.at("added_unit_price").at("amount"), 1000);
    EXPECT_EQ(line.at("price_changed"), true);
    EXPECT_EQ(amount(seen.at("totals"), "subtotal"), 2400) << "priced as checkout will charge";
}

TEST_F(store_carts, a_guest_cart_merges_into_the_customers_open_cart_on_claim) {
    auto s = make_shop("Merge Shop", 1000, 50);
    auto v1 = s.product.variant_ids[0];
    auto v2 = s.product.variant_ids[1];
    auto carol = test::register_user(http(), "cart-carol");
    auto hers = test::create_cart(http(), "EUR", &carol);
    test::add_to_cart(http(), hers, v1, 1);

    auto guest = test::create_cart(http());
    test::add_to_cart(http(), guest, v1, 2);
    test::add_to_cart(http(), guest, v2, 3);
    auto emailed = patch(guest, "", R"({"email":"carol@example.test"})");
    ASSERT_EQ(emailed.status, 200);

    // Without the guest's token, without signing in, or as a guest: no claim.
    expect_problem(
        http().request(
            "POST", "/api/v1/store/carts/" + guest.id + "/claim", "", bearer(carol.access_token)
        ),
        404, "not-found"
    );
    expect_problem(
        http().request(
            "POST", "/api/v1/store/carts/" + guest.id + "/claim", "",
            {{"X-Cart-Token", guest.token}}
        ),
        401, "unauthenticated"
    );

    auto headers = bearer(carol.access_token);
    headers["X-Cart-Token"] = guest.token;
    auto claimed =
        http().request("POST", "/api/v1/store/carts/" + guest.id + "/claim", "", headers);
    ASSERT_EQ(claimed.status, 200) << claimed.body;
    auto merged = claimed.json();
    EXPECT_EQ(str(merged.at("id")), hers.id);
    auto items = merged.at("items").as_array();
    ASSERT_EQ(items.size(), 2U);
    EXPECT_EQ(str(items[0].at("variant_id")), v1);
    EXPECT_EQ(items[0].at("quantity"), 3) << "same variant: quantities summed";
    EXPECT_EQ(str(items[1].at("variant_id")), v2);
    EXPECT_EQ(items[1].at("quantity"), 3);
    EXPECT_EQ(merged.at("email"), "carol@example.test");
    EXPECT_EQ(amount(merged.at("totals"), "subtotal"), 3 * 1000 + 3 * 1100);

    auto old = http().get("/api/v1/store/carts/" + guest.id, {{"X-Cart-Token", guest.token}});
    ASSERT_EQ(old.status, 200) << old.body;
    EXPECT_EQ(old.json().at("status"), "merged");
    EXPECT_EQ(str(old.json().at("merged_into")), hers.id);
    EXPECT_TRUE(old.json().at("items").as_array().empty());
    expect_problem(
        post(guest, "/line-items", {{"variant_id", v1}, {"quantity", 1}}), 409, "cart-closed"
    );
    auto again = http().request("POST", "/api/v1/store/carts/" + guest.id + "/claim", "", headers);
    expect_problem(again, 409, "cart-closed");
}

TEST_F(store_carts, a_guest_cart_is_adopted_when_the_customer_has_no_open_cart_in_its_currency) {
    auto s = make_shop("Adopt Shop");
    auto dave = test::register_user(http(), "cart-dave");
    auto usd_cart = test::create_cart(http(), "USD", &dave);  // another currency: not a target
    auto guest = test::create_cart(http());
    test::add_to_cart(http(), guest, s.product.variant_ids[0], 1);

    auto headers = bearer(dave.access_token);
    headers["X-Cart-Token"] = guest.token;
    auto claimed =
        http().request("POST", "/api/v1/store/carts/" + guest.id + "/claim", "", headers);
    ASSERT_EQ(claimed.status, 200) << claimed.body;
    EXPECT_EQ(str(claimed.json().at("id")), guest.id);
    EXPECT_EQ(str(claimed.json().at("customer_id")), dave.id);
    EXPECT_EQ(claimed.json().at("items").as_array().size(), 1U);

    expect_problem(
        http().get("/api/v1/store/carts/" + guest.id, {{"X-Cart-Token", guest.token}}), 404,
        "not-found"
    );
    auto mine = http().get("/api/v1/store/carts/" + guest.id, bearer(dave.access_token));
    ASSERT_EQ(mine.status, 200) << "now opened with the access token alone";
    auto twice = http().request(
        "POST", "/api/v1/store/carts/" + guest.id + "/claim", "", bearer(dave.access_token)
    );
    ASSERT_EQ(twice.status, 200) << "claiming one's own cart changes nothing";

    auto eve = test::register_user(http(), "cart-eve");
    auto hers = bearer(eve.access_token);
    hers["X-Cart-Token"] = guest.token;
    expect_problem(
        http().request("POST", "/api/v1/store/carts/" + guest.id + "/claim", "", hers), 404,
        "not-found"
    );
    EXPECT_TRUE(test::read_cart(http(), usd_cart).at("items").as_array().empty());
}

TEST_F(store_carts, who_may_call_the_cart_routes) {
    using test::caller;
    auto who = test::principals::create(*server_);
    auto s = make_shop("Role Shop");
    auto variant = s.product.variant_ids[0];
    auto owned = test::create_cart(http(), "EUR", &who.user(caller::customer));
    auto guest = test::create_cart(http());
    test::add_to_cart(http(), owned, variant, 1);
    test::add_to_cart(http(), guest, variant, 1);
    auto line_of = [&](const test::test_cart& c) {
        return std::string{test::read_cart(http(), c).at("items").at(0).at("id").as_string()};
    };

    // Every cart route on another person's cart is a 404, for every kind of caller, with or
    // without a (wrong) cart token; nothing changes.
    for (const auto* cart : {&owned, &guest}) {
        auto base = "/api/v1/store/carts/" + cart->id;
        auto line = line_of(*cart);
        struct call {
            std::string method, path, body;
        };
        std::vector<call> calls{
            {"GET", base, ""},
            {"PATCH", base, R"({"email":"x@example.test"})"},
            {"POST", base + "/line-items",
             json(boost::json::object{{"variant_id", variant}, {"quantity", 1}})},
            {"PATCH", base + "/line-items/" + line, R"({"quantity":2})"},
            {"DELETE", base + "/line-items/" + line, ""},
            {"POST", base + "/promotions", R"({"code":"ANY-CODE"})"},
            {"DELETE", base + "/promotions/ANY-CODE", ""},
        };
        for (auto c : test::every_caller) {
            if (cart == &owned && c == caller::customer) {
                continue;
            }
            for (const auto& token : {std::string{}, std::string{"wrong-token"}}) {
                auto headers = who.headers(c);
                if (!token.empty()) {
                    headers["X-Cart-Token"] = token;
                }
                for (const auto& k : calls) {
                    auto h = headers;
                    if (!k.body.empty()) {
                        h["Content-Type"] = "application/json";
                    }
                    auto r = http().request(k.method, k.path, k.body, h);
                    EXPECT_EQ(r.status, 404) << k.method << " " << k.path << " as "
                                             << test::to_string(c) << ": " << r.body;
                }
            }
        }
        auto after = test::read_cart(http(), *cart);
        EXPECT_EQ(after.at("items").at(0).at("quantity"), 1);
        EXPECT_TRUE(after.at("email").is_null());
    }

    // A guest's token never opens a customer's cart, even the customer's own guest token.
    auto h = test::cart_headers(guest);
    expect_problem(http().get("/api/v1/store/carts/" + owned.id, h), 404, "not-found");

    std::vector<test::route_check> admin_routes{
        {"POST",
         "/api/v1/admin/promotions",
         R"({"code":"ROLE-CHECK","name":"x","kind":"free_delivery"})",
         {caller::admin},
         403,
         201},
        {"GET", "/api/v1/admin/promotions", "", {caller::admin}, 403, 200},
        {"GET",
         "/api/v1/admin/promotions/promo_00000000000000000000000000",
         "",
         {caller::admin},
         403,
         404},
        {"PATCH",
         "/api/v1/admin/promotions/promo_00000000000000000000000000",
         R"({"name":"y"})",
         {caller::admin},
         403,
         404},
        {"POST",
         "/api/v1/admin/promotions/promo_00000000000000000000000000/deactivate",
         "",
         {caller::admin},
         403,
         404},
        {"POST", "/api/v1/store/carts/" + guest.id + "/claim", "", test::signed_in_callers, 403,
         404},
    };
    test::check_routes(*server_, who, admin_routes);
}

}  // namespace
