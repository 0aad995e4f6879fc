// Storefront search on the real binary, on the profile of TRADER_TEST_PROFILE (ctest runs it on
// both): ranking, prefixes, typos, folding, and facet counts that must equal a brute-force count
// over the products made through the vendor API, with and without filters.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "modules/shopping/search_text.hpp"
#include "support/storefront.hpp"

namespace {

namespace json = boost::json;
namespace st = shopping::search_text;
using test::expect_problem;

std::string str(const json::value& v) { return std::string{v.as_string()}; }

class store_search : public testing::Test {
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

    static void build(test::market& m) {
        m.category("Clothing", "clothing");
        m.category("Tops", "tops", "clothing");
        m.category("Home", "home");
        auto nord = m.store("Atelier Nord");
        auto sud = m.store("Casa Sud");
        struct row {
            std::string store, title, description, category, colour, material;
            std::vector<std::string> tags;
            std::vector<std::int64_t> prices;
            std::int64_t stock;
        };
        const std::vector<row> rows{
            {nord,
             "Linen Shirt",
             "Breathable summer wear.",
             "tops",
             "White",
             "linen",
             {"summer"},
             {4900, 5400},
             3},
            {nord, "Oxford Shirts", "A classic, pressed.", "tops", "Blue", "cotton", {}, {3900}, 0},
            {sud,
             "Flannel Shirt",
             "Warm for winter.",
             "tops",
             "Red",
             "wool",
             {"winter"},
             {5900},
             2},
            {sud,
             "Shirtdress Midi",
             "Easy in the heat.",
             "clothing",
             "Blue",
             "linen",
             {"summer"},
             {8900},
             1},
            {nord,
             "Canvas Tote",
             "Pairs well with any shirt.",
             "home",
             "Beige",
             "cotton",
             {"summer", "sale"},
             {1900},
             7},
            {sud,
             "Ceramic Vase",
             "Glazed by hand.",
             "home",
             "White",
             "stoneware",
             {},
             {2500, 9900},
             4},
            {sud, "Glass Vase", "Mouth blown.", "home", "Blue", "glass", {"sale"}, {12900}, 0},
            {nord,
             "Wool Scarf",
             "Soft and warm.",
             "clothing",
             "Red",
             "wool",
             {"winter"},
             {2900},
             5},
            {nord, "Café Cup", "Strong espresso cup.", "home", "Black", "stoneware", {}, {1500}, 9},
            {sud,
             "Blue Jeans",
             "Straight cut denim.",
             "clothing",
             "Blue",
             "cotton",
             {"sale"},
             {6900, 7400},
             2},
            {nord,
             "Denim Jacket",
             "Goes with jeans and shirts.",
             "clothing",
             "Blue",
             "cotton",
             {},
             {11900},
             1},
            {sud, "Oak Table", "Seats six.", "home", "Brown", "oak", {}, {129900}, 1},
        };
        for (const auto& r : rows) {
            test::product_spec spec;
            spec.title = r.title;
            spec.description = r.description;
            spec.category = r.category;
            spec.tags = r.tags;
            spec.attributes = {{"colour", r.colour}, {"material", r.material}};
            spec.prices = r.prices;
            spec.stock.assign(r.prices.size(), r.stock);
            m.product(r.store, spec);
        }
        test::product_spec draft{
            .title = "Secret Shirt", .prices = {100}, .stock = {1}, .publish = false};
        m.product(nord, draft);
    }

    test::http_client& http() { return server_->http(); }
    test::trader_process& server() { return *server_; }
    test::market& market() { return *market_; }

    json::object search(const std::string& query) {
        std::string limit = query.find("limit=") == std::string::npos ? "limit=100&" : "";
        auto r = http().get("/api/v1/store/search?" + limit + query);
        EXPECT_EQ(r.status, 200) << query << ": " << r.body;
        return r.json().as_object();
    }
    static std::vector<std::string> ids(const json::object& page) {
        std::vector<std::string> out;
        for (const auto& item : page.at("items").as_array()) {
            out.push_back(str(item.at("id")));
        }
        return out;
    }
    std::vector<std::string> titles(const json::object& page) {
        std::vector<std::string> out;
        for (const auto& id : ids(page)) {
            out.push_back(market_->at(id).title);
        }
        return out;
    }

    // The index's tokens of a product, made the way the server makes them.
    std::set<std::string> tokens(const test::market_product& p) const {
        std::string text = p.title + " " + p.description + " " + p.store_name;
        for (const auto& t : p.tags) {
            text += " " + t;
        }
        for (const auto& [k, v] : p.attributes) {
            text += " " + v;
        }
        std::set<std::string> out;
        for (const auto& raw : st::raw_tokens(text)) {
            out.insert(st::stem(raw));
        }
        return out;
    }
    // Every word matches a token equal to its singular or (from two letters) starting with it.
    bool matches_words(const test::market_product& p, const std::string& q) const {
        auto have = tokens(p);
        for (const auto& t : st::parse(q, 10).terms) {
            bool hit = have.contains(t.stemmed) ||
                       std::any_of(have.begin(), have.end(), [&](const std::string& token) {
                           return t.prefix() && token.starts_with(t.raw);
                       });
            if (!hit) {
                return false;
            }
        }
        return true;
    }

private:
    static test::trader_process* server_;
    static test::market* market_;
};

test::trader_process* store_search::server_ = nullptr;
test::market* store_search::market_ = nullptr;

TEST_F(store_search, ranks_title_matches_above_description_matches) {
    auto page = search("q=shirt");
    auto found = titles(page);
    std::set<std::string> expected;
    for (const auto* p : market().visible()) {
        if (matches_words(*p, "shirt")) {
            expected.insert(p->title);
        }
    }
    EXPECT_EQ(std::set<std::string>(found.begin(), found.end()), expected);
    EXPECT_TRUE(expected.contains("Canvas Tote")) << "a description match";
    EXPECT_TRUE(expected.contains("Shirtdress Midi")) << "a prefix match";
    EXPECT_FALSE(expected.contains("Secret Shirt")) << "drafts are never found";
    auto tote = std::find(found.begin(), found.end(), "Canvas Tote");
    auto jacket = std::find(found.begin(), found.end(), "Denim Jacket");
    for (const std::string title : {"Linen Shirt", "Oxford Shirts", "Flannel Shirt"}) {
        auto at = std::find(found.begin(), found.end(), title);
        EXPECT_LT(at, tote) << title << " ranks above a description-only match";
        EXPECT_LT(at, jacket) << title;
    }
    // Relevance pages continue where they stopped.
    std::vector<std::string> paged;
    std::string cursor;
    for (int i = 0; i < 20; ++i) {
        auto p = search("q=shirt&limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
        for (auto& id : ids(p)) {
            paged.push_back(id);
        }
        if (p.at("next_cursor").is_null()) {
            break;
        }
        cursor = str(p.at("next_cursor"));
    }
    EXPECT_EQ(paged, ids(page));
}

TEST_F(store_search, matches_prefixes_plurals_folded_letters_and_typos) {
    auto titles_of = [&](const std::string& q) {
        auto t = titles(search("q=" + q));
        return std::set<std::string>(t.begin(), t.end());
    };
    EXPECT_EQ(titles_of("vas"), (std::set<std::string>{"Ceramic Vase", "Glass Vase"}));
    EXPECT_EQ(titles_of("vases"), (std::set<std::string>{"Ceramic Vase", "Glass Vase"}));
    EXPECT_EQ(titles_of("CAFE"), std::set<std::string>{"Café Cup"});
    EXPECT_EQ(titles_of("blue+vase"), std::set<std::string>{"Glass Vase"})
        << "every word must match";
    EXPECT_EQ(titles_of("casa+tab"), std::set<std::string>{"Oak Table"})
        << "the store's name counts";

    auto typo = search("q=shrit");
    EXPECT_EQ(typo.at("corrected_query"), "shirt");
    auto corrected = titles(typo);
    std::set<std::string> expected;
    for (const auto* p : market().visible()) {
        if (tokens(*p).contains("shirt")) {
            expected.insert(p->title);
        }
    }
    EXPECT_EQ(std::set<std::string>(corrected.begin(), corrected.end()), expected);
    EXPECT_TRUE(expected.contains("Linen Shirt"));
    auto two = search("q=ceramik+vsae");
    EXPECT_EQ(two.at("corrected_query"), "ceramic vase");
    EXPECT_EQ(titles(two), std::vector<std::string>{"Ceramic Vase"});
    auto none = search("q=zzyzx");
    EXPECT_TRUE(none.at("items").as_array().empty());
    EXPECT_FALSE(none.contains("corrected_query"));
}

TEST_F(store_search, facet_counts_equal_a_brute_force_count) {
    struct scenario {
        std::string query;
        std::string words;
        std::optional<std::string> category;
        std::optional<std::int64_t> price_max;
        bool in_stock = false;
        std::optional<std::string> tag;
        std::optional<std::string> material;
    };
    std::vector<scenario> scenarios{
        {"", ""},
        {"q=shirt", "shirt"},
        {"q=blue", "blue"},
        {"q=shirt&category=clothing", "shirt", "clothing"},
        {"q=sale&in_stock=true", "sale", std::nullopt, std::nullopt, true},
        {"category=home&price_max=10000", "", "home", 10000},
        {"tag=summer", "", std::nullopt, std::nullopt, false, "summer"},
        {"q=wool&attr.material=wool", "wool", std::nullopt, std::nullopt, false, std::nullopt,
         "wool"},
    };
    const std::int64_t floors[] = {0, 1000, 2500, 5000, 10000, 25000, 50000, 100000};
    for (const auto& s : scenarios) {
        std::map<std::string, std::int64_t> category, vendor, tags, attributes, price;
        std::set<std::string> matched;
        for (const auto* p : market().visible()) {
            if ((!s.words.empty() && !matches_words(*p, s.words)) ||
                (s.category && (!p->category || !market()
                                                     .category_and_below(*s.category)
                                                     .contains(market().category_id(*p->category)))
                ) ||
                (s.price_max && p->min_price() > *s.price_max) || (s.in_stock && !p->in_stock()) ||
                (s.tag && std::find(p->tags.begin(), p->tags.end(), *s.tag) == p->tags.end()) ||
                (s.material && p->attributes.at("material") != *s.material)) {
                continue;
            }
            matched.insert(p->id);
            if (p->category) {
                ++category[market().category_id(*p->category)];
            }
            ++vendor[p->vendor_id];
            for (const auto& t : p->tags) {
                ++tags[t];
            }
            for (const auto& [k, v] : p->attributes) {
                ++attributes[k + "=" + v];
            }
            int b = 7;
            while (p->min_price() < floors[b]) {
                --b;
            }
            ++price[std::to_string(floors[b])];
        }
        ASSERT_FALSE(matched.empty()) << s.query;
        auto page = search(s.query);
        auto got = ids(page);
        EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), matched) << s.query;
        const auto& facets = page.at("facets").as_object();
        auto read = [](const json::value& list) {
            std::map<std::string, std::int64_t> out;
            for (const auto& e : list.as_array()) {
                out[str(e.at("value"))] = e.at("count").as_int64();
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
            got_price[std::to_string(b.at("min").at("amount").as_int64())] =
                b.at("count").as_int64();
            EXPECT_EQ(b.at("min").at("currency"), "EUR");
        }
        EXPECT_EQ(got_price, price) << s.query;
        for (const auto& v : facets.at("vendor").as_array()) {
            EXPECT_TRUE(v.at("handle").is_string() && v.at("name").is_string());
        }
        for (const auto& c : facets.at("category").as_array()) {
            EXPECT_TRUE(c.at("handle").is_string() && c.at("name").is_string());
        }
    }
}

// A second instance on the same database answers from the database's full-text index
// (TRADER_SEARCH_IN_MEMORY=0); this one from its in-process engine. Same items, same pages, same
// facets and corrections; the order by relevance is the same on SQLite (FTS5's bm25 is the
// engine's formula), while PostgreSQL ranks with ts_rank.
TEST_F(store_search, the_engine_and_the_database_give_the_same_answers) {
    auto metrics = http().get("/metrics");
    ASSERT_EQ(metrics.status, 200);
    const auto visible = market().visible().size();
    EXPECT_NE(
        metrics.body.find("shopping_search_engine_documents " + std::to_string(visible) + "\n"),
        std::string::npos
    ) << "the engine holds every visible product";

    std::map<std::string, std::string> env{{"TRADER_SEARCH_IN_MEMORY", "0"}};
    if (server().postgres()) {
        env["TRADER_DATABASE_URL"] = server().database();
    } else {
        env["TRADER_DATA_DIR"] = server().dir().string();
    }
    test::trader_process database_side(test::trader_options{env});
    const bool same_scores = !server().postgres();

    // Every page of a query, following each side's own cursors.
    auto pages = [](test::http_client& client, const std::string& query) {
        std::vector<std::string> items;
        json::object first;
        std::string cursor;
        for (int i = 0; i < 50; ++i) {
            auto r = client.get(
                "/api/v1/store/search?limit=2&" + query + (cursor.empty() ? "" : "&cursor=" + cursor)
            );
            EXPECT_EQ(r.status, 200) << query << ": " << r.body;
            auto page = r.json().as_object();
            if (i == 0) {
                first = page;
            }
            for (auto& id : ids(page)) {
                items.push_back(std::move(id));
            }
            if (page.at("next_cursor").is_null()) {
                break;
            }
            cursor = str(page.at("next_cursor"));
        }
        return std::pair{items, first};
    };
    const std::vector<std::string> queries{
        "q=shirt",
        "q=shirt&sort=price_asc",
        "q=shirt&sort=price_desc&currency=EUR",
        "q=shirt&sort=newest",
        "q=shirt&sort=rating",
        "q=shirt&category=clothing",
        "q=sh",
        "q=blue+vase",
        "q=linen&in_stock=true",
        "q=shirt&price_min=4000&price_max=9000",
        "q=shrit",
        "q=ceramik+vsae",
        "q=zzyzx",
        "tag=summer",
        "q=wool&attr.material=wool",
        "category=home&price_max=10000",
        "q=shirt&tag=summer&tag=winter",
    };
    for (const auto& q : queries) {
        auto [engine_items, engine_first] = pages(http(), q);
        auto [database_items, database_first] = pages(database_side.http(), q);
        const bool ranked = q.find("sort=") == std::string::npos && q.starts_with("q=");
        if (ranked && !same_scores) {
            EXPECT_EQ(
                std::multiset<std::string>(engine_items.begin(), engine_items.end()),
                std::multiset<std::string>(database_items.begin(), database_items.end())
            ) << q;
        } else {
            EXPECT_EQ(engine_items, database_items) << q;
        }
        EXPECT_EQ(engine_first.at("facets"), database_first.at("facets")) << q;
        EXPECT_EQ(engine_first.contains("corrected_query"), database_first.contains("corrected_query"))
            << q;
        if (engine_first.contains("corrected_query") && database_first.contains("corrected_query")) {
            EXPECT_EQ(engine_first.at("corrected_query"), database_first.at("corrected_query")) << q;
        }
    }
}

TEST_F(store_search, refuses_bad_search_parameters) {
    struct bad {
        std::string query;
        std::string pointer;
    };
    std::vector<bad> table{
        {"q=" + std::string(201, 'a'), "/q"},
        {"q=shirt&sort=best", "/sort"},
        {"q=shirt&limit=500", "/limit"},
        {"q=shirt&category=nowhere", "/category"},
        {"q=shirt&currency=ABC", "/currency"},
        {"q=shirt&price_max=x", "/price_max"},
        {"q=shirt&attr.=x", "/attr."},
        {"q=shirt&query=shirt", "/query"},
        {"q=shirt&q=blouse", "/q"},
    };
    for (const auto& b : table) {
        auto r = http().get("/api/v1/store/search?" + b.query);
        expect_problem(r, 400, "bad-request");
        ASSERT_TRUE(r.json().as_object().contains("errors")) << r.body;
        EXPECT_EQ(r.json().at("errors").at(0).at("pointer"), json::value(b.pointer)) << b.query;
    }
    std::string many;
    for (int i = 0; i < 11; ++i) {
        many += "&tag=t" + std::to_string(i);
    }
    expect_problem(http().get("/api/v1/store/search?q=shirt" + many), 400, "bad-request");
}

}  // namespace
