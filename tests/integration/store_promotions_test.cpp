// Promotions over the real binary: the admin's routes with their validation, codes applied to and
// removed from carts with a distinct problem type for every refusal (nothing changed after one),
// vendor-scoped discounts, and automatic promotions.
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

boost::json::object eur(std::int64_t amount) { return {{"amount", amount}, {"currency", "EUR"}}; }

std::string unique_code(const std::string& hint) {
    static int n = 0;
    return hint + "-" + std::to_string(++n);
}

class store_promotions : public test::admin_suite<store_promotions> {
protected:
    test::http_response admin_post(const std::string& path, const boost::json::value& body) {
        return http().post_json(path, json(body), bearer(admin_->access_token));
    }
    test::http_response apply(const test::test_cart& c, const std::string& code) {
        return http().post_json(
            "/api/v1/store/carts/" + c.id + "/promotions",
            json(boost::json::object{{"code", code}}), test::cart_headers(c)
        );
    }
    boost::json::object code(const std::string& c, boost::json::object extra) {
        extra["code"] = c;
        if (!extra.contains("name")) {
            extra["name"] = "Promotion " + c;
        }
        return test::create_promotion(http(), *admin_, extra);
    }
    // A cart holding 2 x 1000 of one store's product.
    struct filled {
        test::store_account store;
        test::sale_product product;
        test::test_cart cart;
    };
    filled filled_cart(
        const std::string& name, std::int64_t price = 1000, std::int64_t quantity = 2
    ) {
        filled f{test::open_store(*server_, *admin_, name), {}, {}};
        f.product = test::make_sale_product(*server_, f.store, name + " Mug", price, 20, 1);
        f.cart = test::create_cart(http());
        test::add_to_cart(http(), f.cart, f.product.variant_ids[0], quantity);
        return f;
    }
};

TEST_F(store_promotions, admins_create_list_show_change_and_deactivate_promotions) {
    auto c = unique_code("welcome");
    auto made = admin_post(
        "/api/v1/admin/promotions", {{"code", c},
                                     {"name", "Welcome"},
                                     {"kind", "percentage"},
                                     {"percent_off", 10},
                                     {"minimum_subtotal", eur(500)},
                                     {"starts_at", "2020-01-01T00:00:00Z"},
                                     {"usage_limit", 100},
                                     {"usage_limit_per_customer", 1}}
    );
    ASSERT_EQ(made.status, 201) << made.body;
    auto p = made.json();
    auto id = std::string{p.at("id").as_string()};
    EXPECT_TRUE(id.starts_with("promo_"));
    EXPECT_EQ(made.header("location"), "/api/v1/admin/promotions/" + id);
    EXPECT_EQ(p.at("object"), "promotion");
    std::string upper = c;
    for (auto& ch : upper) {
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    EXPECT_EQ(str(p.at("code")), upper);
    EXPECT_EQ(p.at("minimum_subtotal").at("amount"), 500);
    EXPECT_EQ(p.at("currency"), "EUR");
    EXPECT_EQ(p.at("times_used"), 0);
    EXPECT_EQ(p.at("status"), "active");
    EXPECT_EQ(p.at("starts_at"), "2020-01-01T00:00:00.000Z");

    auto shown = http().get("/api/v1/admin/promotions/" + id, bearer(admin_->access_token));
    ASSERT_EQ(shown.status, 200);
    EXPECT_EQ(shown.json(), p);

    auto listed = http().get("/api/v1/admin/promotions?limit=1", bearer(admin_->access_token));
    ASSERT_EQ(listed.status, 200) << listed.body;
    auto list = listed.json();
    EXPECT_EQ(list.at("object"), "list");
    EXPECT_EQ(str(list.at("items").at(0).at("id")), id) << "newest first";
    expect_problem(
        http().get("/api/v1/admin/promotions?limit=0", bearer(admin_->access_token)), 400,
        "bad-request"
    );

    auto changed = http().request(
        "PATCH", "/api/v1/admin/promotions/" + id,
        R"({"name":"Welcome back","usage_limit":null,"ends_at":"2099-01-01T00:00:00Z"})",
        {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + admin_->access_token}}
    );
    ASSERT_EQ(changed.status, 200) << changed.body;
    EXPECT_EQ(changed.json().at("name"), "Welcome back");
    EXPECT_TRUE(changed.json().at("usage_limit").is_null());
    EXPECT_EQ(changed.json().at("usage_limit_per_customer"), 1);
    expect_problem(
        http().request(
            "PATCH", "/api/v1/admin/promotions/" + id, R"({"percent_off":50})",
            {{"Content-Type", "application/json"},
             {"Authorization", "Bearer " + admin_->access_token}}
        ),
        422, "validation"
    );
    expect_problem(
        http().request(
            "PATCH", "/api/v1/admin/promotions/" + id, R"({"ends_at":"2010-01-01T00:00:00Z"})",
            {{"Content-Type", "application/json"},
             {"Authorization", "Bearer " + admin_->access_token}}
        ),
        422, "validation"
    );

    auto off = http().request(
        "POST", "/api/v1/admin/promotions/" + id + "/deactivate", "", bearer(admin_->access_token)
    );
    ASSERT_EQ(off.status, 200) << off.body;
    EXPECT_EQ(off.json().at("status"), "inactive");
}

TEST_F(store_promotions, invalid_promotions_are_refused) {
    auto count_before = test::server_db{*server_}.count("SELECT COUNT(*) FROM promotions");
    auto post = [&](const boost::json::value& body) {
        return admin_post("/api/v1/admin/promotions", body);
    };
    expect_problem(post({{"name", "x"}}), 422, "validation");
    expect_problem(post({{"name", "x"}, {"kind", "bogus"}}), 422, "validation");
    expect_problem(post({{"name", "x"}, {"kind", "percentage"}}), 422, "validation");
    expect_problem(
        post({{"name", "x"}, {"kind", "percentage"}, {"percent_off", 0}}), 422, "validation"
    );
    expect_problem(
        post({{"name", "x"}, {"kind", "percentage"}, {"percent_off", 101}}), 422, "validation"
    );
    expect_problem(post({{"name", "x"}, {"kind", "fixed_amount"}}), 422, "validation");
    expect_problem(
        post({{"name", "x"}, {"kind", "fixed_amount"}, {"amount_off", eur(0)}}), 422, "validation"
    );
    expect_problem(
        post(
            {{"name", "x"},
             {"kind", "fixed_amount"},
             {"amount_off", {{"amount", 5}, {"currency", "ZZZ"}}}}
        ),
        422, "validation"
    );
    expect_problem(
        post({{"name", "x"}, {"kind", "fixed_amount"}, {"amount_off", eur(5)}, {"percent_off", 5}}),
        422, "validation"
    );
    expect_problem(
        post(
            {{"name", "x"},
             {"kind", "fixed_amount"},
             {"amount_off", eur(5)},
             {"minimum_subtotal", {{"amount", 5}, {"currency", "USD"}}}}
        ),
        422, "validation"
    );
    expect_problem(
        post({{"name", "x"}, {"kind", "free_delivery"}, {"code", "a b"}}), 422, "validation"
    );
    expect_problem(
        post({{"name", "x"}, {"kind", "free_delivery"}, {"code", "AB"}}), 422, "validation"
    );
    expect_problem(
        post(
            {{"name", "x"},
             {"kind", "free_delivery"},
             {"starts_at", "2030-01-01T00:00:00Z"},
             {"ends_at", "2029-01-01T00:00:00Z"}}
        ),
        422, "validation"
    );
    expect_problem(
        post({{"name", "x"}, {"kind", "free_delivery"}, {"ends_at", "tomorrow"}}), 422, "validation"
    );
    expect_problem(
        post({{"name", "x"}, {"kind", "free_delivery"}, {"usage_limit", 0}}), 422, "validation"
    );
    expect_problem(
        post(
            {{"name", "x"},
             {"kind", "free_delivery"},
             {"vendor_id", "vnd_00000000000000000000000000"}}
        ),
        422, "validation"
    );
    expect_problem(
        post({{"name", "x"}, {"kind", "free_delivery"}, {"colour", "red"}}), 422, "validation"
    );
    EXPECT_EQ(test::server_db{*server_}.count("SELECT COUNT(*) FROM promotions"), count_before);

    auto c = unique_code("dup");
    code(c, {{"kind", "free_delivery"}});
    expect_problem(
        post({{"name", "again"}, {"kind", "free_delivery"}, {"code", c}}), 409, "conflict"
    );
}

TEST_F(store_promotions, a_percentage_code_is_applied_removed_and_applied_once) {
    auto f = filled_cart("Percent Shop", 999, 3);  // 2997
    auto c = unique_code("tenoff");
    auto promo = code(c, {{"kind", "percentage"}, {"percent_off", 10}});
    auto applied = apply(f.cart, c);
    ASSERT_EQ(applied.status, 200) << applied.body;
    auto cart = applied.json();
    EXPECT_EQ(amount(cart.at("totals"), "discount"), 300) << "299.7 rounds half up to 300";
    EXPECT_EQ(amount(cart.at("totals"), "total"), 2697);
    auto promos = cart.at("promotions").as_array();
    ASSERT_EQ(promos.size(), 1U);
    EXPECT_EQ(promos[0].at("id"), promo.at("id"));
    EXPECT_EQ(promos[0].at("state"), "applied");
    EXPECT_EQ(promos[0].at("discount").at("amount"), 300);
    EXPECT_EQ(cart.at("items").at(0).at("totals").at("discount").at("amount"), 300);

    auto lower = c;
    for (auto& ch : lower) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    auto again = apply(f.cart, lower);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json().at("promotions").as_array().size(), 1U)
        << "codes are case-insensitive, applied once";
    EXPECT_EQ(again.json().at("version"), cart.at("version")) << "nothing changed";

    auto removed = http().request(
        "DELETE", "/api/v1/store/carts/" + f.cart.id + "/promotions/" + c, "",
        test::cart_headers(f.cart)
    );
    ASSERT_EQ(removed.status, 200) << removed.body;
    EXPECT_EQ(amount(removed.json().at("totals"), "discount"), 0);
    EXPECT_TRUE(removed.json().at("promotions").as_array().empty());
    expect_problem(
        http().request(
            "DELETE", "/api/v1/store/carts/" + f.cart.id + "/promotions/" + c, "",
            test::cart_headers(f.cart)
        ),
        404, "not-found"
    );
}

TEST_F(store_promotions, every_refused_code_has_its_own_problem_type_and_changes_nothing) {
    auto f = filled_cart("Refusal Shop", 1000, 2);  // 2000 EUR cents
    auto before = test::read_cart(http(), f.cart);
    auto check = [&](const std::string& c, int status, const std::string& type) {
        auto r = apply(f.cart, c);
        expect_problem(r, status, type);
        auto after = test::read_cart(http(), f.cart);
        EXPECT_EQ(after.at("promotions"), before.at("promotions")) << c;
        EXPECT_EQ(after.at("version"), before.at("version")) << c;
        EXPECT_EQ(after.at("totals"), before.at("totals")) << c;
    };
    check("NO-SUCH-CODE", 422, "promotion-invalid");
    expect_problem(apply(f.cart, "x"), 422, "validation");
    expect_problem(apply(f.cart, "bad code!"), 422, "validation");

    auto expired = unique_code("expired");
    code(
        expired, {{"kind", "percentage"}, {"percent_off", 5}, {"ends_at", "2020-01-01T00:00:00Z"}}
    );
    check(expired, 422, "promotion-expired");

    auto future = unique_code("future");
    code(
        future, {{"kind", "percentage"}, {"percent_off", 5}, {"starts_at", "2099-01-01T00:00:00Z"}}
    );
    check(future, 422, "promotion-not-started");

    auto minimum = unique_code("minimum");
    code(
        minimum,
        {{"kind", "fixed_amount"}, {"amount_off", eur(100)}, {"minimum_subtotal", eur(5000)}}
    );
    check(minimum, 422, "promotion-minimum-not-met");

    auto usd = unique_code("dollars");
    code(usd, {{"kind", "fixed_amount"}, {"amount_off", {{"amount", 100}, {"currency", "USD"}}}});
    check(usd, 422, "promotion-not-applicable");

    auto elsewhere = test::open_store(*server_, *admin_, "Elsewhere Shop");
    auto scoped = unique_code("scoped");
    code(scoped, {{"kind", "percentage"}, {"percent_off", 5}, {"vendor_id", elsewhere.vendor_id}});
    check(scoped, 422, "promotion-not-applicable");

    auto exhausted = unique_code("exhausted");
    auto used_up =
        code(exhausted, {{"kind", "percentage"}, {"percent_off", 5}, {"usage_limit", 2}});
    test::server_db{*server_}.execute(
        "UPDATE promotions SET times_used = 2 WHERE id = $1",
        {std::string{used_up.at("id").as_string()}}
    );
    check(exhausted, 409, "promotion-exhausted");

    auto per_customer = unique_code("once");
    code(
        per_customer, {{"kind", "percentage"}, {"percent_off", 5}, {"usage_limit_per_customer", 1}}
    );
    check(per_customer, 422, "promotion-needs-customer");

    auto off = unique_code("off");
    auto deactivated = code(off, {{"kind", "percentage"}, {"percent_off", 5}});
    auto r = http().request(
        "POST",
        "/api/v1/admin/promotions/" + std::string{deactivated.at("id").as_string()} + "/deactivate",
        "", bearer(admin_->access_token)
    );
    ASSERT_EQ(r.status, 200);
    check(off, 422, "promotion-invalid");

    // With an email the per-customer code applies (redemptions are counted per email for guests).
    auto emailed = http().request(
        "PATCH", "/api/v1/store/carts/" + f.cart.id, R"({"email":"once@example.test"})",
        [&] {
            auto h = test::cart_headers(f.cart);
            h["Content-Type"] = "application/json";
            return h;
        }()
    );
    ASSERT_EQ(emailed.status, 200);
    auto ok = apply(f.cart, per_customer);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(amount(ok.json().at("totals"), "discount"), 100);
}

TEST_F(store_promotions, a_vendor_promotion_discounts_only_that_vendors_lines) {
    auto f = filled_cart("Scoped Shop A", 1000, 2);  // 2000
    auto other = test::open_store(*server_, *admin_, "Scoped Shop B");
    auto product = test::make_sale_product(*server_, other, "Scoped B Mug", 333, 20, 1);
    test::add_to_cart(http(), f.cart, product.variant_ids[0], 3);  // 999
    auto c = unique_code("bonly");
    code(c, {{"kind", "fixed_amount"}, {"amount_off", eur(500)}, {"vendor_id", other.vendor_id}});
    auto r = apply(f.cart, c);
    ASSERT_EQ(r.status, 200) << r.body;
    auto cart = r.json();
    EXPECT_EQ(amount(cart.at("totals"), "discount"), 500);
    std::int64_t sum_total = 0;
    for (const auto& v : cart.at("vendors").as_array()) {
        auto discount = amount(v.at("totals"), "discount");
        EXPECT_EQ(discount, str(v.at("vendor_id")) == other.vendor_id ? 500 : 0);
        sum_total += amount(v.at("totals"), "total");
    }
    EXPECT_EQ(sum_total, amount(cart.at("totals"), "total"));
    EXPECT_EQ(amount(cart.at("totals"), "total"), 2000 + 999 - 500);

    // A code whose vendor has no lines left stays on the cart but stops counting.
    auto line = std::string{cart.at("items").at(1).at("id").as_string()};
    auto h = test::cart_headers(f.cart);
    auto removed =
        http().request("DELETE", "/api/v1/store/carts/" + f.cart.id + "/line-items/" + line, "", h);
    ASSERT_EQ(removed.status, 200) << removed.body;
    auto left = removed.json();
    EXPECT_EQ(left.at("promotions").at(0).at("state"), "not_in_cart");
    EXPECT_EQ(amount(left.at("totals"), "discount"), 0);
}

// Automatic promotions apply to every cart they are eligible for: their own server, so that they
// do not touch other suites' carts.
class store_automatic_promotions : public test::admin_suite<store_automatic_promotions> {};

TEST_F(store_automatic_promotions, an_automatic_promotion_applies_above_its_minimum) {
    auto shop = test::open_store(*server_, *admin_, "Automatic Shop");
    auto product = test::make_sale_product(*server_, shop, "Auto Mug", 1000, 20, 1);
    auto promo = test::create_promotion(
        http(), *admin_,
        {{"name", "Spend 30, save 5 %"},
         {"kind", "percentage"},
         {"percent_off", 5},
         {"minimum_subtotal", eur(3000)}}
    );
    EXPECT_TRUE(promo.at("code").is_null());
    auto cart = test::create_cart(http());
    auto small = test::add_to_cart(http(), cart, product.variant_ids[0], 2);
    EXPECT_TRUE(small.at("promotions").as_array().empty()) << "below the minimum: not shown";
    EXPECT_EQ(amount(small.at("totals"), "discount"), 0);
    auto big = test::add_to_cart(http(), cart, product.variant_ids[0], 1);
    ASSERT_EQ(big.at("promotions").as_array().size(), 1U);
    EXPECT_EQ(big.at("promotions").at(0).at("automatic"), true);
    EXPECT_EQ(amount(big.at("totals"), "discount"), 150);

    auto off = http().request(
        "POST",
        "/api/v1/admin/promotions/" + std::string{promo.at("id").as_string()} + "/deactivate", "",
        bearer(admin_->access_token)
    );
    ASSERT_EQ(off.status, 200);
    EXPECT_EQ(amount(test::read_cart(http(), cart).at("totals"), "discount"), 0);
}

}  // namespace
