// The storefront read model on a real database, once on SQLite and once on PostgreSQL (the
// Postgres instantiation carries the pg label): the same catalog must give the same pages, orders,
// facet counts and search answers on both, and those must equal a brute-force count over the
// catalog. vendor::catalog is the only double.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "core/ids.hpp"
#include "core/worker_pool.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/cache/memory_cache.hpp"
#include "infra/db/migrations.hpp"
#include "infra/db/postgres.hpp"
#include "infra/db/sqlite.hpp"
#include "modules/shopping/indexer.hpp"
#include "modules/shopping/routes.hpp"
#include "modules/shopping/storefront_service.hpp"
#include "support/env.hpp"
#include "support/pg_database.hpp"

namespace {

using namespace std::chrono_literals;
namespace db = infra::db;
namespace json = boost::json;

template <class T>
core::task<std::optional<T>> boxed(core::task<T> t) {
    co_return co_await std::move(t);
}

// Runs a coroutine to completion on a private event loop.
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

class fake_catalog final : public vendor::catalog {
public:
    std::map<std::string, vendor::store_snapshot> stores;
    std::map<std::string, vendor::product_snapshot> products;

    core::task<core::result<std::optional<vendor::store_snapshot>>> store(
        db::transaction& /*tx*/, std::string vendor_id
    ) override {
        auto found = stores.find(vendor_id);
        if (found == stores.end()) {
            co_return std::optional<vendor::store_snapshot>{};
        }
        co_return std::optional<vendor::store_snapshot>{found->second};
    }
    core::task<core::result<std::optional<vendor::product_snapshot>>> product(
        db::transaction& /*tx*/, std::string product_id
    ) override {
        auto found = products.find(product_id);
        if (found == products.end()) {
            co_return std::optional<vendor::product_snapshot>{};
        }
        co_return std::optional<vendor::product_snapshot>{found->second};
    }
    core::task<core::result<std::vector<vendor::product_snapshot>>> products_by_id(
        db::transaction& /*tx*/, std::vector<std::string> product_ids
    ) override {
        std::vector<vendor::product_snapshot> out;
        for (const auto& id : product_ids) {
            if (auto found = products.find(id); found != products.end()) {
                out.push_back(found->second);
            }
        }
        co_return out;
    }
    core::task<core::result<std::vector<std::string>>> product_ids_of_store(
        db::transaction& /*tx*/,
        std::string vendor_id,
        std::optional<std::string> after_id,
        int limit
    ) override {
        std::vector<std::string> out;
        for (const auto& [id, p] : products) {
            if (p.vendor_id == vendor_id && (!after_id || id > *after_id) &&
                out.size() < static_cast<std::size_t>(limit)) {
                out.push_back(id);
            }
        }
        co_return out;
    }
    core::task<core::result<std::optional<vendor::store_membership>>> store_of_member(
        db::transaction& /*tx*/, std::string /*user_id*/
    ) override {
        co_return std::optional<vendor::store_membership>{};
    }
    core::task<core::result<std::vector<vendor::product_snapshot>>> products_after(
        db::transaction& /*tx*/, std::optional<std::string> after_id, int limit
    ) override {
        std::vector<vendor::product_snapshot> out;
        for (auto it = after_id ? products.upper_bound(*after_id) : products.begin();
             it != products.end() && out.size() < static_cast<std::size_t>(limit); ++it) {
            out.push_back(it->second);
        }
        co_return out;
    }
    core::task<core::result<std::optional<vendor::variant_for_sale>>> variant(
        db::transaction& /*tx*/, std::string /*variant_id*/
    ) override {
        co_return std::optional<vendor::variant_for_sale>{};
    }
    core::task<core::result<std::vector<vendor::variant_for_sale>>> variants(
        db::transaction& /*tx*/, std::vector<std::string> /*variant_ids*/
    ) override {
        co_return std::vector<vendor::variant_for_sale>{};
    }
};

class fake_categories final : public admin::categories {
public:
    std::shared_ptr<const admin::category_tree> current;
    core::task<core::result<std::shared_ptr<const admin::category_tree>>> tree() override {
        co_return current;
    }
};

core::money eur(std::int64_t amount) { return {amount, *core::currency::parse("EUR")}; }
core::money usd(std::int64_t amount) { return {amount, *core::currency::parse("USD")}; }

const std::vector<std::string> colours{"Red", "Blue", "Green", "Black"};
const std::vector<std::string> nouns{"Shirt", "Trousers", "Lamp", "Mug", "Shirts", "Scarf"};

// One SQLite file or one fresh PostgreSQL database with every migration applied, and the
// storefront built on it.
class storefront_index : public testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        pool_ = std::make_unique<core::worker_pool>(4);
        if (GetParam() == "postgres") {
            pg_ = std::make_unique<test::pg_database>();
            db_ = must(run(db::open_postgres({.url = pg_->url(), .pool_size = 4})), "open");
        } else {
            dir_ = test::make_temp_dir("storefront");
            db::sqlite_settings s;
            s.path = (dir_ / "trader.db").string();
            s.readers = 4;
            db_ = must(db::open_sqlite(s, *pool_), "open");
        }
        auto files = must(db::load_migrations(db::embedded_migration_files(), db_->kind()));
        db::migrator m{*db_, files};
        must(run(m.apply()), "migrate");

        cache_ = std::make_unique<infra::cache::memory_cache>(
            infra::cache::memory_settings{.max_bytes = 8 << 20}, clock_, metrics_
        );
        events_ = std::make_unique<infra::bus::dispatcher>(
            *db_, clock_, metrics_, infra::bus::dispatcher_settings{}
        );
        index_ = std::make_unique<shopping::indexer>(*db_, clock_, metrics_, catalog_, *cache_, 7);
        index_->register_handlers(*events_);
        service_ = std::make_unique<shopping::storefront_service>(
            *db_, *cache_, categories_, shopping::storefront_settings{}
        );
        make_categories();
    }

    void TearDown() override {
        service_.reset();
        index_.reset();
        events_.reset();
        cache_.reset();
        db_.reset();
        pg_.reset();
        if (!dir_.empty()) {
            std::filesystem::remove_all(dir_);
        }
    }

    void make_categories() {
        std::vector<admin::category> all;
        auto add = [&](std::string id, std::optional<std::string> parent, std::string handle) {
            admin::category c;
            c.id = std::move(id);
            c.parent_id = std::move(parent);
            c.handle = handle;
            c.name = "Category " + handle;
            all.push_back(std::move(c));
        };
        clothing_ = core::new_id("cat");
        shirts_ = core::new_id("cat");
        trousers_ = core::new_id("cat");
        home_ = core::new_id("cat");
        add(clothing_, std::nullopt, "clothing");
        add(shirts_, clothing_, "shirts");
        add(trousers_, clothing_, "trousers");
        add(home_, std::nullopt, "home");
        categories_.current = std::make_shared<const admin::category_tree>(std::move(all));
    }

    std::string add_store(
        const std::string& handle, const std::string& name, const std::string& status
    ) {
        vendor::store_snapshot s;
        s.id = core::new_id("vnd");
        s.handle = handle;
        s.name = name;
        s.status = status;
        s.description = "The " + name + " store";
        s.city = "Berlin";
        s.country = "DE";
        s.pickup = {52.52, 13.405};
        s.created_at = s.updated_at = clock_.now();
        catalog_.stores[s.id] = s;
        return s.id;
    }

    // A deterministic catalog: four stores (two open, one pending, one suspended), 60 products
    // in every status, with prices in EUR (and USD for some), stock, ratings, tags and attributes.
    void seed_catalog() {
        acme_ = add_store("acme", "Acme Outfitters", "active");
        bolt_ = add_store("bolt", "Bolt Home", "active");
        cora_ = add_store("cora", "Cora Pending", "pending");
        dune_ = add_store("dune", "Dune Suspended", "suspended");
        const std::vector<std::string> owners{acme_, acme_, acme_, bolt_, bolt_, cora_, dune_};
        const std::vector<std::optional<std::string>> cats{
            shirts_, trousers_, home_, std::nullopt, clothing_};
        std::map<std::string, std::set<std::string>> handles;
        for (int i = 0; i < 60; ++i) {
            vendor::product_snapshot p;
            p.id = core::new_id("prod");
            p.vendor_id = owners[static_cast<std::size_t>(i) % owners.size()];
            const auto& colour = colours[static_cast<std::size_t>(i) % colours.size()];
            const auto& noun = nouns[static_cast<std::size_t>(i / 2) % nouns.size()];
            p.title = colour + " " + noun + " " + std::to_string(i);
            // Handles repeat across stores, never within one.
            p.handle = "item-" + std::to_string(i % 30);
            if (!handles[p.vendor_id].insert(p.handle).second) {
                p.handle += "-" + std::to_string(i);
            }
            p.description = i % 9 == 0 ? "Goes well with a shirt and cotton socks."
                                       : "Hand made in small batches.";
            p.category_id = cats[static_cast<std::size_t>(i) % cats.size()];
            if (i % 3 == 0) {
                p.tags.push_back("summer");
            }
            if (i % 5 == 0) {
                p.tags.push_back("sale");
            }
            p.attributes["color"] = colour;
            p.attributes["material"] = i % 2 == 0 ? "cotton" : "linen";
            if (i % 4 == 0) {
                p.attributes["size"] = json::array{"S", "M"};
            }
            int variants = 1 + i % 3;
            for (int v = 0; v < variants; ++v) {
                vendor::variant_snapshot var;
                var.id = core::new_id("var");
                var.sku = "SKU-" + std::to_string(i) + "-" + std::to_string(v);
                var.prices.push_back(eur(400 + (i * 737 + v * 250) % 150000));
                if (i % 2 == 0) {
                    var.prices.push_back(usd(500 + (i * 311 + v * 100) % 90000));
                }
                var.stock = i % 7 == 0 ? 0 : 3 + v;
                p.variants.push_back(std::move(var));
            }
            p.status = i % 11 == 0 ? "draft" : i % 13 == 0 ? "archived" : "published";
            p.rating_average = static_cast<double>((i * 37) % 50) / 10.0;
            p.rating_count = i;
            p.created_at = p.updated_at = clock_.now();
            // Pairs share a publication time, so ties are broken by id.
            p.published_at = clock_.now() + std::chrono::minutes{i / 2};
            catalog_.products[p.id] = std::move(p);
        }
    }

    // Writes an event the way the vendor module would, then lets the dispatcher deliver it.
    void emit(std::string type, std::string aggregate, json::object data) {
        auto append = [&](db::transaction& tx) {
            return infra::bus::append(tx, clock_, type, aggregate, data);
        };
        must(run(db::transact(*db_, append)), "append");
        EXPECT_EQ(must(run(events_->dispatch_once()), "dispatch"), 1);
    }
    void product_changed(const std::string& id, std::string_view type = "product.updated") {
        emit(
            std::string{type}, id,
            {{"product_id", id}, {"vendor_id", catalog_.products.at(id).vendor_id}}
        );
    }
    void reindex() { emit("catalog.reindex_requested", "catalog", {}); }

    // --- brute force over the catalog -------------------------------------------------------

    bool visible(const vendor::product_snapshot& p) const {
        auto s = catalog_.stores.find(p.vendor_id);
        return p.status == "published" && s != catalog_.stores.end() &&
               s->second.status == "active";
    }

    static std::optional<std::int64_t> min_price(
        const vendor::product_snapshot& p, std::string_view cur
    ) {
        std::optional<std::int64_t> out;
        for (const auto& v : p.variants) {
            for (const auto& m : v.prices) {
                if (m.currency().code() == cur) {
                    out = out ? std::min(*out, m.amount()) : m.amount();
                }
            }
        }
        return out;
    }

    struct filter {
        std::optional<std::string> category;  // id, descendants included
        std::optional<std::string> vendor;
        std::optional<std::int64_t> price_min, price_max;
        bool in_stock = false;
        std::optional<std::pair<std::string, std::string>> attribute;
        std::optional<std::string> tag;
        std::string currency = "EUR";
    };

    bool matches(const vendor::product_snapshot& p, const filter& f) const {
        if (!visible(p)) {
            return false;
        }
        if (f.category) {
            auto ids = categories_.current->self_and_descendants(*f.category);
            if (!p.category_id || std::find(ids.begin(), ids.end(), *p.category_id) == ids.end()) {
                return false;
            }
        }
        if (f.vendor && p.vendor_id != *f.vendor) {
            return false;
        }
        if (f.price_min || f.price_max) {
            auto m = min_price(p, f.currency);
            if (!m || (f.price_min && *m < *f.price_min) || (f.price_max && *m > *f.price_max)) {
                return false;
            }
        }
        if (f.in_stock && std::none_of(p.variants.begin(), p.variants.end(), [](const auto& v) {
                return v.stock > 0;
            })) {
            return false;
        }
        if (f.attribute) {
            const auto* v = p.attributes.if_contains(f.attribute->first);
            bool hit =
                v != nullptr &&
                ((v->is_string() && v->as_string() == f.attribute->second) ||
                 (v->is_array() &&
                  std::any_of(v->as_array().begin(), v->as_array().end(), [&](const auto& x) {
                      return x.is_string() && x.as_string() == f.attribute->second;
                  })));
            if (!hit) {
                return false;
            }
        }
        if (f.tag && std::find(p.tags.begin(), p.tags.end(), *f.tag) == p.tags.end()) {
            return false;
        }
        return true;
    }

    // Every searchable token of a product, as the index stores them.
    static std::set<std::string> tokens_of(
        const vendor::product_snapshot& p, const std::string& vendor_name
    ) {
        std::string text = p.title + " " + p.description + " " + vendor_name;
        for (const auto& t : p.tags) {
            text += " " + t;
        }
        for (const auto& [k, v] : p.attributes) {
            if (v.is_string()) {
                text += " " + std::string{v.as_string()};
            } else if (v.is_array()) {
                for (const auto& x : v.as_array()) {
                    text += " " + std::string{x.as_string()};
                }
            }
        }
        std::set<std::string> out;
        for (const auto& raw : shopping::search_text::raw_tokens(text)) {
            out.insert(shopping::search_text::stem(raw));
        }
        return out;
    }

    bool matches_words(const vendor::product_snapshot& p, const std::string& q) const {
        auto tokens = tokens_of(p, catalog_.stores.at(p.vendor_id).name);
        for (const auto& t : shopping::search_text::parse(q, 10).terms) {
            bool hit = tokens.contains(t.stemmed) ||
                       std::any_of(tokens.begin(), tokens.end(), [&](const std::string& token) {
                           return t.prefix() && token.starts_with(t.raw);
                       });
            if (!hit) {
                return false;
            }
        }
        return true;
    }

    std::vector<std::string> expected_ids(const filter& f, shopping::sort_order sort) const {
        std::vector<const vendor::product_snapshot*> hits;
        for (const auto& [id, p] : catalog_.products) {
            if (matches(p, f)) {
                if ((sort == shopping::sort_order::price_asc ||
                     sort == shopping::sort_order::price_desc) &&
                    !min_price(p, f.currency)) {
                    continue;
                }
                hits.push_back(&p);
            }
        }
        auto by = [&](auto key, bool descending) {
            std::sort(hits.begin(), hits.end(), [&](const auto* a, const auto* b) {
                auto ka = key(*a);
                auto kb = key(*b);
                if (ka != kb) {
                    return descending ? ka > kb : ka < kb;
                }
                return descending ? a->id > b->id : a->id < b->id;
            });
        };
        switch (sort) {
            case shopping::sort_order::newest:
            case shopping::sort_order::relevance:
                by([](const auto& p) { return shopping::to_ms(*p.published_at); }, true);
                break;
            case shopping::sort_order::rating:
                by([](const auto& p) { return p.rating_average; }, true);
                break;
            case shopping::sort_order::price_asc:
                by([&](const auto& p) { return *min_price(p, f.currency); }, false);
                break;
            case shopping::sort_order::price_desc:
                by([&](const auto& p) { return *min_price(p, f.currency); }, true);
                break;
        }
        std::vector<std::string> out;
        for (const auto* p : hits) {
            out.push_back(p->id);
        }
        return out;
    }

    // --- the storefront as clients see it ----------------------------------------------------

    shopping::list_query decode(
        const std::string& target, shopping::list_kind kind = shopping::list_kind::products
    ) {
        core::http::request req;
        req.target = target;
        if (kind == shopping::list_kind::store_products) {
            // What the router takes from /api/v1/store/vendors/{handle}/products.
            auto path = target.substr(0, target.find('?'));
            auto start = std::string_view{"/api/v1/store/vendors/"}.size();
            req.path_params.emplace_back(
                "handle", path.substr(start, path.find('/', start) - start)
            );
        }
        return must(shopping::decode_list_query(req, kind, "EUR"), "decode " + target);
    }

    json::object list(
        const std::string& target, shopping::list_kind kind = shopping::list_kind::products
    ) {
        auto page = must(run(service_->list(decode(target, kind))), "list " + target);
        return json::parse(page.body).as_object();
    }

    // Every page of a list, following next_cursor, as ids.
    std::vector<std::string> all_pages(
        std::string target, shopping::list_kind kind = shopping::list_kind::products
    ) {
        std::vector<std::string> ids;
        std::string cursor;
        for (int pages = 0; pages < 100; ++pages) {
            auto sep = target.find('?') == std::string::npos ? "?" : "&";
            auto page = list(cursor.empty() ? target : target + sep + "cursor=" + cursor, kind);
            for (const auto& item : page.at("items").as_array()) {
                ids.emplace_back(item.at("id").as_string());
            }
            if (page.at("next_cursor").is_null()) {
                return ids;
            }
            cursor = std::string{page.at("next_cursor").as_string()};
        }
        throw std::runtime_error("more than 100 pages");
    }

    core::manual_clock clock_{core::time_point{std::chrono::seconds{1'780'000'000}}};
    core::metrics::registry metrics_;
    fake_catalog catalog_;
    fake_categories categories_;
    std::unique_ptr<core::worker_pool> pool_;
    std::unique_ptr<test::pg_database> pg_;
    std::filesystem::path dir_;
    std::unique_ptr<db::database> db_;
    std::unique_ptr<infra::cache::memory_cache> cache_;
    std::unique_ptr<infra::bus::dispatcher> events_;
    std::unique_ptr<shopping::indexer> index_;
    std::unique_ptr<shopping::storefront_service> service_;
    std::string clothing_, shirts_, trousers_, home_;
    std::string acme_, bolt_, cora_, dune_;
};

TEST_P(storefront_index, lists_only_published_products_of_active_stores) {
    seed_catalog();
    reindex();
    auto ids = all_pages("/api/v1/store/products?limit=100");
    EXPECT_EQ(ids, expected_ids({}, shopping::sort_order::newest));
    for (const auto& id : ids) {
        const auto& p = catalog_.products.at(id);
        EXPECT_EQ(p.status, "published");
        EXPECT_TRUE(p.vendor_id == acme_ || p.vendor_id == bolt_);
    }
    EXPECT_GT(ids.size(), 20U);

    // Hidden products have no page either.
    for (const auto& [id, p] : catalog_.products) {
        auto page = run(service_->product(id));
        EXPECT_EQ(page.has_value(), visible(p)) << p.status << " " << p.vendor_id;
    }

    // Suspending a store takes its products away; approving it again brings them back.
    catalog_.stores[acme_].status = "suspended";
    emit("vendor.suspended", acme_, {{"vendor_id", acme_}, {"status", "suspended"}});
    auto after = all_pages("/api/v1/store/products?limit=100");
    EXPECT_EQ(after, expected_ids({}, shopping::sort_order::newest));
    for (const auto& id : after) {
        EXPECT_EQ(catalog_.products.at(id).vendor_id, bolt_);
    }
    EXPECT_FALSE(run(service_->store("acme")));
    catalog_.stores[acme_].status = "active";
    emit("vendor.approved", acme_, {{"vendor_id", acme_}, {"status", "active"}});
    EXPECT_EQ(all_pages("/api/v1/store/products?limit=100"), ids);
    auto store = json::parse(must(run(service_->store("acme"))).body);
    EXPECT_EQ(store.at("name"), "Acme Outfitters");
    EXPECT_EQ(store.at("pickup").at("city"), "Berlin");

    // Archiving and deleting remove a product; publishing a draft adds it.
    auto archived = ids.front();
    catalog_.products[archived].status = "archived";
    product_changed(archived, "product.archived");
    auto deleted = ids.back();
    catalog_.products[deleted].status = "deleted";
    product_changed(deleted, "product.deleted");
    std::string draft;
    for (auto& [id, p] : catalog_.products) {
        if (p.status == "draft" && p.vendor_id == bolt_) {
            draft = id;
            p.status = "published";
            break;
        }
    }
    ASSERT_FALSE(draft.empty());
    product_changed(draft, "product.published");
    auto now = all_pages("/api/v1/store/products?limit=100");
    EXPECT_EQ(now, expected_ids({}, shopping::sort_order::newest));
    EXPECT_EQ(std::count(now.begin(), now.end(), archived), 0);
    EXPECT_EQ(std::count(now.begin(), now.end(), deleted), 0);
    EXPECT_EQ(std::count(now.begin(), now.end(), draft), 1);
}

TEST_P(storefront_index, incremental_indexing_gives_what_a_rebuild_gives) {
    seed_catalog();
    for (const auto& [id, p] : catalog_.products) {
        product_changed(id, "product.published");
    }
    auto incremental = list("/api/v1/store/search?q=shirt&limit=100", shopping::list_kind::search);
    auto newest = all_pages("/api/v1/store/products?limit=9");
    reindex();
    EXPECT_EQ(
        list("/api/v1/store/search?q=shirt&limit=100", shopping::list_kind::search), incremental
    );
    EXPECT_EQ(all_pages("/api/v1/store/products?limit=9"), newest);
}

TEST_P(storefront_index, every_sort_and_filter_pages_without_gaps_or_repeats) {
    seed_catalog();
    reindex();
    using shopping::sort_order;
    struct scenario {
        std::string query;
        filter f;
    };
    std::vector<scenario> scenarios{
        {"", {}},
        {"category=clothing", {.category = clothing_}},
        {"category=" + shirts_, {.category = shirts_}},
        {"vendor=bolt", {.vendor = bolt_}},
        {"vendor=" + acme_ + "&in_stock=true", {.vendor = acme_, .in_stock = true}},
        {"price_min=20000&price_max=90000", {.price_min = 20000, .price_max = 90000}},
        {"category=clothing&price_max=60000", {.category = clothing_, .price_max = 60000}},
        {"currency=USD&price_min=1000", {.price_min = 1000, .currency = "USD"}},
        {"attr.color=Blue", {.attribute = std::pair{std::string{"color"}, std::string{"Blue"}}}},
        {"attr.size=M&tag=summer",
         {.attribute = std::pair{std::string{"size"}, std::string{"M"}}, .tag = "summer"}},
        {"tag=sale", {.tag = "sale"}},
    };
    for (const auto& s : scenarios) {
        for (auto sort :
             {sort_order::newest, sort_order::price_asc, sort_order::price_desc,
              sort_order::rating}) {
            auto target =
                "/api/v1/store/products?limit=4&sort=" + std::string{shopping::to_string(sort)} +
                (s.query.empty() ? "" : "&" + s.query);
            EXPECT_EQ(all_pages(target), expected_ids(s.f, sort)) << target;
        }
    }
    // The store's own list is the vendor filter.
    EXPECT_EQ(
        all_pages(
            "/api/v1/store/vendors/bolt/products?limit=5", shopping::list_kind::store_products
        ),
        expected_ids({.vendor = bolt_}, sort_order::newest)
    );
}

TEST_P(storefront_index, facet_counts_equal_a_brute_force_count) {
    seed_catalog();
    reindex();
    struct scenario {
        std::string query;
        filter f;
        std::string words;
    };
    std::vector<scenario> scenarios{
        {"", {}, ""},
        {"q=blue", {}, "blue"},
        {"q=shirt", {}, "shirt"},
        {"q=shirt&category=clothing&in_stock=1",
         {.category = clothing_, .in_stock = true},
         "shirt"},
        {"q=acme&price_max=80000", {.price_max = 80000}, "acme"},
        {"currency=USD&tag=summer", {.tag = "summer", .currency = "USD"}, ""},
        {"attr.material=cotton",
         {.attribute = std::pair{std::string{"material"}, std::string{"cotton"}}},
         ""},
    };
    for (const auto& s : scenarios) {
        auto page = list("/api/v1/store/search?limit=100&" + s.query, shopping::list_kind::search);
        std::map<std::string, std::int64_t> category, vendor, tags, attributes, price;
        std::int64_t matched = 0;
        const std::int64_t floors[] = {0, 1000, 2500, 5000, 10000, 25000, 50000, 100000};
        for (const auto& [id, p] : catalog_.products) {
            if (!matches(p, s.f) || (!s.words.empty() && !matches_words(p, s.words))) {
                continue;
            }
            ++matched;
            if (p.category_id) {
                ++category[*p.category_id];
            }
            ++vendor[p.vendor_id];
            for (const auto& t : p.tags) {
                ++tags[t];
            }
            for (const auto& [k, v] : p.attributes) {
                if (v.is_array()) {
                    for (const auto& x : v.as_array()) {
                        ++attributes[std::string{k} + "=" + std::string{x.as_string()}];
                    }
                } else {
                    ++attributes[std::string{k} + "=" + std::string{v.as_string()}];
                }
            }
            if (auto m = min_price(p, s.f.currency)) {
                int b = 7;
                while (*m < floors[b]) {
                    --b;
                }
                ++price[std::to_string(floors[b])];
            }
        }
        ASSERT_GT(matched, 0) << s.query;
        EXPECT_EQ(static_cast<std::int64_t>(page.at("items").as_array().size()), matched)
            << s.query;
        const auto& facets = page.at("facets").as_object();
        auto read = [](const json::value& list) {
            std::map<std::string, std::int64_t> out;
            for (const auto& e : list.as_array()) {
                out[std::string{e.at("value").as_string()}] = e.at("count").as_int64();
            }
            return out;
        };
        EXPECT_EQ(read(facets.at("category")), category) << s.query;
        EXPECT_EQ(read(facets.at("vendor")), vendor) << s.query;
        EXPECT_EQ(read(facets.at("tags")), tags) << s.query;
        std::map<std::string, std::int64_t> got_attributes;
        for (const auto& [name, values] : facets.at("attributes").as_object()) {
            for (const auto& [value, n] : read(values)) {
                got_attributes[std::string{name} + "=" + value] = n;
            }
        }
        EXPECT_EQ(got_attributes, attributes) << s.query;
        std::map<std::string, std::int64_t> got_price;
        for (const auto& b : facets.at("price").as_array()) {
            EXPECT_EQ(b.at("min").at("currency"), json::value(s.f.currency));
            got_price[std::to_string(b.at("min").at("amount").as_int64())] =
                b.at("count").as_int64();
        }
        EXPECT_EQ(got_price, price) << s.query;
        for (const auto& c : facets.at("category").as_array()) {
            EXPECT_TRUE(c.at("name").is_string()) << "categories are named from the tree";
        }
    }
}

TEST_P(storefront_index, search_ranks_title_matches_first_and_tolerates_prefixes_and_typos) {
    seed_catalog();
    reindex();
    auto page = list("/api/v1/store/search?q=shirt&limit=100", shopping::list_kind::search);
    std::vector<std::string> ids;
    for (const auto& item : page.at("items").as_array()) {
        ids.emplace_back(item.at("id").as_string());
    }
    ASSERT_FALSE(ids.empty());
    bool seen_body_only = false;
    std::set<std::string> expected;
    for (const auto& [id, p] : catalog_.products) {
        if (matches(p, {}) && matches_words(p, "shirt")) {
            expected.insert(id);
        }
    }
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);
    for (const auto& id : ids) {
        bool in_title = catalog_.products.at(id).title.find("Shirt") != std::string::npos;
        if (!in_title) {
            seen_body_only = true;
        }
        EXPECT_FALSE(seen_body_only && in_title) << "a title match ranks below a description match";
    }
    EXPECT_TRUE(seen_body_only) << "the data has description-only matches";

    // Relevance pages continue where they stopped.
    EXPECT_EQ(all_pages("/api/v1/store/search?q=shirt&limit=3", shopping::list_kind::search), ids);

    // Prefixes match while typing; a typo is corrected.
    auto prefix = list("/api/v1/store/search?q=shi&limit=100", shopping::list_kind::search);
    EXPECT_EQ(prefix.at("items").as_array().size(), ids.size());
    auto typo = list("/api/v1/store/search?q=shrit&limit=100", shopping::list_kind::search);
    EXPECT_EQ(typo.at("corrected_query"), "shirt");
    std::set<std::string> corrected;
    for (const auto& item : typo.at("items").as_array()) {
        corrected.emplace(item.at("id").as_string());
    }
    EXPECT_EQ(corrected, expected);
    auto two = list("/api/v1/store/search?q=bleu+shrits&limit=100", shopping::list_kind::search);
    EXPECT_EQ(two.at("corrected_query"), "blue shirt");
    EXPECT_FALSE(two.at("items").as_array().empty());
    auto nothing = list("/api/v1/store/search?q=xylophone", shopping::list_kind::search);
    EXPECT_TRUE(nothing.at("items").as_array().empty());
    EXPECT_FALSE(nothing.contains("corrected_query"));
    // A vendor's name is searchable.
    auto by_vendor =
        list("/api/v1/store/search?q=outfitters&limit=100", shopping::list_kind::search);
    for (const auto& item : by_vendor.at("items").as_array()) {
        EXPECT_EQ(item.at("vendor").at("handle"), "acme");
    }
    EXPECT_FALSE(by_vendor.at("items").as_array().empty());
}

TEST_P(storefront_index, a_price_change_is_never_served_stale_once_processed) {
    seed_catalog();
    reindex();
    std::string id;
    for (const auto& [pid, p] : catalog_.products) {
        if (visible(p) && p.variants.size() == 1) {
            id = pid;
            break;
        }
    }
    ASSERT_FALSE(id.empty());
    const auto& handle = catalog_.products.at(id).handle;
    auto price_in = [&](const json::object& page) -> std::int64_t {
        for (const auto& item : page.at("items").as_array()) {
            if (item.at("id") == json::value(id)) {
                return item.at("prices").at(0).at("min").at("amount").as_int64();
            }
        }
        return -1;
    };
    const std::string target = "/api/v1/store/products?limit=100&sort=price_asc";
    auto before = list(target);
    ASSERT_GT(price_in(before), 0);
    auto detail = must(run(service_->product(id)));
    ASSERT_EQ(list(target), before) << "served from the cache";

    catalog_.products[id].variants[0].prices[0] = eur(1);
    // Before the event is processed the cached page still answers (the cache works) ...
    EXPECT_EQ(price_in(list(target)), price_in(before));
    product_changed(id);
    // ... and once it is, no page shows the old price.
    auto after = list(target);
    EXPECT_EQ(price_in(after), 1);
    EXPECT_EQ(after.at("items").at(0).at("id"), json::value(id)) << "and it sorts first now";
    auto fresh = json::parse(must(run(service_->product(id))).body);
    EXPECT_EQ(fresh.at("prices").at(0).at("min").at("amount"), 1);
    EXPECT_NE(must(run(service_->product(id))).etag, detail.etag);
    auto by_store = run(service_->product_of_store(
        catalog_.stores.at(catalog_.products.at(id).vendor_id).handle, handle
    ));
    ASSERT_TRUE(by_store);
    EXPECT_EQ(json::parse(by_store->body).at("prices").at(0).at("min").at("amount"), 1);
    auto metrics = metrics_.render();
    EXPECT_NE(metrics.find("shopping_index_lag_seconds_count"), std::string::npos);
    EXPECT_NE(metrics.find("cache_hits_total{cache=\"memory\"}"), std::string::npos);
}

TEST_P(storefront_index, a_handle_used_by_two_stores_is_ambiguous) {
    seed_catalog();
    reindex();
    std::map<std::string, std::set<std::string>> stores_of;
    for (const auto& [id, p] : catalog_.products) {
        if (visible(p)) {
            stores_of[p.handle].insert(catalog_.stores.at(p.vendor_id).handle);
        }
    }
    int ambiguous = 0, unique = 0;
    for (const auto& [handle, stores] : stores_of) {
        auto found = run(service_->product(handle));
        if (stores.size() > 1) {
            ++ambiguous;
            ASSERT_FALSE(found);
            EXPECT_EQ(found.error().code, core::errc::conflict);
            for (const auto& s : stores) {
                EXPECT_TRUE(run(service_->product_of_store(s, handle))) << s << "/" << handle;
            }
        } else {
            ++unique;
            EXPECT_TRUE(found) << handle;
        }
    }
    EXPECT_GT(ambiguous, 0);
    EXPECT_GT(unique, 0);
    EXPECT_EQ(run(service_->product("no-such-handle")).error().code, core::errc::not_found);
}

TEST_P(storefront_index, fields_pick_what_list_items_carry) {
    seed_catalog();
    reindex();
    auto page = list("/api/v1/store/products?fields=title,prices&limit=3");
    for (const auto& item : page.at("items").as_array()) {
        std::set<std::string> keys;
        for (const auto& [k, v] : item.as_object()) {
            keys.emplace(k);
        }
        EXPECT_EQ(keys, (std::set<std::string>{"id", "prices", "title"}));
    }
}

INSTANTIATE_TEST_SUITE_P(Sqlite, storefront_index, testing::Values("sqlite"));
INSTANTIATE_TEST_SUITE_P(Postgres, storefront_index, testing::Values("postgres"));

}  // namespace
