#include <gtest/gtest.h>

#include "core/ids.hpp"
#include "modules/shopping/routes.hpp"

namespace {

using shopping::list_kind;

core::result<shopping::list_query> decode(
    const std::string& query, list_kind kind = list_kind::products
) {
    core::http::request req;
    req.target = "/api/v1/store/products?" + query;
    return shopping::decode_list_query(req, kind, "EUR");
}

// The JSON pointers a refused query names.
std::vector<std::string> pointers(const std::string& query, list_kind kind = list_kind::products) {
    auto q = decode(query, kind);
    EXPECT_FALSE(q) << query;
    if (q) {
        return {};
    }
    EXPECT_EQ(q.error().code, core::errc::bad_request);
    std::vector<std::string> out;
    for (const auto& f : q.error().fields) {
        out.push_back(f.pointer);
    }
    return out;
}

TEST(storefront_query, defaults) {
    auto q = decode("");
    ASSERT_TRUE(q);
    EXPECT_EQ(q->limit, 20);
    EXPECT_EQ(q->sort, shopping::sort_order::newest);
    EXPECT_EQ(q->currency, "EUR");
    auto s = decode("q=Blue+Shirts", list_kind::search);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->sort, shopping::sort_order::relevance) << "search ranks by default";
    EXPECT_EQ(s->search.text(), "blue shirts");
    auto no_words = decode("q=%21%21&sort=relevance", list_kind::search);
    ASSERT_TRUE(no_words);
    EXPECT_EQ(no_words->sort, shopping::sort_order::newest) << "nothing to rank by";
}

TEST(storefront_query, the_cache_key_does_not_depend_on_parameter_order) {
    auto a = decode("tag=b&tag=a&attr.color=red&attr.color=blue&price_min=5&fields=title,prices");
    auto b = decode("fields=prices,title&price_min=5&attr.color=blue&tag=a&attr.color=red&tag=b");
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_EQ(a->key(), b->key());
    EXPECT_NE(a->key(), decode("tag=a")->key());
    ASSERT_EQ(a->attributes.size(), 1U);
    EXPECT_EQ(a->attributes[0].values, (std::vector<std::string>{"blue", "red"}));
}

TEST(storefront_query, refuses_bad_parameters_naming_each) {
    EXPECT_EQ(pointers("limit=0"), std::vector<std::string>{"/limit"});
    EXPECT_EQ(pointers("limit=101"), std::vector<std::string>{"/limit"});
    EXPECT_EQ(pointers("limit=ten"), std::vector<std::string>{"/limit"});
    EXPECT_EQ(pointers("sort=cheapest"), std::vector<std::string>{"/sort"});
    EXPECT_EQ(pointers("currency=EURO"), std::vector<std::string>{"/currency"});
    EXPECT_EQ(pointers("currency=XXX"), std::vector<std::string>{"/currency"});
    EXPECT_EQ(pointers("price_min=-1"), std::vector<std::string>{"/price_min"});
    EXPECT_EQ(pointers("price_max=1.5"), std::vector<std::string>{"/price_max"});
    EXPECT_EQ(pointers("price_min=10&price_max=5"), std::vector<std::string>{"/price_max"});
    EXPECT_EQ(pointers("in_stock=maybe"), std::vector<std::string>{"/in_stock"});
    EXPECT_EQ(pointers("fields=title,secret"), std::vector<std::string>{"/fields"});
    EXPECT_EQ(pointers("categroy=shirts"), std::vector<std::string>{"/categroy"});
    EXPECT_EQ(pointers("sort=newest&sort=rating"), std::vector<std::string>{"/sort"});
    EXPECT_EQ(pointers("q=shirt"), std::vector<std::string>{"/q"}) << "lists take no q";
    EXPECT_EQ(
        pointers("vendor=acme", list_kind::store_products), std::vector<std::string>{"/vendor"}
    );
    EXPECT_EQ(
        pointers("q=" + std::string(201, 'a'), list_kind::search), std::vector<std::string>{"/q"}
    );
    EXPECT_EQ(pointers("attr.=x"), std::vector<std::string>{"/attr."});
    EXPECT_EQ(pointers("tag="), std::vector<std::string>{"/tag"});
    std::string many;
    for (int i = 0; i < 11; ++i) {
        many += "attr.a" + std::to_string(i) + "=x&";
    }
    EXPECT_EQ(pointers(many), std::vector<std::string>{"/attr"});
    EXPECT_EQ(pointers("limit=0&sort=x&bogus=1").size(), 3U) << "every error at once";
}

TEST(storefront_query, a_cursor_only_continues_its_own_order) {
    auto id = core::new_id("prod");
    auto newest = core::encode_cursor("newest|1700000000000|" + id);
    EXPECT_TRUE(decode("cursor=" + newest));
    EXPECT_EQ(pointers("sort=rating&cursor=" + newest), std::vector<std::string>{"/cursor"});
    auto eur = core::encode_cursor("price_asc:EUR|1999|" + id);
    EXPECT_TRUE(decode("sort=price_asc&cursor=" + eur));
    EXPECT_EQ(
        pointers("sort=price_asc&currency=USD&cursor=" + eur), std::vector<std::string>{"/cursor"}
    );
    EXPECT_EQ(pointers("cursor=not-base64!"), std::vector<std::string>{"/cursor"});
    EXPECT_EQ(
        pointers("cursor=" + core::encode_cursor("newest|abc|" + id)),
        std::vector<std::string>{"/cursor"}
    );
    EXPECT_EQ(
        pointers("cursor=" + core::encode_cursor("newest|1|usr_x")),
        std::vector<std::string>{"/cursor"}
    );
}

}  // namespace
