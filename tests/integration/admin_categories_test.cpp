// Admin-managed categories: the tree's rules (handles, parents, no cycles, no orphans), the
// storefront's nested view with ETag, bad input that changes nothing, and who may call what.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/roles.hpp"
#include "support/trader.hpp"
#include "support/vendors.hpp"

namespace {

using test::bearer;
using test::caller;
using test::expect_problem;

std::string json(const boost::json::object& o) { return boost::json::serialize(o); }

class admin_categories : public testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new test::trader_process(test::trader_options{test::many_sign_ins_env()});
        admin_ = new test::test_user(test::make_admin(*server_));
    }
    static void TearDownTestSuite() {
        delete admin_;
        delete server_;
        admin_ = nullptr;
        server_ = nullptr;
    }

    test::http_client& http() { return server_->http(); }
    std::map<std::string, std::string> as_admin() { return bearer(admin_->access_token); }

    boost::json::object create(const boost::json::object& body) {
        auto r = http().post_json("/api/v1/admin/categories", json(body), as_admin());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.json().as_object();
    }
    std::string id_of(const boost::json::object& o) { return std::string{o.at("id").as_string()}; }

    std::int64_t count(const std::string& sql) {
        test::server_db db{*server_};
        return db.count(sql);
    }

    static test::trader_process* server_;
    static test::test_user* admin_;
};

test::trader_process* admin_categories::server_ = nullptr;
test::test_user* admin_categories::admin_ = nullptr;

TEST_F(admin_categories, creates_reads_moves_and_deletes_categories) {
    auto home = create({{"name", "Home & Garden"}, {"description", "For the home"}});
    EXPECT_EQ(home.at("handle"), "home-garden");
    EXPECT_EQ(home.at("object"), "category");
    EXPECT_TRUE(home.at("parent_id").is_null());
    auto home_id = id_of(home);

    auto again = create({{"name", "Home & Garden"}});
    EXPECT_EQ(again.at("handle"), "home-garden-2") << "generated handles get a free suffix";

    auto kitchen = create({{"name", "Kitchen"}, {"parent_id", home_id}, {"position", 2}});
    EXPECT_EQ(kitchen.at("parent_id"), boost::json::value(home_id));
    auto pans = create({{"name", "Pans"}, {"handle", "pans"}, {"parent_id", id_of(kitchen)}});

    auto clash = http().post_json(
        "/api/v1/admin/categories", json({{"name", "Other"}, {"handle", "pans"}}), as_admin()
    );
    expect_problem(clash, 409, "conflict");

    auto shown = http().get("/api/v1/admin/categories/" + id_of(kitchen), as_admin());
    ASSERT_EQ(shown.status, 200) << shown.body;
    EXPECT_EQ(shown.json().at("name"), "Kitchen");

    // Moving a category below its own descendant would close a cycle.
    auto cycle = http().request(
        "PATCH", "/api/v1/admin/categories/" + home_id, json({{"parent_id", id_of(pans)}}),
        {{"Authorization", "Bearer " + admin_->access_token}, {"Content-Type", "application/json"}}
    );
    expect_problem(cycle, 422, "validation");
    EXPECT_NE(cycle.body.find("/parent_id"), std::string::npos);

    auto moved = http().request(
        "PATCH", "/api/v1/admin/categories/" + id_of(pans),
        json({{"parent_id", nullptr}, {"name", "Pots & Pans"}, {"description", nullptr}}),
        {{"Authorization", "Bearer " + admin_->access_token}, {"Content-Type", "application/json"}}
    );
    ASSERT_EQ(moved.status, 200) << moved.body;
    EXPECT_TRUE(moved.json().at("parent_id").is_null());
    EXPECT_EQ(moved.json().at("name"), "Pots & Pans");
    EXPECT_EQ(moved.json().at("handle"), "pans") << "renaming keeps the handle";

    auto refused = http().request("DELETE", "/api/v1/admin/categories/" + home_id, "", as_admin());
    expect_problem(refused, 409, "conflict");
    auto deleted =
        http().request("DELETE", "/api/v1/admin/categories/" + id_of(kitchen), "", as_admin());
    EXPECT_EQ(deleted.status, 204) << deleted.body;
    expect_problem(
        http().get("/api/v1/admin/categories/" + id_of(kitchen), as_admin()), 404, "not-found"
    );
    EXPECT_EQ(
        http().request("DELETE", "/api/v1/admin/categories/" + home_id, "", as_admin()).status, 204
    );

    auto kitchen_events = test::event_types(*server_, id_of(kitchen));
    EXPECT_EQ(kitchen_events, (std::vector<std::string>{"category.created", "category.deleted"}));
    auto pans_events = test::event_types(*server_, id_of(pans));
    EXPECT_EQ(pans_events, (std::vector<std::string>{"category.created", "category.updated"}));
}

TEST_F(admin_categories, lists_categories_newest_first_with_a_cursor) {
    std::vector<std::string> made;
    for (int i = 0; i < 3; ++i) {
        made.push_back(id_of(create({{"name", "Listed " + std::to_string(i)}})));
    }
    auto first = http().get("/api/v1/admin/categories?limit=2", as_admin());
    ASSERT_EQ(first.status, 200) << first.body;
    auto items = first.json().at("items").as_array();
    ASSERT_EQ(items.size(), 2U);
    EXPECT_EQ(items[0].at("id"), boost::json::value(made[2]));
    EXPECT_EQ(items[1].at("id"), boost::json::value(made[1]));
    auto cursor = std::string{first.json().at("next_cursor").as_string()};
    auto second = http().get("/api/v1/admin/categories?limit=2&cursor=" + cursor, as_admin());
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(second.json().at("items").as_array()[0].at("id"), boost::json::value(made[0]));
}

TEST_F(admin_categories, storefront_serves_the_nested_tree_with_etag) {
    auto root = create({{"name", "Tree Root"}});
    auto child = create({{"name", "Tree Child"}, {"parent_id", id_of(root)}});
    auto tree = http().get("/api/v1/store/categories");
    ASSERT_EQ(tree.status, 200) << tree.body;
    EXPECT_EQ(tree.header("cache-control"), "public, max-age=60");
    auto etag = tree.header("etag");
    ASSERT_FALSE(etag.empty());
    bool nested = false;
    auto tree_body = tree.json();
    for (const auto& item : tree_body.at("items").as_array()) {
        if (item.at("id") == boost::json::value(id_of(root))) {
            const auto& kids = item.at("children").as_array();
            nested = kids.size() == 1 && kids[0].at("id") == boost::json::value(id_of(child));
        }
    }
    EXPECT_TRUE(nested) << tree.body;

    auto same = http().get("/api/v1/store/categories", {{"If-None-Match", etag}});
    EXPECT_EQ(same.status, 304);
    EXPECT_TRUE(same.body.empty());
    EXPECT_EQ(same.header("etag"), etag);

    // A change is visible at once (the snapshot is reloaded after the write) under a new ETag.
    create({{"name", "Tree Sibling"}});
    auto changed = http().get("/api/v1/store/categories", {{"If-None-Match", etag}});
    EXPECT_EQ(changed.status, 200);
    EXPECT_NE(changed.header("etag"), etag);
    EXPECT_NE(changed.body.find("Tree Sibling"), std::string::npos);
}

TEST_F(admin_categories, bad_input_is_refused_and_changes_nothing) {
    auto parent = create({{"name", "Unchanged Parent"}, {"handle", "unchanged-parent"}});
    auto pid = id_of(parent);
    auto before_categories = count("SELECT COUNT(*) FROM categories");
    auto before_events = count("SELECT COUNT(*) FROM events");
    auto headers = as_admin();
    headers["Content-Type"] = "application/json";

    struct bad {
        std::string method;
        std::string path;
        std::string body;
        int status;
        std::string slug;
        std::string pointer;
    };
    std::string one = "/api/v1/admin/categories/" + pid;
    std::vector<bad> cases{
        {"POST", "/api/v1/admin/categories", "{}", 422, "validation", "/name"},
        {"POST", "/api/v1/admin/categories", json({{"name", ""}}), 422, "validation", "/name"},
        {"POST", "/api/v1/admin/categories", json({{"name", std::string(101, 'x')}}), 422,
         "validation", "/name"},
        {"POST", "/api/v1/admin/categories", json({{"name", "X"}, {"handle", "Bad Handle"}}), 422,
         "validation", "/handle"},
        {"POST", "/api/v1/admin/categories", json({{"name", "X"}, {"colour", "red"}}), 422,
         "validation", "/colour"},
        {"POST", "/api/v1/admin/categories", json({{"name", "X"}, {"parent_id", "cat_nope"}}), 422,
         "validation", "/parent_id"},
        {"POST", "/api/v1/admin/categories",
         json({{"name", "X"}, {"parent_id", "cat_00000000000000000000000000"}}), 422, "validation",
         "/parent_id"},
        {"POST", "/api/v1/admin/categories", json({{"name", "X"}, {"position", -1}}), 422,
         "validation", "/position"},
        {"POST", "/api/v1/admin/categories", "{not json", 400, "bad-request", ""},
        {"POST", "/api/v1/admin/categories", "[1]", 422, "validation", ""},
        {"PATCH", one, json({{"name", nullptr}}), 422, "validation", "/name"},
        {"PATCH", one, json({{"handle", "unchanged-parent"}, {"nope", 1}}), 422, "validation",
         "/nope"},
        {"PATCH", one, json({{"parent_id", pid}}), 422, "validation", "/parent_id"},
        {"PATCH", "/api/v1/admin/categories/cat_00000000000000000000000000", json({{"name", "X"}}),
         404, "not-found", ""},
        {"DELETE", "/api/v1/admin/categories/cat_00000000000000000000000000", "", 404, "not-found",
         ""},
        {"GET", "/api/v1/admin/categories?limit=0", "", 400, "bad-request", ""},
        {"GET", "/api/v1/admin/categories?cursor=garbage", "", 400, "bad-request", ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.method + " " + c.path + " " + c.body);
        auto r = http().request(c.method, c.path, c.body, headers);
        expect_problem(r, c.status, c.slug);
        if (!c.pointer.empty()) {
            EXPECT_NE(r.body.find("\"pointer\":\"" + c.pointer + "\""), std::string::npos)
                << r.body;
        }
    }
    auto plain = http().request(
        "POST", "/api/v1/admin/categories", json({{"name", "X"}}),
        {{"Authorization", "Bearer " + admin_->access_token}, {"Content-Type", "text/plain"}}
    );
    expect_problem(plain, 415, "unsupported-media-type");

    EXPECT_EQ(count("SELECT COUNT(*) FROM categories"), before_categories);
    EXPECT_EQ(count("SELECT COUNT(*) FROM events"), before_events);
    auto reread = http().get(one, as_admin()).json();
    EXPECT_EQ(reread.at("name"), "Unchanged Parent");
    EXPECT_TRUE(reread.at("parent_id").is_null());
}

TEST_F(admin_categories, only_admins_edit_and_anyone_reads_the_tree) {
    auto who = test::principals::create(*server_);
    auto target = id_of(create({{"name", "Guarded"}}));
    auto victim = id_of(create({{"name", "Deleted By Admin"}}));
    const std::set<caller> everyone{test::every_caller.begin(), test::every_caller.end()};
    const std::set<caller> admin{caller::admin};
    std::vector<test::route_check> table{
        {"GET", "/api/v1/store/categories", "", everyone, 0, 200},
        {"GET", "/api/v1/admin/categories", "", admin, 403, 200},
        {"POST", "/api/v1/admin/categories", json({{"name", "By Role"}}), admin, 403, 201},
        {"GET", "/api/v1/admin/categories/" + target, "", admin, 403, 200},
        {"PATCH", "/api/v1/admin/categories/" + target, json({{"position", 3}}), admin, 403, 200},
        {"DELETE", "/api/v1/admin/categories/" + victim, "", admin, 403, 204},
    };
    test::check_routes(*server_, who, table);
}

}  // namespace
