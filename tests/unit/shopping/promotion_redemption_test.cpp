// The checkout side of carts (checkout_cart) on a real database, once on SQLite and once on
// PostgreSQL (the Postgres instantiation carries the pg label): many checkouts redeeming one
// promotion at the same time never exceed its total or per-customer limit, a cart changed since
// its quote is not closed, and a quote prices courier delivery per vendor by distance.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

#include "core/ids.hpp"
#include "core/worker_pool.hpp"
#include "infra/db/migrations.hpp"
#include "infra/db/postgres.hpp"
#include "infra/db/sqlite.hpp"
#include "modules/shopping/cart_service.hpp"
#include "support/env.hpp"
#include "support/pg_database.hpp"

namespace {

using namespace std::chrono_literals;
namespace db = infra::db;

template <class T>
core::task<std::optional<T>> boxed(core::task<T> t) {
    co_return co_await std::move(t);
}

template <class T>
T run(core::task<T> t) {
    boost::asio::io_context io;
    auto done = boost::asio::co_spawn(io, boxed(std::move(t)), boost::asio::use_future);
    io.run_for(120s);
    if (done.wait_for(0s) != std::future_status::ready) {
        throw std::runtime_error("a coroutine did not finish in time");
    }
    return std::move(*done.get());
}

template <class T>
T must(core::result<T> r, std::string_view what = "step") {
    if (!r) {
        throw std::runtime_error(std::string{what} + " failed: " + r.error().detail);
    }
    return std::move(r).value();
}

// Only the variants for sale are looked up by carts.
class fake_catalog final : public vendor::catalog {
public:
    std::map<std::string, vendor::variant_for_sale> for_sale;

    core::task<core::result<std::optional<vendor::store_snapshot>>> store(
        db::transaction& /*tx*/, std::string /*vendor_id*/
    ) override {
        co_return std::optional<vendor::store_snapshot>{};
    }
    core::task<core::result<std::optional<vendor::product_snapshot>>> product(
        db::transaction& /*tx*/, std::string /*product_id*/
    ) override {
        co_return std::optional<vendor::product_snapshot>{};
    }
    core::task<core::result<std::vector<vendor::product_snapshot>>> products_by_id(
        db::transaction& /*tx*/, std::vector<std::string> /*product_ids*/
    ) override {
        co_return std::vector<vendor::product_snapshot>{};
    }
    core::task<core::result<std::optional<vendor::store_membership>>> store_of_member(
        db::transaction& /*tx*/, std::string /*user_id*/
    ) override {
        co_return std::optional<vendor::store_membership>{};
    }
    core::task<core::result<std::vector<std::string>>> product_ids_of_store(
        db::transaction& /*tx*/,
        std::string /*vendor_id*/,
        std::optional<std::string> /*after_id*/,
        int /*limit*/
    ) override {
        co_return std::vector<std::string>{};
    }
    core::task<core::result<std::vector<vendor::product_snapshot>>> products_after(
        db::transaction& /*tx*/, std::optional<std::string> /*after_id*/, int /*limit*/
    ) override {
        co_return std::vector<vendor::product_snapshot>{};
    }
    core::task<core::result<std::optional<vendor::variant_for_sale>>> variant(
        db::transaction& /*tx*/, std::string variant_id
    ) override {
        auto found = for_sale.find(variant_id);
        if (found == for_sale.end()) {
            co_return std::optional<vendor::variant_for_sale>{};
        }
        co_return std::optional<vendor::variant_for_sale>{found->second};
    }
    core::task<core::result<std::vector<vendor::variant_for_sale>>> variants(
        db::transaction& /*tx*/, std::vector<std::string> variant_ids
    ) override {
        std::vector<vendor::variant_for_sale> out;
        for (const auto& id : variant_ids) {
            if (auto found = for_sale.find(id); found != for_sale.end()) {
                out.push_back(found->second);
            }
        }
        co_return out;
    }
};

class promotion_redemption : public testing::TestWithParam<std::string> {
public:
    void SetUp() override {
        pool_ = std::make_unique<core::worker_pool>(4);
        if (GetParam() == "postgres") {
            pg_ = std::make_unique<test::pg_database>();
            db_ = must(run(db::open_postgres({.url = pg_->url(), .pool_size = 8})), "open");
        } else {
            dir_ = test::make_temp_dir("redemption");
            db::sqlite_settings s;
            s.path = (dir_ / "trader.db").string();
            s.readers = 4;
            db_ = must(db::open_sqlite(s, *pool_), "open");
        }
        auto files = must(db::load_migrations(db::embedded_migration_files(), db_->kind()));
        db::migrator m{*db_, files};
        must(run(m.apply()), "migrate");
        shopping::cart_settings settings;
        settings.delivery_fees = must(shopping::parse_delivery_fees("3:299,8:499,15:799"));
        settings.tax_rate_bps = 1900;
        carts_ = std::make_unique<shopping::cart_service>(*db_, clock_, catalog_, settings);
    }

    void TearDown() override {
        carts_.reset();
        db_.reset();
        pg_.reset();
        if (!dir_.empty()) {
            std::filesystem::remove_all(dir_);
        }
    }

    void sql(const std::string& text, db::params args = {}) {
        must(run(db_->write(text, std::move(args))), text);
    }

    std::int64_t count(const std::string& text, db::params args = {}) {
        auto rows = must(run(db_->read(text, std::move(args))), text);
        return rows.front().get<std::int64_t>(0);
    }

    std::string promotion(
        std::optional<std::int64_t> limit, std::optional<std::int64_t> per_customer
    ) {
        auto id = core::new_id("promo");
        sql("INSERT INTO promotions (id, code, name, kind, percent_off, minimum_subtotal, "
            "usage_limit, "
            "usage_limit_per_customer, times_used, status, created_at_ms, updated_at_ms) VALUES "
            "($1, $2, "
            "'test', 'percentage', 10, 0, $3, $4, 0, 'active', 0, 0)",
            {id, id.substr(6, 20), limit, per_customer});
        return id;
    }

    shopping::cart_quote open_cart(const std::string& customer, const std::string& promotion_id) {
        auto id = core::new_id("cart");
        sql("INSERT INTO carts (id, currency, customer_id, status, version, created_at_ms, "
            "updated_at_ms) "
            "VALUES ($1, 'EUR', $2, 'open', 1, 0, 0)",
            {id, customer});
        shopping::cart_quote q;
        q.cart_id = id;
        q.currency = "EUR";
        q.customer_id = customer;
        q.version = 1;
        q.promotion_ids = {promotion_id};
        return q;
    }

    // Every quote completed at the same time, each in its own write transaction; answers how many
    // committed.
    int complete_all(const std::vector<shopping::cart_quote>& quotes) {
        boost::asio::io_context io;
        std::vector<std::future<std::optional<core::result<bool>>>> outcomes;
        for (const auto& q : quotes) {
            outcomes.push_back(
                boost::asio::co_spawn(io, boxed(checkout(q)), boost::asio::use_future)
            );
        }
        io.run_for(120s);
        int committed = 0;
        for (auto& f : outcomes) {
            if (f.wait_for(0s) != std::future_status::ready) {
                throw std::runtime_error("a checkout did not finish in time");
            }
            auto r = std::move(*f.get());
            if (!r) {
                ADD_FAILURE() << "unexpected error: " << r.error().detail;
                continue;
            }
            committed += *r ? 1 : 0;
        }
        return committed;
    }

    // true when committed, false when refused as a conflict.
    core::task<core::result<bool>> checkout(shopping::cart_quote q) {
        auto order_id = core::new_id("ord");
        auto body = std::bind_front(
            &promotion_redemption::complete_tx, this, std::move(q), std::move(order_id)
        );
        auto done = co_await db::transact(*db_, std::move(body));
        if (!done) {
            if (done.error().code == core::errc::conflict) {
                EXPECT_TRUE(
                    done.error().type == "promotion-exhausted" || done.error().type == "conflict"
                ) << done.error().type;
                co_return false;
            }
            co_return std::move(done).error();
        }
        co_return true;
    }

    core::task<core::result<shopping::cart_quote>> quote_tx(
        shopping::cart_caller who,
        std::string cart_id,
        shopping::delivery_request d,
        db::transaction& tx
    ) {
        co_return co_await carts_->quote(tx, who, std::move(cart_id), std::move(d));
    }

    core::task<core::result<void>> complete_tx(
        shopping::cart_quote q, std::string order_id, db::transaction& tx
    ) {
        auto email = q.email;
        co_return co_await carts_->complete(tx, q, std::move(order_id), std::move(email));
    }

    std::unique_ptr<core::worker_pool> pool_;
    std::unique_ptr<test::pg_database> pg_;
    std::filesystem::path dir_;
    std::unique_ptr<db::database> db_;
    core::system_clock clock_;
    fake_catalog catalog_;
    std::unique_ptr<shopping::cart_service> carts_;
};

TEST_P(promotion_redemption, concurrent_checkouts_never_exceed_the_usage_limit) {
    auto promo = promotion(3, std::nullopt);
    std::vector<shopping::cart_quote> quotes;
    for (int i = 0; i < 16; ++i) {
        quotes.push_back(open_cart("usr_" + std::to_string(i), promo));
    }
    EXPECT_EQ(complete_all(quotes), 3);
    EXPECT_EQ(count("SELECT times_used FROM promotions WHERE id = $1", {promo}), 3);
    EXPECT_EQ(
        count("SELECT COUNT(*) FROM promotion_redemptions WHERE promotion_id = $1", {promo}), 3
    );
    EXPECT_EQ(count("SELECT COUNT(*) FROM carts WHERE status = 'completed'"), 3)
        << "a refused redemption rolls its checkout back";
}

TEST_P(promotion_redemption, concurrent_checkouts_of_one_customer_respect_the_per_customer_limit) {
    auto promo = promotion(std::nullopt, 2);
    std::vector<shopping::cart_quote> quotes;
    for (int i = 0; i < 8; ++i) {
        quotes.push_back(open_cart("usr_same", promo));
    }
    quotes.push_back(open_cart("usr_other", promo));
    EXPECT_EQ(complete_all(quotes), 3) << "two for usr_same, one for usr_other";
    EXPECT_EQ(
        count(
            "SELECT used FROM promotion_usage WHERE promotion_id = $1 AND customer_key = "
            "'usr_same'",
            {promo}
        ),
        2
    );
    EXPECT_EQ(count("SELECT times_used FROM promotions WHERE id = $1", {promo}), 3);
}

TEST_P(promotion_redemption, a_cart_changed_since_its_quote_or_closed_is_not_completed) {
    auto promo = promotion(std::nullopt, std::nullopt);
    auto q = open_cart("usr_x", promo);
    sql("UPDATE carts SET version = 2 WHERE id = $1", {q.cart_id});
    EXPECT_EQ(complete_all({q}), 0);
    q.version = 2;
    EXPECT_EQ(complete_all({q}), 1);
    EXPECT_EQ(complete_all({q}), 0) << "already completed";
    EXPECT_EQ(count("SELECT times_used FROM promotions WHERE id = $1", {promo}), 1);
    auto rows =
        must(run(db_->read("SELECT status, order_id FROM carts WHERE id = $1", {q.cart_id})));
    EXPECT_EQ(rows.front().get<std::string>(0), "completed");
    EXPECT_TRUE(rows.front().get<std::string>(1).starts_with("ord_"));
}

TEST_P(promotion_redemption, a_quote_prices_courier_delivery_per_vendor_by_distance) {
    // Store A picks up in Berlin Mitte, store B in Potsdam (about 27 km away).
    auto variant = [&](std::string id, std::string vendor, vendor::location at,
                       std::int64_t price) {
        vendor::variant_for_sale v;
        v.variant_id = id;
        v.product_id = "prod_" + id;
        v.product_title = "Product " + id;
        v.product_status = "published";
        v.vendor_id = std::move(vendor);
        v.vendor_status = "active";
        v.pickup = at;
        v.sku = "SKU-" + id;
        v.prices.emplace_back(price, *core::currency::parse("EUR"));
        v.stock = 10;
        catalog_.for_sale[id] = v;
    };
    variant("var_a", "vnd_a", {52.5200, 13.4050}, 1190);
    variant("var_b", "vnd_b", {52.3906, 13.0645}, 2380);
    auto ten_percent = promotion(std::nullopt, std::nullopt);
    auto q = open_cart("usr_quote", ten_percent);
    sql("INSERT INTO cart_promotions (cart_id, promotion_id, applied_at_ms) VALUES ($1, $2, 0)",
        {q.cart_id, ten_percent});
    auto item = [&](std::string id, std::string variant_id, std::string vendor, std::int64_t qty) {
        sql("INSERT INTO cart_items (id, cart_id, variant_id, product_id, vendor_id, title, sku, "
            "options, "
            "quantity, unit_amount, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, 'p', $4, "
            "'t', 's', "
            "'{}', $5, 1, 0, 0)",
            {std::move(id), q.cart_id, std::move(variant_id), std::move(vendor), qty});
    };
    item("item_1", "var_a", "vnd_a", 2);
    item("item_2", "var_b", "vnd_b", 1);
    shopping::cart_caller who;
    who.user = core::principal{.user_id = "usr_quote"};

    auto quote = [&](shopping::delivery_request d) {
        auto body = std::bind_front(&promotion_redemption::quote_tx, this, who, q.cart_id, d);
        return run(db::transact(*db_, std::move(body)));
    };

    // Close to A (1 km), 26 km from B: B's courier cannot reach it.
    shopping::delivery_request near_a{
        .method = shopping::delivery_method::courier,
        .destination = vendor::location{52.5290, 13.4050}};
    auto too_far = quote(near_a);
    ASSERT_FALSE(too_far);
    EXPECT_EQ(too_far.error().type, "not-deliverable");
    EXPECT_NE(too_far.error().detail.find("vnd_b"), std::string::npos);

    // Half way: A about 13.5 km (799), B about 13.5 km (799).
    shopping::delivery_request middle{
        .method = shopping::delivery_method::courier,
        .destination = vendor::location{52.4553, 13.2348}};
    auto priced = quote(middle);
    ASSERT_TRUE(priced) << priced.error().detail;
    ASSERT_EQ(priced->vendors.size(), 2U);
    EXPECT_EQ(priced->vendors[0].vendor_id, "vnd_a");
    EXPECT_EQ(priced->vendors[0].totals.delivery, 799);
    EXPECT_EQ(priced->vendors[1].totals.delivery, 799);
    ASSERT_TRUE(priced->vendors[0].distance_km);
    EXPECT_NEAR(*priced->vendors[0].distance_km, 13.5, 1.0);
    EXPECT_EQ(priced->totals.subtotal, 2 * 1190 + 2380);
    EXPECT_EQ(priced->totals.delivery, 1598);
    EXPECT_EQ(priced->totals.total, 2 * 1190 + 2380 - 476 + 1598);
    // 10 % off each line (238), then 19 % included: 2142 -> 342 per line, 799 -> 128 per fee.
    EXPECT_EQ(priced->totals.discount, 476);
    EXPECT_EQ(priced->totals.tax, 342 + 342 + 128 + 128);
    EXPECT_EQ(priced->vendors[0].lines.at(0).unit_amount, 1190)
        << "current price, not the snapshot";
    EXPECT_EQ(priced->vendors[0].lines.at(0).title, "t") << "the line's stored title";
    ASSERT_EQ(priced->promotion_ids.size(), 1U);
    EXPECT_EQ(priced->promotion_ids[0], ten_percent);

    auto pickup = quote(shopping::delivery_request{.method = shopping::delivery_method::pickup});
    ASSERT_TRUE(pickup);
    EXPECT_EQ(pickup->totals.delivery, 0);
    auto nowhere = quote(shopping::delivery_request{.method = shopping::delivery_method::courier});
    ASSERT_FALSE(nowhere);
    EXPECT_EQ(nowhere.error().code, core::errc::invalid);

    // Another customer, or a guest, cannot quote it; an unpublished line makes it refused.
    who.user = core::principal{.user_id = "usr_other"};
    EXPECT_EQ(quote(middle).error().code, core::errc::not_found);
    who.user = core::principal{.user_id = "usr_quote"};
    catalog_.for_sale["var_b"].product_status = "archived";
    auto unavailable = quote(middle);
    ASSERT_FALSE(unavailable);
    EXPECT_EQ(unavailable.error().type, "cart-item-unavailable");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, promotion_redemption, testing::Values("sqlite"));
INSTANTIATE_TEST_SUITE_P(Postgres, promotion_redemption, testing::Values("postgres"));

}  // namespace
