#include "modules/shopping/search_engine.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "modules/shopping/search_text.hpp"

namespace {

using shopping::engine_document;
using shopping::page_request;
using shopping::search_engine;
using shopping::sort_order;

const std::vector<std::string> words = {"linen", "shirt", "vase",  "lamp",  "walnut",
                                        "dress", "wool",  "oak",   "blue",  "green",
                                        "mug",   "shirtdress", "candle", "desk", "boots"};

engine_document make(int n, std::mt19937& rng) {
    auto pick = [&](std::size_t size) { return static_cast<std::size_t>(rng() % size); };
    engine_document d;
    d.id = "prod_" + std::to_string(100000 + n);
    const int vendor = static_cast<int>(pick(5));
    d.vendor_id = "vnd_" + std::to_string(vendor);
    d.vendor_handle = "store-" + std::to_string(vendor);
    d.vendor_name = "Store " + std::to_string(vendor);
    if (pick(10) > 0) {
        d.category_id = "cat_" + std::to_string(pick(4));
    }
    d.in_stock = pick(3) > 0;
    d.rating = static_cast<double>(pick(6));
    d.published_at_ms = 1000 + static_cast<std::int64_t>(pick(50));  // ties on purpose
    std::vector<shopping::facet_row> facets{{"a", "color", pick(2) == 0 ? "red" : "blue"}};
    if (pick(2) == 0) {
        facets.push_back({"t", "", "summer"});
    }
    d.facet_codes = shopping::encode_facets(facets);
    d.item = R"({"id":")" + d.id + "\"}";
    std::string title = words[pick(words.size())] + " " + words[pick(words.size())];
    std::string body;
    for (int i = 0; i < 6; ++i) {
        body += words[pick(words.size())] + " ";
    }
    d.fields = {shopping::search_text::index_text(title), "", "", shopping::search_text::index_text(d.vendor_name),
                shopping::search_text::index_text(body)};
    if (pick(8) > 0) {
        d.prices.push_back({"EUR", 100 + static_cast<std::int64_t>(pick(100000)), 0});
    }
    return d;
}

// Every page of a request, following next cursors.
std::vector<std::string> all_pages(const search_engine& engine, page_request req) {
    std::vector<std::string> ids;
    for (int guard = 0; guard < 1000; ++guard) {
        auto answer = engine.search(req, false, 2);
        EXPECT_TRUE(answer);
        if (!answer) {
            break;
        }
        for (const auto& item : answer->page.items) {
            ids.push_back(item.id);
        }
        if (!answer->page.more) {
            break;
        }
        req.after = shopping::position{answer->page.items.back().sort_key, answer->page.items.back().id};
    }
    return ids;
}

bool has_word(const engine_document& d, const std::string& stem, const std::string& prefix) {
    for (const auto& field : d.fields) {
        for (const auto& token : shopping::search_text::raw_tokens(field)) {
            if (token == stem || (!prefix.empty() && token.starts_with(prefix))) {
                return true;
            }
        }
    }
    return false;
}

class engine_test : public ::testing::Test {
protected:
    void SetUp() override {
        std::mt19937 rng{42};
        for (int i = 0; i < 600; ++i) {
            docs.push_back(make(i, rng));
        }
        engine.replace_all(docs);
    }

    std::vector<engine_document> docs;
    search_engine engine;
};

TEST_F(engine_test, matches_and_facets_equal_a_brute_force_count) {
    page_request req;
    req.search = shopping::search_text::parse("shirt blue", 5);
    req.sort = sort_order::relevance;
    req.filter.price_max = 60000;
    req.filter.currency = "EUR";
    req.limit = 7;
    std::set<std::string> expected;
    std::map<std::string, std::int64_t> vendors;
    std::int64_t red = 0;
    for (const auto& d : docs) {
        // "shirt" matches shirt and, as a prefix, shirtdress; "blue" only blue.
        if (!has_word(d, "shirt", "shirt") || !has_word(d, "blue", "blue")) {
            continue;
        }
        if (d.prices.empty() || d.prices[0].min_amount > 60000) {
            continue;
        }
        expected.insert(d.id);
        ++vendors[d.vendor_id];
        red += d.facet_codes.find("3:red") != std::string::npos ? 1 : 0;
    }
    ASSERT_GT(expected.size(), 10U) << "the catalog should exercise paging";
    auto ids = all_pages(engine, req);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);
    EXPECT_EQ(ids.size(), expected.size()) << "no item on two pages";

    auto answer = engine.search(req, true, 2);
    ASSERT_TRUE(answer);
    ASSERT_TRUE(answer->facets);
    for (const auto& v : answer->facets->vendor) {
        EXPECT_EQ(v.count, vendors[v.value]) << v.value;
    }
    EXPECT_EQ(answer->facets->vendor.size(), vendors.size());
    std::int64_t counted_red = 0;
    for (const auto& [name, values] : answer->facets->attributes) {
        for (const auto& v : values) {
            if (name == "color" && v.value == "red") {
                counted_red = v.count;
            }
        }
    }
    EXPECT_EQ(counted_red, red);
    std::int64_t bucketed = 0;
    for (const auto& b : answer->facets->price) {
        bucketed += b.count;
    }
    EXPECT_EQ(bucketed, static_cast<std::int64_t>(expected.size())) << "every match has a price";
}

TEST_F(engine_test, every_order_pages_without_gaps_or_repeats) {
    for (auto sort : {sort_order::newest, sort_order::rating, sort_order::price_asc,
                      sort_order::price_desc, sort_order::relevance}) {
        page_request req;
        req.sort = sort;
        req.search = shopping::search_text::parse("lamp", 5);
        req.filter.in_stock = true;
        req.limit = 9;
        auto ids = all_pages(engine, req);
        std::set<std::string> expected;
        for (const auto& d : docs) {
            const bool priced = !d.prices.empty();
            if (d.in_stock && has_word(d, "lamp", "lamp") &&
                (priced || (sort != sort_order::price_asc && sort != sort_order::price_desc))) {
                expected.insert(d.id);
            }
        }
        EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected) << to_string(sort);
        EXPECT_EQ(ids.size(), expected.size()) << to_string(sort);
    }
}

TEST_F(engine_test, title_matches_rank_above_description_matches) {
    std::mt19937 rng{7};
    auto in_title = make(9001, rng);
    in_title.fields = {"zephyr", "", "", "", "plain words here"};
    auto in_body = make(9002, rng);
    in_body.fields = {"plain", "", "", "", "zephyr words here"};
    engine.upsert(in_body);
    engine.upsert(in_title);
    page_request req;
    req.sort = sort_order::relevance;
    req.search = shopping::search_text::parse("zephyr", 5);
    auto answer = engine.search(req, false, 2);
    ASSERT_TRUE(answer);
    ASSERT_EQ(answer->page.items.size(), 2U);
    EXPECT_EQ(answer->page.items[0].id, in_title.id);
}

TEST_F(engine_test, upserts_replace_and_removals_disappear_also_after_compaction) {
    page_request req;
    req.search = shopping::search_text::parse("quokka", 5);
    req.sort = sort_order::relevance;
    auto changed = docs[3];
    changed.fields[0] = "quokka";
    engine.upsert(changed);
    auto answer = engine.search(req, true, 2);
    ASSERT_TRUE(answer);
    ASSERT_EQ(answer->page.items.size(), 1U);
    EXPECT_EQ(answer->facets->vendor.at(0).count, 1);
    // Re-upserting every product many times forces compactions; answers must not change.
    for (int round = 0; round < 5; ++round) {
        for (const auto& d : docs) {
            if (d.id != changed.id) {
                engine.upsert(d);
            }
        }
    }
    EXPECT_EQ(engine.size(), docs.size());
    answer = engine.search(req, false, 2);
    ASSERT_TRUE(answer);
    ASSERT_EQ(answer->page.items.size(), 1U);
    engine.remove(changed.id);
    answer = engine.search(req, false, 2);
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->page.items.empty());
    EXPECT_EQ(engine.size(), docs.size() - 1);
}

TEST_F(engine_test, products_with_many_facet_values_and_prices_are_found_by_any_of_them) {
    std::mt19937 rng{11};
    auto rich = make(9100, rng);
    std::vector<shopping::facet_row> facets;
    for (int i = 0; i < 20; ++i) {
        facets.push_back({"t", "", "tag" + std::to_string(i)});
    }
    rich.facet_codes = shopping::encode_facets(facets);
    rich.prices = {{"EUR", 100, 100}, {"USD", 200, 200}, {"GBP", 300, 300}, {"CHF", 400, 400}};
    engine.upsert(rich);
    page_request req;
    req.filter.tags = {"tag19"};
    req.filter.currency = "CHF";
    req.filter.price_max = 400;
    auto answer = engine.search(req, true, 2);
    ASSERT_TRUE(answer);
    ASSERT_EQ(answer->page.items.size(), 1U);
    EXPECT_EQ(answer->page.items[0].id, rich.id);
    ASSERT_EQ(answer->facets->tags.size(), 20U);
    ASSERT_EQ(answer->facets->price.size(), 1U);
    EXPECT_EQ(answer->facets->price[0].count, 1);
}

TEST_F(engine_test, a_cursor_that_does_not_parse_is_refused) {
    page_request req;
    req.sort = sort_order::newest;
    req.after = shopping::position{"not-a-number", "prod_1"};
    auto answer = engine.search(req, false, 2);
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().code, core::errc::bad_request);
}

TEST_F(engine_test, filters_on_values_it_never_saw_match_nothing) {
    page_request req;
    req.filter.vendor_id = "vnd_unknown";
    auto answer = engine.search(req, true, 2);
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->page.items.empty());
    req.filter.vendor_id.reset();
    req.filter.tags = {"winter"};
    answer = engine.search(req, false, 2);
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->page.items.empty());
    req.filter.tags = {"summer"};
    answer = engine.search(req, false, 2);
    ASSERT_TRUE(answer);
    EXPECT_FALSE(answer->page.items.empty());
}

}  // namespace
