// `trader seed`: a small marketplace with the expected shape, the same handles and SKUs for the
// same seed, one reindex event instead of one per product, and stores that work right away.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "support/roles.hpp"
#include "support/trader.hpp"

namespace {

using test::bearer;

struct seeded {
    std::vector<std::string> handles;  // store/product handle pairs, in a stable order
    std::vector<std::string> skus;
    std::vector<std::string> categories;
};

seeded read_back(test::trader_process& server) {
    test::server_db db{server};
    seeded out;
    for (auto r : db.query("SELECT v.handle, p.handle, p.title, p.status FROM products p JOIN "
                           "vendors v ON v.id = "
                           "p.vendor_id ORDER BY v.handle, p.handle")) {
        out.handles.push_back(
            r.get<std::string>(0) + "/" + r.get<std::string>(1) + " " + r.get<std::string>(2) +
            " " + r.get<std::string>(3)
        );
    }
    for (auto r :
         db.query("SELECT v.sku, v.options, v.stock_on_hand, vp.currency, vp.amount FROM variants "
                  "v JOIN "
                  "variant_prices vp ON vp.variant_id = v.id ORDER BY v.sku, vp.currency")) {
        out.skus.push_back(
            r.get<std::string>(0) + " " + r.get<std::string>(1) + " " +
            std::to_string(r.get<std::int64_t>(2)) + " " + r.get<std::string>(3) + " " +
            std::to_string(r.get<std::int64_t>(4))
        );
    }
    for (auto r : db.query("SELECT handle FROM categories ORDER BY handle")) {
        out.categories.push_back(r.get<std::string>(0));
    }
    return out;
}

std::pair<int, std::string> seed(test::trader_process& server, const std::string& seed_value) {
    return server.run_command({"seed", "--vendors", "3", "--products", "50", "--seed", seed_value});
}

TEST(seed, fills_an_empty_marketplace_the_same_way_for_the_same_seed) {
    test::trader_process first{test::trader_options{{{"TRADER_OUTBOX_POLL_INTERVAL", "20ms"}}}};
    test::trader_process second;
    auto [code, out] = seed(first, "7");
    ASSERT_EQ(code, 0) << out;
    EXPECT_NE(out.find("50 products"), std::string::npos) << out;
    ASSERT_EQ(seed(second, "7").first, 0);

    test::server_db db{first};
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM vendors WHERE status = 'active'"), 3);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM vendor_members WHERE role = 'owner'"), 3);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM products"), 50);
    auto categories = db.count("SELECT COUNT(*) FROM categories");
    EXPECT_GE(categories, 50);
    EXPECT_LE(categories, 70);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM categories WHERE parent_id IS NULL"), 8);
    auto variants = db.count("SELECT COUNT(*) FROM variants");
    EXPECT_GE(variants, 50);
    EXPECT_LE(variants, 250);
    EXPECT_EQ(
        db.count("SELECT COUNT(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM variants v WHERE "
                 "v.product_id = p.id)"),
        0
    );
    EXPECT_EQ(
        db.count("SELECT COUNT(*) FROM variants v WHERE NOT EXISTS (SELECT 1 FROM variant_prices "
                 "vp WHERE vp.variant_id = v.id AND vp.currency = 'EUR')"),
        0
    ) << "every variant has a EUR price";
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM products WHERE category_id NOT IN (SELECT id FROM categories)"
        ),
        0
    );
    EXPECT_EQ(
        db.count("SELECT COUNT(*) FROM vendors WHERE pickup_lat < 52.42 OR pickup_lat > 52.62 OR "
                 "pickup_lng < 13.305 OR pickup_lng > 13.505"),
        0
    ) << "pickup points in Berlin";
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM user_roles WHERE role = 'vendor'"), 3);
    // One event for the whole catalog, none per product.
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM events WHERE type = 'catalog.reindex_requested'"), 1);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM events WHERE type LIKE 'product.%'"), 0);

    auto a = read_back(first);
    auto b = read_back(second);
    EXPECT_EQ(a.handles, b.handles);
    EXPECT_EQ(a.skus, b.skus);
    EXPECT_EQ(a.categories, b.categories);
    ASSERT_FALSE(a.skus.empty());

    // A second seed into the same database is refused and writes nothing.
    auto [again, again_out] = seed(first, "7");
    EXPECT_EQ(again, 1) << again_out;
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM products"), 50);

    // The running server picks the seeded tree up from the reindex event.
    std::size_t roots = 0;
    for (int i = 0; i < 250 && roots == 0; ++i) {
        auto tree = first.http().get("/api/v1/store/categories");
        roots = tree.json().at("items").as_array().size();
        if (roots == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    EXPECT_EQ(roots, 8U);

    if (!first.postgres()) {
        // The rebuild analyses only the index's tables. Statistics of the still-small events or
        // orders tables would make SQLite scan them whole once they have grown.
        auto analysed = [&] {
            return db.count("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'") > 0 &&
                   db.count("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'shop_products'") > 0;
        };
        for (int i = 0; i < 250 && !analysed(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ASSERT_TRUE(analysed());
        EXPECT_EQ(
            db.count("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl NOT LIKE 'shop\\_%' ESCAPE '\\'"), 0
        );
    }

    // Seeded owners sign in and manage their store's products.
    auto owner = test::login(first.http(), "vendor0001@seed.trader.test", "Seed-Vendor-2026");
    auto products =
        first.http().get("/api/v1/vendor/products?limit=100", bearer(owner.access_token));
    ASSERT_EQ(products.status, 200) << products.body;
    auto owned = db.count(
        "SELECT COUNT(*) FROM products p JOIN vendor_members m ON m.vendor_id = p.vendor_id "
        "WHERE m.user_id = $1 AND p.status <> 'deleted'",
        {owner.id}
    );
    EXPECT_EQ(static_cast<std::int64_t>(products.json().at("items").as_array().size()), owned);
}

TEST(seed, different_seeds_make_different_marketplaces) {
    test::trader_process first;
    test::trader_process second;
    ASSERT_EQ(seed(first, "1").first, 0);
    ASSERT_EQ(seed(second, "2").first, 0);
    EXPECT_NE(read_back(first).handles, read_back(second).handles);
}

TEST(seed, refuses_bad_sizes) {
    test::trader_process server;
    auto [code, out] = server.run_command({"seed", "--vendors", "0", "--products", "10"});
    EXPECT_EQ(code, 2) << out;
    test::server_db db{server};
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM vendors"), 0);
}

}  // namespace
