// The in-process category tree: order, lookups, descendants and paths.
#include <gtest/gtest.h>

#include "modules/admin/categories.hpp"

namespace {

admin::category cat(std::string id, std::optional<std::string> parent, int position = 0) {
    admin::category c;
    c.handle = id;
    c.name = "Category " + id;
    c.id = std::move(id);
    c.parent_id = std::move(parent);
    c.position = position;
    return c;
}

std::vector<std::string> ids(const std::vector<admin::category>& all) {
    std::vector<std::string> out;
    for (const auto& c : all) {
        out.push_back(c.id);
    }
    return out;
}

// fashion (0) > women (0) > dresses; fashion > men (1); home (1) > kitchen
admin::category_tree sample() {
    return admin::category_tree{{
        cat("dresses", "women"),
        cat("home", std::nullopt, 1),
        cat("men", "fashion", 1),
        cat("kitchen", "home"),
        cat("women", "fashion", 0),
        cat("fashion", std::nullopt, 0),
    }};
}

TEST(category_tree, orders_parents_before_children_in_display_order) {
    auto tree = sample();
    EXPECT_EQ(
        ids(tree.all()),
        (std::vector<std::string>{"fashion", "women", "dresses", "men", "home", "kitchen"})
    );
    std::vector<std::string> roots;
    for (const auto* r : tree.roots()) {
        roots.push_back(r->id);
    }
    EXPECT_EQ(roots, (std::vector<std::string>{"fashion", "home"}));
    ASSERT_EQ(tree.children("fashion").size(), 2U);
    EXPECT_EQ(tree.children("fashion")[0]->id, "women");
    EXPECT_TRUE(tree.children("dresses").empty());
    EXPECT_TRUE(tree.children("nope").empty());
}

TEST(category_tree, finds_by_id_and_handle) {
    auto tree = sample();
    ASSERT_NE(tree.find("men"), nullptr);
    EXPECT_EQ(tree.find("men")->name, "Category men");
    EXPECT_EQ(tree.find_by_handle("kitchen")->id, "kitchen");
    EXPECT_EQ(tree.find("nope"), nullptr);
    EXPECT_EQ(tree.find_by_handle("nope"), nullptr);
}

TEST(category_tree, lists_a_category_and_everything_below_it) {
    auto tree = sample();
    EXPECT_EQ(
        tree.self_and_descendants("fashion"),
        (std::vector<std::string>{"fashion", "women", "dresses", "men"})
    );
    EXPECT_EQ(tree.self_and_descendants("dresses"), (std::vector<std::string>{"dresses"}));
    EXPECT_TRUE(tree.self_and_descendants("nope").empty());
}

TEST(category_tree, gives_the_path_from_the_root) {
    auto tree = sample();
    std::vector<std::string> path;
    for (const auto* c : tree.path("dresses")) {
        path.push_back(c->id);
    }
    EXPECT_EQ(path, (std::vector<std::string>{"fashion", "women", "dresses"}));
    EXPECT_TRUE(tree.path("nope").empty());
}

TEST(category_tree, survives_orphans_and_cycles) {
    admin::category_tree tree{{
        cat("orphan", "missing"),
        cat("a", "b"),
        cat("b", "a"),
    }};
    EXPECT_EQ(tree.all().size(), 3U);
    EXPECT_EQ(tree.path("orphan").size(), 1U);
    // The cycle is broken: every category is reachable exactly once and paths end.
    EXPECT_LE(tree.path("a").size(), 2U);
    EXPECT_LE(tree.path("b").size(), 2U);
    auto below_a = tree.self_and_descendants("a");
    auto below_b = tree.self_and_descendants("b");
    EXPECT_EQ(below_a.size() + below_b.size(), 3U);
}

TEST(category_tree, empty_tree_is_valid) {
    admin::category_tree tree{{}};
    EXPECT_TRUE(tree.all().empty());
    EXPECT_TRUE(tree.roots().empty());
}

}  // namespace
