// The storefront on the real binary, on the profile of TRADER_TEST_PROFILE: stores and products are
// made through the vendor and admin API, the index follows through the outbox, and every list,
// filter and sort must equal a brute-force answer over what was made. Visibility, product and store
// pages, ETag/304, cache invalidation after a price change, and bad input on every route.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <functional>
#include <set>

#include "support/storefront.hpp"

namespace {

namespace json = boost::json;
using test::expect_problem;

std::string str(const json::value& v) { return std::string{v.as_string()}; }

struct filter {
    std::optional<std::string> category;  // handle
    std::optional<std::string> store;     // handle
    std::optional<std::int64_t> price_min, price_max;
    bool in_stock = false;
    std::optional<std::pair<std::string, std::string>> attribute;
    std::optional<std::string> tag;
};

class store_catalog : public testing::Test {
protected:
    static void SetUpTestSuite() {
        auto env = test::many_sign_ins_env();
        env["TRADER_OUTBOX_POLL_INTERVAL"] = "20ms";
        server_ = new test::trader_process(test::trader_options{env});
        market_ = new test::market(*server_);
        build(*market_);
        test::wait_for_events(*server_);
    }
    static void TearDownTestSuite() {
        delete market_;
        delete server_;
        market_ = nullptr;
        server_ = nullptr;
    }

    // Two open stores with products in every category, price range and stock state.
    static void build(test::market& m) {
        m.category("Clothing", "clothing");
        m.category("Shirts", "shirts", "clothing");
        m.category("Trousers", "trousers", "clothing");
        m.category("Home", "home");
        auto north = m.store("North Threads");
        auto south = m.store("South Home");
        const std::vector<std::string> colours{"Red", "Blue", "Green"};
        const std::vector<std::string> nouns{"Shirt", "Chinos", "Vase", "Scarf"};
        const std::vector<std::optional<std::string>> categories{
            std::string{"shirts"}, std::string{"trousers"}, std::string{"home"}, std::nullopt};
        for (int i = 0; i < 18; ++i) {
            test::product_spec spec;
            spec.title = colours[i % 3] + " " + nouns[i % 4] + " " + std::to_string(i);
            spec.description = "Made in small batches.";
            spec.category = categories[i % 4];
            if (i % 3 == 0) {
                spec.tags.push_back("summer");
            }
            if (i % 4 == 1) {
                spec.tags.push_back("sale");
            }
            spec.attributes = {
                {"colour", colours[i % 3]}, {"material", i % 2 ? "linen" : "cotton"}};
            for (int v = 0; v <= i % 3; ++v) {
                spec.prices.push_back(500 + (i * 1733 + v * 400) % 30000);
                spec.stock.push_back(i % 5 == 0 ? 0 : 2 + v);
            }
            m.product(i % 3 == 2 ? south : north, spec);
        }
    }

    test::trader_process& server() { return *server_; }
    test::http_client& http() { return server_->http(); }
    test::market& market() { return *market_; }

    json::object get_json(const std::string& target) {
        auto r = http().get(target);
        EXPECT_EQ(r.status, 200) << target << ": " << r.body;
        return r.json().as_object();
    }

    // Every page of a list as ids, following next_cursor.
    std::vector<std::string> all_pages(const std::string& target) {
        std::vector<std::string> ids;
        std::string cursor;
        for (int pages = 0; pages < 200; ++pages) {
            auto page = get_json(cursor.empty() ? target : target + "&cursor=" + cursor);
            for (const auto& item : page.at("items").as_array()) {
                ids.push_back(str(item.at("id")));
            }
            if (page.at("next_cursor").is_null()) {
                return ids;
            }
            cursor = str(page.at("next_cursor"));
        }
        ADD_FAILURE() << "more than 200 pages: " << target;
        return ids;
    }

    bool matches(const test::market_product& p, const filter& f) const {
        if (f.category) {
            auto ids = market_->category_and_below(*f.category);
            if (!p.category || !ids.contains(market_->category_id(*p.category))) {
                return false;
            }
        }
        if (f.store && p.store != *f.store) {
            return false;
        }
        if ((f.price_min && p.min_price() < *f.price_min) ||
            (f.price_max && p.min_price() > *f.price_max)) {
            return false;
        }
        if (f.in_stock && !p.in_stock()) {
            return false;
        }
        if (f.attribute) {
            auto a = p.attributes.find(f.attribute->first);
            if (a == p.attributes.end() || a->second != f.attribute->second) {
                return false;
            }
        }
        return !f.tag || std::find(p.tags.begin(), p.tags.end(), *f.tag) != p.tags.end();
    }

    std::vector<std::string> expected(const filter& f, const std::string& sort) const {
        std::vector<const test::market_product*> hits;
        for (const auto* p : market_->visible()) {
            if (matches(*p, f)) {
                hits.push_back(p);
            }
        }
        std::sort(hits.begin(), hits.end(), [&](const auto* a, const auto* b) {
            if (sort == "price_asc" && a->min_price() != b->min_price()) {
                return a->min_price() < b->min_price();
            }
            if (sort == "price_desc" && a->min_price() != b->min_price()) {
                return a->min_price() > b->min_price();
            }
            if (sort == "newest" && a->published_at != b->published_at) {
                return a->published_at > b->published_at;
            }
            // rating: nobody has reviews yet, so the id decides; price_asc breaks ties upwards
            return sort == "price_asc" ? a->id < b->id : a->id > b->id;
        });
        std::vector<std::string> out;
        for (const auto* p : hits) {
            out.push_back(p->id);
        }
        return out;
    }

private:
    static test::trader_process* server_;
    static test::market* market_;
};

test::trader_process* store_catalog::server_ = nullptr;
test::market* store_catalog::market_ = nullptr;

TEST_F(store_catalog, every_sort_and_filter_pages_without_gaps_or_repeats) {
    struct scenario {
        std::string query;
        filter f;
    };
    std::vector<scenario> scenarios{
        {"", {}},
        {"category=clothing", {.category = "clothing"}},
        {"category=" + market().category_id("shirts"), {.category = "shirts"}},
        {"vendor=north-threads", {.store = "north-threads"}},
        {"vendor=" + market().account("south-home").vendor_id + "&in_stock=true",
         {.store = "south-home", .in_stock = true}},
        {"price_min=5000&price_max=20000", {.price_min = 5000, .price_max = 20000}},
        {"category=clothing&price_max=15000&currency=EUR",
         {.category = "clothing", .price_max = 15000}},
        {"attr.colour=Blue", {.attribute = std::pair{std::string{"colour"}, std::string{"Blue"}}}},
        {"tag=summer&in_stock=1", {.in_stock = true, .tag = "summer"}},
    };
    for (const auto& s : scenarios) {
        for (std::string sort : {"newest", "price_asc", "price_desc", "rating"}) {
            auto target = "/api/v1/store/products?limit=4&sort=" + sort + "&" + s.query;
            EXPECT_EQ(all_pages(target), expected(s.f, sort)) << target;
        }
    }
    EXPECT_EQ(
        all_pages("/api/v1/store/vendors/south-home/products?limit=3"),
        expected({.store = "south-home"}, "newest")
    );
    // Lean items carry only what was asked for.
    auto lean = get_json("/api/v1/store/products?fields=title,prices&limit=2");
    for (const auto& item : lean.at("items").as_array()) {
        EXPECT_EQ(item.as_object().size(), 3U) << json::serialize(item);
        EXPECT_EQ(item.at("prices").at(0).at("min").at("currency"), "EUR");
    }
}

TEST_F(store_catalog, shows_only_published_products_of_open_stores) {
    auto store = market().store("Visible Goods");
    auto pending = market().store("Waiting Room", false);
    test::product_spec spec{
        .title = "Lantern", .description = "Bright.", .prices = {1500}, .stock = {3}};
    auto& published = market().product(store, spec);
    spec.title = "Draft Lantern";
    spec.publish = false;
    auto& draft = market().product(store, spec);
    spec.title = "Archived Lantern";
    spec.publish = true;
    auto& archived = market().product(store, spec);
    spec.title = "Deleted Lantern";
    auto& deleted = market().product(store, spec);
    test::wait_for_events(server());
    market().archive(archived);
    market().remove(deleted);
    test::wait_for_events(server());

    auto listed = all_pages("/api/v1/store/vendors/" + store + "/products?limit=100");
    EXPECT_EQ(listed, std::vector<std::string>{published.id});
    EXPECT_EQ(all_pages("/api/v1/store/products?limit=100"), expected({}, "newest"));
    EXPECT_EQ(http().get("/api/v1/store/products/" + published.id).status, 200);
    for (const auto* hidden : {&draft, &archived, &deleted}) {
        expect_problem(http().get("/api/v1/store/products/" + hidden->id), 404, "not-found");
    }
    expect_problem(http().get("/api/v1/store/vendors/" + pending), 404, "not-found");
    expect_problem(http().get("/api/v1/store/vendors/" + pending + "/products"), 404, "not-found");
    auto search = get_json("/api/v1/store/search?q=lantern&limit=100");
    ASSERT_EQ(search.at("items").as_array().size(), 1U);
    EXPECT_EQ(search.at("items").at(0).at("id"), json::value(published.id));

    // A suspended store's products disappear everywhere; approving it again brings them back.
    market().suspend(store);
    test::wait_for_events(server());
    expect_problem(http().get("/api/v1/store/products/" + published.id), 404, "not-found");
    expect_problem(http().get("/api/v1/store/vendors/" + store), 404, "not-found");
    EXPECT_TRUE(get_json("/api/v1/store/search?q=lantern").at("items").as_array().empty());
    EXPECT_EQ(all_pages("/api/v1/store/products?limit=100"), expected({}, "newest"));
    market().approve(store);
    test::wait_for_events(server());
    EXPECT_EQ(http().get("/api/v1/store/products/" + published.id).status, 200);
    EXPECT_EQ(all_pages("/api/v1/store/products?limit=100"), expected({}, "newest"));
}

TEST_F(store_catalog, product_and_store_pages) {
    const auto* p = market().visible().front();
    auto by_id = get_json("/api/v1/store/products/" + p->id);
    EXPECT_EQ(by_id.at("object"), "product");
    EXPECT_EQ(by_id.at("title"), json::value(p->title));
    EXPECT_EQ(by_id.at("vendor").at("handle"), json::value(p->store));
    EXPECT_EQ(by_id.at("variants").as_array().size(), p->prices.size());
    EXPECT_EQ(by_id.at("prices").at(0).at("min").at("amount").as_int64(), p->min_price());
    for (const char* key :
         {"id", "handle", "description", "category_id", "tags", "attributes", "options", "images",
          "in_stock", "rating", "published_at", "created_at", "updated_at"}) {
        EXPECT_TRUE(by_id.contains(key)) << key;
    }
    EXPECT_EQ(get_json("/api/v1/store/products/" + p->handle), by_id) << "a handle one store uses";
    EXPECT_EQ(get_json("/api/v1/store/vendors/" + p->store + "/products/" + p->handle), by_id);

    // The same title in two stores makes the same handle: a bare handle is ambiguous.
    auto one = market().store("Twin One");
    auto two = market().store("Twin Two");
    test::product_spec spec{.title = "Identical Twin Mug", .prices = {900}, .stock = {1}};
    auto& first = market().product(one, spec);
    auto& second = market().product(two, spec);
    ASSERT_EQ(first.handle, second.handle);
    test::wait_for_events(server());
    expect_problem(http().get("/api/v1/store/products/" + first.handle), 409, "conflict");
    EXPECT_EQ(
        get_json("/api/v1/store/vendors/" + one + "/products/" + first.handle).at("id"),
        json::value(first.id)
    );
    EXPECT_EQ(
        get_json("/api/v1/store/vendors/" + two + "/products/" + first.handle).at("id"),
        json::value(second.id)
    );

    auto store = get_json("/api/v1/store/vendors/north-threads");
    EXPECT_EQ(store.at("object"), "store");
    EXPECT_EQ(store.at("name"), "North Threads");
    EXPECT_EQ(store.at("id"), json::value(market().account("north-threads").vendor_id));
    EXPECT_EQ(store.at("pickup").at("city"), "Berlin");
    EXPECT_TRUE(store.at("pickup").at("location").at("lat").is_number());
    for (const char* key : {"handle", "description", "logo_url", "rating", "created_at"}) {
        EXPECT_TRUE(store.contains(key)) << key;
    }
}

TEST_F(store_catalog, answers_304_to_a_matching_etag) {
    const std::vector<std::string> targets{
        "/api/v1/store/products?limit=5", "/api/v1/store/search?q=shirt",
        "/api/v1/store/products/" + market().visible().front()->id,
        "/api/v1/store/vendors/north-threads"};
    for (const auto& target : targets) {
        auto first = http().get(target);
        ASSERT_EQ(first.status, 200) << target;
        auto tag = first.header("etag");
        ASSERT_EQ(tag.size(), 34U) << "a quoted 128-bit hash: " << tag;
        EXPECT_EQ(first.header("cache-control"), "public, max-age=10");
        EXPECT_EQ(http().get(target).header("etag"), tag) << "the same body, the same tag";
        auto again = http().get(target, {{"If-None-Match", tag}});
        EXPECT_EQ(again.status, 304) << target;
        EXPECT_TRUE(again.body.empty());
        EXPECT_EQ(again.header("etag"), tag);
        EXPECT_EQ(http().get(target, {{"If-None-Match", "W/" + tag + ", \"other\""}}).status, 304);
        EXPECT_EQ(http().get(target, {{"If-None-Match", "\"other\""}}).status, 200);
    }
}

// Pages are cached from their second request on (TRADER_CACHE_ADMIT_ON_REPEAT), so a search
// nobody repeats is never stored; with the setting off, the first request is.
TEST_F(store_catalog, a_page_is_cached_when_asked_for_again) {
    auto store = market().store("Repeat Corner");
    market().product(store, {.title = "Repeated Teapot", .prices = {1500}, .stock = {3}});
    test::wait_for_events(server());
    const std::string hits = R"(cache_hits_total{cache="storefront"})";
    const std::string deferred = R"(cache_admissions_deferred_total{cache="storefront"})";
    auto hits_now = [&] { return test::metric_value(http().get("/metrics").body, hits); };
    auto deferred_now = [&] { return test::metric_value(http().get("/metrics").body, deferred); };
    const std::string target = "/api/v1/store/search?q=teapot&limit=7";

    const double hits_before = hits_now();
    const double deferred_before = deferred_now();
    ASSERT_EQ(http().get(target).status, 200);
    EXPECT_EQ(deferred_now(), deferred_before + 1) << "the first answer is not stored";
    ASSERT_EQ(http().get(target).status, 200);
    EXPECT_EQ(hits_now(), hits_before) << "nor found";
    ASSERT_EQ(http().get(target).status, 200);
    EXPECT_EQ(hits_now(), hits_before + 1) << "the second one was stored";

    test::trader_process every{{.env = {{"TRADER_CACHE_ADMIT_ON_REPEAT", "0"}}}};
    auto& h = every.http();
    const double every_hits = test::metric_value(h.get("/metrics").body, hits);
    ASSERT_EQ(h.get("/api/v1/store/products?limit=3").status, 200);
    ASSERT_EQ(h.get("/api/v1/store/products?limit=3").status, 200);
    EXPECT_EQ(test::metric_value(h.get("/metrics").body, hits), every_hits + 1);
}

TEST_F(store_catalog, a_price_change_is_never_served_stale_once_processed) {
    auto store = market().store("Price Watch");
    test::product_spec spec{
        .title = "Watched Kettle", .description = "Boils.", .prices = {4200}, .stock = {5}};
    auto& p = market().product(store, spec);
    test::wait_for_events(server());
    const std::vector<std::string> pages{
        "/api/v1/store/products/" + p.id,
        "/api/v1/store/vendors/" + store + "/products/" + p.handle,
    };
    const std::vector<std::string> lists{
        "/api/v1/store/vendors/" + store + "/products",
        "/api/v1/store/products?limit=100&sort=price_asc",
        "/api/v1/store/search?q=kettle",
    };
    auto price_of = [&](const json::object& list) -> std::int64_t {
        for (const auto& item : list.at("items").as_array()) {
            if (item.at("id") == json::value(p.id)) {
                return item.at("prices").at(0).at("min").at("amount").as_int64();
            }
        }
        return -1;
    };
    // Fill the caches.
    for (int round = 0; round < 2; ++round) {
        for (const auto& t : pages) {
            EXPECT_EQ(get_json(t).at("prices").at(0).at("min").at("amount"), 4200) << t;
        }
        for (const auto& t : lists) {
            EXPECT_EQ(price_of(get_json(t)), 4200) << t;
        }
    }
    market().set_prices(p, {3100});
    test::wait_for_events(server());
    for (const auto& t : pages) {
        EXPECT_EQ(get_json(t).at("prices").at(0).at("min").at("amount"), 3100) << t;
    }
    for (const auto& t : lists) {
        EXPECT_EQ(price_of(get_json(t)), 3100) << t;
    }
    auto metrics = http().get("/metrics").body;
    EXPECT_NE(metrics.find("cache_hits_total{cache=\"storefront\"}"), std::string::npos);
    EXPECT_NE(metrics.find("shopping_index_lag_seconds_count"), std::string::npos);
}

TEST_F(store_catalog, refuses_bad_input_on_every_route) {
    struct bad {
        std::string target;
        int status;
        std::string slug;
        std::string pointer;  // first error's pointer, when a 400
    };
    auto id = market().visible().front()->id;
    std::vector<bad> table{
        {"/api/v1/store/products?limit=0", 400, "bad-request", "/limit"},
        {"/api/v1/store/products?limit=101", 400, "bad-request", "/limit"},
        {"/api/v1/store/products?sort=cheap", 400, "bad-request", "/sort"},
        {"/api/v1/store/products?currency=EURO", 400, "bad-request", "/currency"},
        {"/api/v1/store/products?price_min=-5", 400, "bad-request", "/price_min"},
        {"/api/v1/store/products?price_min=abc", 400, "bad-request", "/price_min"},
        {"/api/v1/store/products?price_min=9&price_max=1", 400, "bad-request", "/price_max"},
        {"/api/v1/store/products?in_stock=perhaps", 400, "bad-request", "/in_stock"},
        {"/api/v1/store/products?category=no-such-category", 400, "bad-request", "/category"},
        {"/api/v1/store/products?vendor=no-such-store", 400, "bad-request", "/vendor"},
        {"/api/v1/store/products?cursor=garbage", 400, "bad-request", "/cursor"},
        {"/api/v1/store/products?fields=title,password", 400, "bad-request", "/fields"},
        {"/api/v1/store/products?colour=red", 400, "bad-request", "/colour"},
        {"/api/v1/store/products?q=shirt", 400, "bad-request", "/q"},
        {"/api/v1/store/products?tag=" + std::string(65, 't'), 400, "bad-request", "/tag"},
        {"/api/v1/store/products/" + id + "x", 404, "not-found", ""},
        {"/api/v1/store/products/prod_00000000000000000000000000", 404, "not-found", ""},
        {"/api/v1/store/products/" + std::string(201, 'h'), 404, "not-found", ""},
        {"/api/v1/store/vendors/no-such-store", 404, "not-found", ""},
        {"/api/v1/store/vendors/no-such-store/products", 404, "not-found", ""},
        {"/api/v1/store/vendors/north-threads/products?vendor=south-home", 400, "bad-request",
         "/vendor"},
        {"/api/v1/store/vendors/north-threads/products/no-such-product", 404, "not-found", ""},
        {"/api/v1/store/search?q=" + std::string(201, 'q'), 400, "bad-request", "/q"},
        {"/api/v1/store/search?q=shirt&sort=rating&cursor=" + std::string(40, 'A'), 400,
         "bad-request", "/cursor"},
    };
    for (const auto& b : table) {
        auto r = http().get(b.target);
        expect_problem(r, b.status, b.slug);
        if (!b.pointer.empty()) {
            auto errors = r.json().at("errors").as_array();
            ASSERT_FALSE(errors.empty()) << b.target;
            EXPECT_EQ(errors.at(0).at("pointer"), json::value(b.pointer)) << b.target;
        }
    }
    // A cursor of one order is refused by another.
    auto page = get_json("/api/v1/store/products?limit=1&sort=price_asc");
    ASSERT_FALSE(page.at("next_cursor").is_null());
    auto cursor = str(page.at("next_cursor"));
    expect_problem(
        http().get("/api/v1/store/products?sort=newest&cursor=" + cursor), 400, "bad-request"
    );
    expect_problem(
        http().get("/api/v1/store/products?sort=price_asc&currency=USD&cursor=" + cursor), 400,
        "bad-request"
    );
    // Writes are not routes of the storefront.
    EXPECT_EQ(http().post_json("/api/v1/store/products", "{}").status, 405);
}

}  // namespace
