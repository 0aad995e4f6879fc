#include "core/http/router.hpp"

#include <gtest/gtest.h>

namespace {

using core::http::method;

core::http::handler noop() {
    return [](core::http::request&) -> core::task<core::http::response> {
        co_return core::http::no_content();
    };
}

TEST(router, matches_templates_and_extracts_parameters) {
    core::http::router r;
    r.add(method::get, "/api/v1/store/products/{id}", noop());
    r.add(method::get, "/api/v1/store/products/{id}/reviews/{review_id}", noop());
    auto m = r.find(method::get, "/api/v1/store/products/prod_123/reviews/rev%2F9");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->path_template, "/api/v1/store/products/{id}/reviews/{review_id}");
    ASSERT_EQ(m.params.size(), 2U);
    EXPECT_EQ(m.params[0].second, "prod_123");
    EXPECT_EQ(m.params[1].second, "rev/9");  // percent-decoded
}

TEST(router, prefers_literal_segments_over_parameters) {
    core::http::router r;
    r.add(method::get, "/products/{id}", noop());
    r.add(method::get, "/products/search", noop());
    EXPECT_EQ(r.find(method::get, "/products/search").route->path_template, "/products/search");
    EXPECT_EQ(r.find(method::get, "/products/abc").route->path_template, "/products/{id}");
}

TEST(router, backtracks_when_a_literal_branch_dead_ends) {
    core::http::router r;
    r.add(method::get, "/a/b/c", noop());
    r.add(method::get, "/a/{x}/d", noop());
    auto m = r.find(method::get, "/a/b/d");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->path_template, "/a/{x}/d");
    EXPECT_EQ(m.params.at(0).second, "b");
}

TEST(router, reports_allowed_methods_for_405) {
    core::http::router r;
    r.add(method::get, "/things", noop());
    r.add(method::post, "/things", noop());
    auto m = r.find(method::del, "/things");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.path_found);
    EXPECT_EQ(m.allowed.size(), 2U);
    EXPECT_FALSE(r.find(method::get, "/other").path_found);
}

TEST(router, head_falls_back_to_get) {
    core::http::router r;
    r.add(method::get, "/x", noop());
    EXPECT_NE(r.find(method::head, "/x").route, nullptr);
}

TEST(router, refuses_duplicates_and_malformed_templates) {
    core::http::router r;
    r.add(method::get, "/x/{id}", noop());
    EXPECT_THROW(r.add(method::get, "/x/{id}", noop()), std::logic_error);
    EXPECT_THROW(r.add(method::get, "/x/{other}/y", noop()), std::logic_error);
    EXPECT_THROW(r.add(method::get, "x", noop()), std::logic_error);
}

TEST(router, lists_its_routes) {
    core::http::router r;
    r.add(method::get, "/a", noop(), {.summary = "A"});
    r.add(method::post, "/b", noop(), {.who = core::http::access::role, .roles = {"admin"}});
    auto all = r.routes();
    ASSERT_EQ(all.size(), 2U);
    EXPECT_EQ(all[0].options.summary, "A");
    EXPECT_EQ(all[1].options.roles.at(0), "admin");
}

}  // namespace
