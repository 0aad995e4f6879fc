// Products on the vendor side: the life cycle (draft, published, archived, deleted) with events in
// the outbox, optimistic concurrency, variants matched by SKU, stock, tenant isolation (404), and
// bad input that is refused without changing anything.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "support/roles.hpp"
#include "support/trader.hpp"
#include "support/vendors.hpp"

namespace {

using test::bearer;
using test::caller;
using test::expect_problem;

std::string json(const boost::json::value& v) { return boost::json::serialize(v); }

std::map<std::string, std::string> json_as(
    const test::test_user& u, std::map<std::string, std::string> extra = {}
) {
    extra["Authorization"] = "Bearer " + u.access_token;
    extra["Content-Type"] = "application/json";
    return extra;
}

std::string text(const boost::json::value& v, const char* key) {
    return std::string{v.at(key).as_string()};
}

class vendor_products : public test::admin_suite<vendor_products> {
protected:


    std::int64_t count(const std::string& sql, infra::db::params args = {}) {
        test::server_db db{*server_};
        return db.count(sql, std::move(args));
    }

};


TEST_F(vendor_products, a_product_goes_from_draft_to_published_to_archived_to_deleted) {
    auto shop = test::open_store(*server_, *admin_, "Life Cycle Shop");
    auto shirts = category("Shirts");
    auto body = test::product_body("Classic Linen Shirt", "LIN", 3);
    body["category_id"] = shirts;
    body["variants"].as_array()[0].as_object()["compare_at_prices"] =
        boost::json::array{{{"currency", "EUR"}, {"amount", 3500}}};
    body["variants"].as_array()[0].as_object()["prices"].as_array().push_back(
        {{"currency", "USD"}, {"amount", 2700}}
    );
    auto created =
        http().post_json("/api/v1/vendor/products", json(body), bearer(shop.owner.access_token));
    ASSERT_EQ(created.status, 201) << created.body;
    auto p = created.json().as_object();
    auto id = text(p, "id");
    EXPECT_TRUE(id.starts_with("prod_"));
    EXPECT_EQ(p.at("object"), "product");
    EXPECT_EQ(p.at("status"), "draft");
    EXPECT_EQ(p.at("handle"), "classic-linen-shirt");
    EXPECT_EQ(p.at("vendor_id"), boost::json::value(shop.vendor_id));
    EXPECT_EQ(p.at("category_id"), boost::json::value(shirts));
    EXPECT_EQ(created.header("location"), "/api/v1/vendor/products/" + id);
    ASSERT_EQ(p.at("variants").as_array().size(), 3U);
    const auto& first = p.at("variants").as_array()[0];
    EXPECT_TRUE(text(first, "id").starts_with("var_"));
    EXPECT_EQ(first.at("sku"), "LIN-1");
    EXPECT_EQ(first.at("stock"), 10);
    EXPECT_EQ(
        first.at("prices"),
        (boost::json::array{
            {{"amount", 2500}, {"currency", "EUR"}}, {{"amount", 2700}, {"currency", "USD"}}})
    );
    EXPECT_EQ(first.at("compare_at_prices").as_array()[0].at("amount"), 3500);

    // Same title, same store: the next free handle.
    auto twin =
        test::create_product(http(), shop.owner, test::product_body("Classic Linen Shirt", "TWIN"));
    EXPECT_EQ(twin.at("handle"), "classic-linen-shirt-2");

    auto shown = http().get("/api/v1/vendor/products/" + id, bearer(shop.owner.access_token));
    ASSERT_EQ(shown.status, 200) << shown.body;
    auto etag = shown.header("etag");
    EXPECT_EQ(etag, "\"1\"");

    auto published = http().request(
        "POST", "/api/v1/vendor/products/" + id + "/publish", "",
        {{"Authorization", "Bearer " + shop.owner.access_token}, {"If-Match", etag}}
    );
    ASSERT_EQ(published.status, 200) << published.body;
    EXPECT_EQ(published.json().at("status"), "published");
    EXPECT_FALSE(published.json().at("published_at").is_null());
    auto stale = http().request(
        "PATCH", "/api/v1/vendor/products/" + id, json(boost::json::object{{"title", "Stale"}}),
        json_as(shop.owner, {{"If-Match", etag}})
    );
    expect_problem(stale, 412, "precondition-failed");

    auto archived = http().request(
        "POST", "/api/v1/vendor/products/" + id + "/archive", "", bearer(shop.owner.access_token)
    );
    ASSERT_EQ(archived.status, 200) << archived.body;
    EXPECT_EQ(archived.json().at("status"), "archived");

    auto deleted = http().request(
        "DELETE", "/api/v1/vendor/products/" + id, "", bearer(shop.owner.access_token)
    );
    EXPECT_EQ(deleted.status, 204) << deleted.body;
    auto gone = http().get("/api/v1/vendor/products/" + id, bearer(shop.owner.access_token));
    EXPECT_EQ(gone.json().at("status"), "deleted");
    EXPECT_FALSE(gone.json().at("deleted_at").is_null());
    expect_problem(
        http().request(
            "POST", "/api/v1/vendor/products/" + id + "/publish", "",
            bearer(shop.owner.access_token)
        ),
        409, "conflict"
    );
    expect_problem(
        http().request(
            "PATCH", "/api/v1/vendor/products/" + id, json(boost::json::object{{"title", "Back"}}),
            json_as(shop.owner)
        ),
        409, "conflict"
    );
    // Deleted products leave the default list but keep their SKUs.
    auto listed = http().get("/api/v1/vendor/products", bearer(shop.owner.access_token));
    auto listed_body = listed.json();
    for (const auto& item : listed_body.at("items").as_array()) {
        EXPECT_NE(text(item, "id"), id);
    }
    auto only_deleted =
        http().get("/api/v1/vendor/products?status=deleted", bearer(shop.owner.access_token));
    ASSERT_EQ(only_deleted.json().at("items").as_array().size(), 1U);
    auto reuse = http().post_json(
        "/api/v1/vendor/products", json(test::product_body("Reuse", "LIN", 1)),
        bearer(shop.owner.access_token)
    );
    expect_problem(reuse, 409, "conflict");
    EXPECT_NE(reuse.body.find("/variants/0/sku"), std::string::npos) << reuse.body;

    EXPECT_EQ(
        test::event_types(*server_, id),
        (std::vector<std::string>{
            "product.created", "product.published", "product.archived", "product.deleted"})
    );
    test::server_db db{*server_};
    auto data = db.query(
        "SELECT data FROM events WHERE aggregate_id = $1 AND type = 'product.created'", {id}
    );
    auto event = boost::json::parse(data.front().get<std::string>(0));
    EXPECT_EQ(event.at("product_id"), boost::json::value(id));
    EXPECT_EQ(event.at("vendor_id"), boost::json::value(shop.vendor_id));
}

TEST_F(vendor_products, patch_replaces_variants_by_sku_and_stock_changes_write_events) {
    auto shop = test::open_store(*server_, *admin_, "Patch Shop");
    auto p = test::create_product(http(), shop.owner, test::product_body("Wool Hat", "HAT", 2));
    auto id = text(p, "id");
    auto kept_id = text(p.at("variants").as_array()[0], "id");
    auto dropped_sku = text(p.at("variants").as_array()[1], "sku");

    boost::json::object patch{
        {"title", "Warm Wool Hat"},
        {"tags", nullptr},
        {"options", boost::json::array{{{"name", "size"}, {"values", {"S", "L"}}}}},
        {"variants",
         boost::json::array{
             {{"sku", "HAT-1"},
              {"options", {{"size", "S"}}},
              {"prices", boost::json::array{{{"currency", "EUR"}, {"amount", 1999}}}}},
             {{"sku", "HAT-9"},
              {"options", {{"size", "L"}}},
              {"prices", boost::json::array{{{"currency", "EUR"}, {"amount", 2199}}}},
              {"stock", 4}},
         }},
    };
    auto updated = http().request(
        "PATCH", "/api/v1/vendor/products/" + id, json(patch),
        json_as(shop.owner, {{"If-Match", "\"1\""}})
    );
    ASSERT_EQ(updated.status, 200) << updated.body;
    auto u = updated.json();
    EXPECT_EQ(u.at("title"), "Warm Wool Hat");
    EXPECT_EQ(u.at("handle"), "wool-hat") << "the handle stays when the title changes";
    EXPECT_TRUE(u.at("tags").as_array().empty());
    EXPECT_EQ(u.at("version"), 2);
    EXPECT_EQ(updated.header("etag"), "\"2\"");
    const auto& variants = u.at("variants").as_array();
    ASSERT_EQ(variants.size(), 2U);
    EXPECT_EQ(text(variants[0], "id"), kept_id) << "matched by SKU, the variant keeps its id";
    EXPECT_EQ(variants[0].at("stock"), 10) << "absent stock stays";
    EXPECT_EQ(variants[0].at("prices").as_array()[0].at("amount"), 1999);
    EXPECT_EQ(variants[1].at("sku"), "HAT-9");
    EXPECT_EQ(variants[1].at("stock"), 4);
    EXPECT_EQ(count("SELECT COUNT(*) FROM variants WHERE sku = $1", {dropped_sku}), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM variant_prices WHERE variant_id = $1", {kept_id}), 1);

    // Options that the remaining variants do not fit are refused.
    auto misfit = http().request(
        "PATCH", "/api/v1/vendor/products/" + id,
        json(boost::json::object{
            {"options", boost::json::array{{{"name", "colour"}, {"values", {"Red"}}}}}}),
        json_as(shop.owner)
    );
    expect_problem(misfit, 422, "validation");

    auto stock_path = "/api/v1/vendor/products/" + id + "/variants/" + kept_id + "/stock";
    auto set = http().request(
        "PUT", stock_path, json(boost::json::object{{"stock", 25}}), json_as(shop.owner)
    );
    ASSERT_EQ(set.status, 200) << set.body;
    EXPECT_EQ(set.json().at("stock"), 25);
    EXPECT_EQ(set.json().at("object"), "variant");
    auto adjusted = http().request(
        "PUT", stock_path, json(boost::json::object{{"adjustment", -5}}), json_as(shop.owner)
    );
    ASSERT_EQ(adjusted.status, 200) << adjusted.body;
    EXPECT_EQ(adjusted.json().at("stock"), 20);
    expect_problem(
        http().request(
            "PUT", stock_path, json(boost::json::object{{"adjustment", -21}}), json_as(shop.owner)
        ),
        422, "validation"
    );

    // Reserved units (orders, later) bound what may be taken away.
    test::server_db db{*server_};
    db.execute("UPDATE variants SET stock_reserved = 8 WHERE id = $1", {kept_id});
    auto below = http().request(
        "PUT", stock_path, json(boost::json::object{{"stock", 7}}), json_as(shop.owner)
    );
    expect_problem(below, 409, "conflict");
    auto shown =
        http().get("/api/v1/vendor/products/" + id, bearer(shop.owner.access_token)).json();
    EXPECT_EQ(shown.at("variants").as_array()[0].at("stock"), 12) << "on hand minus reserved";
    EXPECT_EQ(shown.at("variants").as_array()[0].at("stock_reserved"), 8);

    auto events = test::event_types(*server_, id);
    EXPECT_EQ(std::count(events.begin(), events.end(), "product.updated"), 1);
    EXPECT_EQ(std::count(events.begin(), events.end(), "variant.stock_changed"), 2);
    auto stock_event = db.query(
        "SELECT data FROM events WHERE aggregate_id = $1 AND type = 'variant.stock_changed' ORDER "
        "BY "
        "created_at_ms DESC, id DESC LIMIT 1",
        {id}
    );
    auto data = boost::json::parse(stock_event.front().get<std::string>(0));
    EXPECT_EQ(data.at("variant_id"), boost::json::value(kept_id));
    EXPECT_EQ(data.at("stock"), 20);
}

TEST_F(vendor_products, a_vendor_never_sees_another_vendors_products) {
    auto a = test::open_store(*server_, *admin_, "Store A");
    auto b = test::open_store(*server_, *admin_, "Store B");
    auto p = test::create_product(http(), a.owner, test::product_body("Secret Product", "SEC"));
    auto id = text(p, "id");
    auto variant = text(p.at("variants").as_array()[0], "id");
    auto as_b = bearer(b.owner.access_token);
    expect_problem(http().get("/api/v1/vendor/products/" + id, as_b), 404, "not-found");
    expect_problem(
        http().request(
            "PATCH", "/api/v1/vendor/products/" + id, json(boost::json::object{{"title", "Mine"}}),
            json_as(b.owner)
        ),
        404, "not-found"
    );
    expect_problem(
        http().request("DELETE", "/api/v1/vendor/products/" + id, "", as_b), 404, "not-found"
    );
    expect_problem(
        http().request("POST", "/api/v1/vendor/products/" + id + "/publish", "", as_b), 404,
        "not-found"
    );
    expect_problem(
        http().request("POST", "/api/v1/vendor/products/" + id + "/archive", "", as_b), 404,
        "not-found"
    );
    expect_problem(
        http().request(
            "PUT", "/api/v1/vendor/products/" + id + "/variants/" + variant + "/stock",
            json(boost::json::object{{"stock", 1}}), json_as(b.owner)
        ),
        404, "not-found"
    );
    auto missing = http().get("/api/v1/vendor/products/prod_00000000000000000000000000", as_b);
    auto theirs = http().get("/api/v1/vendor/products/" + id, as_b);
    EXPECT_EQ(missing.json().at("detail"), theirs.json().at("detail"))
        << "a missing product and another store's look the same";
    EXPECT_TRUE(http().get("/api/v1/vendor/products", as_b).json().at("items").as_array().empty());
    // The same SKU is free in another store.
    test::create_product(http(), b.owner, test::product_body("Own Product", "SEC"));
    auto unchanged =
        http().get("/api/v1/vendor/products/" + id, bearer(a.owner.access_token)).json();
    EXPECT_EQ(unchanged.at("title"), "Secret Product");
    EXPECT_EQ(unchanged.at("status"), "draft");
}

TEST_F(vendor_products, lists_newest_first_with_status_filter_and_cursor) {
    auto shop = test::open_store(*server_, *admin_, "List Shop");
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(text(
            test::create_product(
                http(), shop.owner,
                test::product_body(
                    "Listed " + std::to_string(i), "L" + std::to_string(i), 1 + i % 3
                )
            ),
            "id"
        ));
    }
    http().request(
        "POST", "/api/v1/vendor/products/" + ids[1] + "/publish", "",
        bearer(shop.owner.access_token)
    );
    std::vector<std::string> seen;
    std::string target = "/api/v1/vendor/products?limit=2";
    for (int page = 0; page < 5; ++page) {
        auto r = http().get(target, bearer(shop.owner.access_token));
        ASSERT_EQ(r.status, 200) << r.body;
        auto r_body = r.json();
        for (const auto& item : r_body.at("items").as_array()) {
            seen.push_back(text(item, "id"));
            EXPECT_FALSE(item.at("variants").as_array().empty());
        }
        if (r.json().at("next_cursor").is_null()) {
            break;
        }
        target = "/api/v1/vendor/products?limit=2&cursor=" + text(r.json(), "next_cursor");
    }
    EXPECT_EQ(seen, (std::vector<std::string>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
    auto published =
        http().get("/api/v1/vendor/products?status=published", bearer(shop.owner.access_token));
    ASSERT_EQ(published.json().at("items").as_array().size(), 1U);
    EXPECT_EQ(text(published.json().at("items").as_array()[0], "id"), ids[1]);
}

TEST_F(vendor_products, deleting_a_category_uncategorises_its_products) {
    auto shop = test::open_store(*server_, *admin_, "Category Shop");
    auto doomed = category("Doomed Category");
    auto body = test::product_body("Filed Product", "FILED");
    body["category_id"] = doomed;
    auto id = text(test::create_product(http(), shop.owner, body), "id");
    auto removed = http().request(
        "DELETE", "/api/v1/admin/categories/" + doomed, "", bearer(admin_->access_token)
    );
    ASSERT_EQ(removed.status, 204);
    bool cleared = false;
    for (int i = 0; i < 250 && !cleared; ++i) {
        auto p =
            http().get("/api/v1/vendor/products/" + id, bearer(shop.owner.access_token)).json();
        cleared = p.at("category_id").is_null();
        if (!cleared) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    EXPECT_TRUE(cleared) << "the outbox handler clears the category";
    auto events = test::event_types(*server_, id);
    EXPECT_EQ(std::count(events.begin(), events.end(), "product.updated"), 1);
    auto unknown = body;
    unknown["variants"] = test::product_body("x", "OTHER").at("variants");
    auto refused =
        http().post_json("/api/v1/vendor/products", json(unknown), bearer(shop.owner.access_token));
    expect_problem(refused, 422, "validation");
    EXPECT_NE(refused.body.find("/category_id"), std::string::npos);
}

TEST_F(vendor_products, bad_input_is_refused_and_changes_nothing) {
    auto shop = test::open_store(*server_, *admin_, "Strict Shop");
    auto p =
        test::create_product(http(), shop.owner, test::product_body("Strict Product", "STR", 2));
    test::create_product(http(), shop.owner, test::product_body("Other Product", "OTH", 1));
    auto id = text(p, "id");
    auto variant = text(p.at("variants").as_array()[0], "id");
    auto snapshot = [&] {
        std::map<std::string, std::int64_t> out;
        for (const char* table : {"products", "variants", "variant_prices", "events"}) {
            out[table] = count(std::string{"SELECT COUNT(*) FROM "} + table);
        }
        out["version"] = count("SELECT version FROM products WHERE id = $1", {id});
        out["stock"] = count("SELECT SUM(stock_on_hand) FROM variants WHERE product_id = $1", {id});
        return out;
    };
    auto before = snapshot();
    auto shown_before =
        http().get("/api/v1/vendor/products/" + id, bearer(shop.owner.access_token)).body;

    auto good = test::product_body("New Product", "NEW", 2);
    auto variant0 = [&](const std::string& key, boost::json::value v) {
        auto copy = good;
        copy["variants"].as_array()[0].as_object()[key] = std::move(v);
        return json(copy);
    };
    auto price0 = [&](const std::string& key, boost::json::value v) {
        auto copy = good;
        copy["variants"].as_array()[0].as_object()["prices"].as_array()[0].as_object()[key] =
            std::move(v);
        return json(copy);
    };
    auto top = [&](const std::string& key, boost::json::value v) {
        auto copy = good;
        copy[key] = std::move(v);
        return json(copy);
    };
    boost::json::array too_many;
    for (int i = 0; i < 101; ++i) {
        too_many.push_back(good.at("variants").as_array()[0]);
    }
    struct bad {
        std::string method;
        std::string path;
        std::string body;
        int status;
        std::string slug;
        std::string pointer;
    };
    std::string create = "/api/v1/vendor/products";
    std::string one = "/api/v1/vendor/products/" + id;
    std::string stock = one + "/variants/" + variant + "/stock";
    std::vector<bad> cases{
        {"POST", create, price0("amount", -1), 422, "validation", "/variants/0/prices/0/amount"},
        {"POST", create, price0("amount", 12.5), 422, "validation", "/variants/0/prices/0/amount"},
        {"POST", create, price0("amount", "1000"), 422, "validation",
         "/variants/0/prices/0/amount"},
        {"POST", create, price0("amount", 1000000000000), 422, "validation",
         "/variants/0/prices/0/amount"},
        {"POST", create, price0("currency", "EUX"), 422, "validation",
         "/variants/0/prices/0/currency"},
        {"POST", create, variant0("sku", "NEW-2"), 422, "validation", "/variants/1/sku"},
        {"POST", create, variant0("sku", "STR-1"), 409, "conflict", "/variants/0/sku"},
        {"POST", create, variant0("sku", "has space"), 422, "validation", "/variants/0/sku"},
        {"POST", create, variant0("stock", -3), 422, "validation", "/variants/0/stock"},
        {"POST", create, variant0("options", boost::json::object{{"size", "XXXL"}}), 422,
         "validation", "/variants/0/options/size"},
        {"POST", create, variant0("colour", "red"), 422, "validation", "/variants/0/colour"},
        {"POST", create, top("title", boost::json::string(201, 'x')), 422, "validation", "/title"},
        {"POST", create, top("description", boost::json::string(10001, 'x')), 422, "validation",
         "/description"},
        {"POST", create, top("category_id", "cat_00000000000000000000000000"), 422, "validation",
         "/category_id"},
        {"POST", create, top("variants", too_many), 422, "validation", "/variants"},
        {"POST", create, top("variants", boost::json::array{}), 422, "validation", "/variants"},
        {"POST", create, top("brand", "x"), 422, "validation", "/brand"},
        {"POST", create, "[]", 422, "validation", ""},
        {"POST", create, "{\"title\":", 400, "bad-request", ""},
        {"PATCH", one, json(boost::json::object{{"title", nullptr}}), 422, "validation", "/title"},
        {"PATCH", one, json(boost::json::object{{"variants", boost::json::array{}}}), 422,
         "validation", "/variants"},
        {"PATCH", one, json(boost::json::object{{"category_id", "cat_00000000000000000000000000"}}),
         422, "validation", "/category_id"},
        {"PATCH", one,
         json(boost::json::object{
             {"variants",
              boost::json::array{
                  {{"sku", "OTH-1"},
                   {"options", {{"size", "S"}}},
                   {"prices", boost::json::array{{{"currency", "EUR"}, {"amount", 1}}}}}}}}),
         409, "conflict", "/variants/0/sku"},
        {"PATCH", one, json(boost::json::object{{"tags", boost::json::array{"a", "a"}}}), 422,
         "validation", "/tags/1"},
        {"PATCH", "/api/v1/vendor/products/prod_00000000000000000000000000",
         json(boost::json::object{{"title", "X"}}), 404, "not-found", ""},
        {"PUT", stock, json(boost::json::object{{"stock", -1}}), 422, "validation", "/stock"},
        {"PUT", stock, json(boost::json::object{{"stock", 1}, {"adjustment", 1}}), 422,
         "validation", "/stock"},
        {"PUT", stock, json(boost::json::object{{"adjustment", -1000}}), 422, "validation",
         "/adjustment"},
        {"PUT", one + "/variants/var_00000000000000000000000000/stock",
         json(boost::json::object{{"stock", 1}}), 404, "not-found", ""},
        {"POST", one + "/publish", json(boost::json::object{{"at", "now"}}), 422, "validation",
         "/at"},
        {"GET", create + "?status=live", "", 400, "bad-request", ""},
        {"GET", create + "?cursor=zzz", "", 400, "bad-request", ""},
        {"GET", create + "?limit=1000", "", 400, "bad-request", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.method + " " + c.path + " " + c.body.substr(0, 200));
        auto headers = bearer(shop.owner.access_token);
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
    auto typed = http().request(
        "POST", create, json(good),
        {{"Authorization", "Bearer " + shop.owner.access_token}, {"Content-Type", "text/plain"}}
    );
    expect_problem(typed, 415, "unsupported-media-type");
    EXPECT_EQ(snapshot(), before);
    EXPECT_EQ(http().get(one, bearer(shop.owner.access_token)).body, shown_before);
}

TEST_F(vendor_products, only_members_of_active_stores_reach_product_routes) {
    auto who = test::principals::create(*server_);
    auto shop = test::open_store(*server_, *admin_, "Role Shop");
    auto p = test::create_product(http(), shop.owner, test::product_body("Role Product", "ROLE"));
    auto id = text(p, "id");
    auto variant = text(p.at("variants").as_array()[0], "id");
    const std::set<caller> nobody{};
    // Every principal lacks a store (the vendor principal has the role only): 403 throughout.
    std::vector<test::route_check> table{
        {"GET", "/api/v1/vendor/products", "", nobody, 403},
        {"POST", "/api/v1/vendor/products", json(test::product_body("X", "X")), nobody, 403},
        {"GET", "/api/v1/vendor/products/" + id, "", nobody, 403},
        {"PATCH", "/api/v1/vendor/products/" + id, json(boost::json::object{{"title", "X"}}),
         nobody, 403},
        {"DELETE", "/api/v1/vendor/products/" + id, "", nobody, 403},
        {"POST", "/api/v1/vendor/products/" + id + "/publish", "", nobody, 403},
        {"POST", "/api/v1/vendor/products/" + id + "/archive", "", nobody, 403},
        {"PUT", "/api/v1/vendor/products/" + id + "/variants/" + variant + "/stock",
         json(boost::json::object{{"stock", 1}}), nobody, 403},
    };
    test::check_routes(*server_, who, table);
    auto untouched =
        http().get("/api/v1/vendor/products/" + id, bearer(shop.owner.access_token)).json();
    EXPECT_EQ(untouched.at("status"), "draft");
    EXPECT_EQ(untouched.at("version"), 1);

    // A pending applicant has no vendor role yet: it cannot publish (or reach products at all).
    auto pending = test::open_store(*server_, *admin_, "Pending Role Shop", false);
    expect_problem(
        http().request(
            "POST", "/api/v1/vendor/products/" + id + "/publish", "",
            bearer(pending.owner.access_token)
        ),
        403, "forbidden"
    );
}

}  // namespace
