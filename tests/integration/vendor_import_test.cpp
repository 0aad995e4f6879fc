// Bulk CSV import and export of a store's catalog: uploads queue a background job whose progress
// and error report the vendor reads; all_or_nothing writes nothing when a row is bad,
// skip_bad_rows writes the good rows; malformed files are refused at upload; an export imports
// back unchanged; other stores and customers see nothing. Runs on both profiles.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "support/env.hpp"
#include "support/roles.hpp"
#include "support/storefront.hpp"
#include "support/trader.hpp"
#include "support/vendors.hpp"

namespace {

using test::bearer;
using test::caller;
using test::expect_problem;

std::string text(const boost::json::value& v, const char* key) {
    return std::string{v.at(key).as_string()};
}

std::int64_t number(const boost::json::value& v, const char* key) { return v.at(key).as_int64(); }

const std::string header =
    "handle,title,description,status,category,tags,attributes,option1_name,option1_value,sku,"
    "price_EUR,price_USD,compare_at_EUR,weight_grams,stock\n";

class vendor_import : public test::admin_suite<vendor_import> {
protected:


    test::http_response upload_csv(
        const test::test_user& who, const std::string& csv, const std::string& query = ""
    ) {
        return http().request(
            "POST", "/api/v1/vendor/imports" + query, csv,
            {{"Authorization", "Bearer " + who.access_token}, {"Content-Type", "text/csv"}}
        );
    }

    test::http_response upload_form(
        const test::test_user& who, const std::string& csv, const std::string& mode
    ) {
        const std::string boundary = "----trader-import-test";
        std::string body = "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\n" + mode +
                           "\r\n--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; "
                           "filename=\"catalog.csv\"\r\nContent-Type: text/csv\r\n\r\n" +
                           csv + "\r\n--" + boundary + "--\r\n";
        return http().request(
            "POST", "/api/v1/vendor/imports", body,
            {{"Authorization", "Bearer " + who.access_token},
             {"Content-Type", "multipart/form-data; boundary=" + boundary}}
        );
    }

    // Uploads and polls the import until it has finished; returns its final state.
    boost::json::value import_and_wait(
        const test::test_user& who, const std::string& csv, const std::string& query = ""
    ) {
        auto r = upload_csv(who, csv, query);
        EXPECT_EQ(r.status, 202) << r.body;
        if (r.status != 202) {
            throw std::runtime_error("upload refused");
        }
        auto queued = r.json();
        EXPECT_EQ(r.header("location"), "/api/v1/vendor/imports/" + text(queued, "id"));
        return wait_for(who, text(queued, "id"));
    }

    boost::json::value wait_for(const test::test_user& who, const std::string& id) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes{5};
        std::int64_t last_processed = 0;
        for (;;) {
            auto r = http().get("/api/v1/vendor/imports/" + id, bearer(who.access_token));
            EXPECT_EQ(r.status, 200) << r.body;
            auto state = r.json();
            auto status = text(state, "status");
            EXPECT_GE(number(state, "processed_rows"), last_processed);  // progress only grows
            last_processed = number(state, "processed_rows");
            if (status == "succeeded" || status == "failed") {
                return state;
            }
            EXPECT_TRUE(status == "queued" || status == "running") << status;
            if (std::chrono::steady_clock::now() > deadline) {
                ADD_FAILURE() << "import " << id << " did not finish: " << r.body;
                throw std::runtime_error("import timed out");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds{50});
        }
    }

    std::string error_report(const test::test_user& who, const std::string& id) {
        auto r = http().get("/api/v1/vendor/imports/" + id + "/errors", bearer(who.access_token));
        EXPECT_EQ(r.status, 200) << r.body;
        EXPECT_TRUE(r.header("content-type").starts_with("text/csv")) << r.header("content-type");
        return r.body;
    }

    // The store's products by handle, from the vendor API.
    std::map<std::string, boost::json::object> products_of(const test::test_user& who) {
        std::map<std::string, boost::json::object> out;
        std::string target = "/api/v1/vendor/products?limit=100";
        for (;;) {
            auto r = http().get(target, bearer(who.access_token));
            EXPECT_EQ(r.status, 200) << r.body;
            auto page = r.json();
            const auto items = page.at("items").as_array();
            for (const auto& item : items) {
                out[text(item, "handle")] = item.as_object();
            }
            if (page.at("next_cursor").is_null()) {
                return out;
            }
            target = "/api/v1/vendor/products?limit=100&cursor=" + text(page, "next_cursor");
        }
    }

    std::int64_t count(const std::string& sql, infra::db::params args = {}) {
        test::server_db db{*server_};
        return db.count(sql, std::move(args));
    }

};


const boost::json::object* variant_with_sku(
    const boost::json::object& product, const std::string& sku
) {
    for (const auto& v : product.at("variants").as_array()) {
        if (v.at("sku").as_string() == sku) {
            return &v.as_object();
        }
    }
    return nullptr;
}

std::int64_t price_in(const boost::json::object& variant, const char* key, const char* currency) {
    for (const auto& p : variant.at(key).as_array()) {
        if (p.at("currency").as_string() == currency) {
            return p.at("amount").as_int64();
        }
    }
    return -1;
}

TEST_F(vendor_import, imports_products_with_variants_and_publishes_them_to_the_storefront) {
    auto shop = test::open_store(*server_, *admin_, "Import Happy Shop");
    category("Import Shirts");
    auto csv = header +
               "linen-shirt,Linen Shirt,\"Light, airy\nlinen.\",published,import-shirts,"
               "\"summer, linen\",\"{\"\"material\"\":\"\"linen\"\"}\",size,S,LIN-S,2999,3299,3999,"
               "250,5\n"
               "linen-shirt,,,,,,,size,M,LIN-M,2999,,,260,7\n"
               "linen-shirt,,,,,,,size,L,LIN-L,3099,,,270,0\n"
               "wool-scarf,Wool Scarf,,,,,,,,WOOL-1,1500,,,,12\n";
    auto done = import_and_wait(shop.owner, csv);
    EXPECT_EQ(text(done, "status"), "succeeded") << done;
    EXPECT_EQ(text(done, "mode"), "all_or_nothing");
    EXPECT_EQ(number(done, "total_rows"), 4);
    EXPECT_EQ(number(done, "processed_rows"), 4);
    EXPECT_EQ(number(done, "created"), 2);
    EXPECT_EQ(number(done, "updated"), 0);
    EXPECT_EQ(number(done, "failed_rows"), 0);
    EXPECT_EQ(error_report(shop.owner, text(done, "id")), "row,column,message\r\n");

    auto products = products_of(shop.owner);
    ASSERT_EQ(products.size(), 2U);
    const auto& shirt = products.at("linen-shirt");
    EXPECT_EQ(shirt.at("title"), "Linen Shirt");
    EXPECT_EQ(shirt.at("description"), "Light, airy\nlinen.");
    EXPECT_EQ(shirt.at("status"), "published");
    EXPECT_EQ(shirt.at("tags"), (boost::json::array{"summer", "linen"}));
    EXPECT_EQ(shirt.at("attributes").at("material"), "linen");
    ASSERT_EQ(shirt.at("variants").as_array().size(), 3U);
    const auto* small = variant_with_sku(shirt, "LIN-S");
    ASSERT_NE(small, nullptr);
    EXPECT_EQ(price_in(*small, "prices", "EUR"), 2999);
    EXPECT_EQ(price_in(*small, "prices", "USD"), 3299);
    EXPECT_EQ(price_in(*small, "compare_at_prices", "EUR"), 3999);
    EXPECT_EQ(small->at("stock"), 5);
    EXPECT_EQ(small->at("weight_grams"), 250);
    EXPECT_EQ(small->at("options").at("size"), "S");
    EXPECT_EQ(variant_with_sku(shirt, "LIN-M")->at("stock"), 7);
    EXPECT_EQ(products.at("wool-scarf").at("status"), "draft");
    EXPECT_EQ(products.at("wool-scarf").at("variants").as_array().size(), 1U);

    auto shirt_id = std::string{shirt.at("id").as_string()};
    auto events = test::event_types(*server_, shirt_id);
    EXPECT_NE(std::find(events.begin(), events.end(), "product.created"), events.end());
    EXPECT_NE(std::find(events.begin(), events.end(), "product.published"), events.end());
    test::wait_for_events(*server_);
    auto page = http().get("/api/v1/store/vendors/" + shop.handle + "/products/linen-shirt");
    EXPECT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(
        http().get("/api/v1/store/vendors/" + shop.handle + "/products/wool-scarf").status, 404
    );

    auto listed = http().get("/api/v1/vendor/imports", bearer(shop.owner.access_token));
    ASSERT_EQ(listed.status, 200) << listed.body;
    auto list = listed.json();
    ASSERT_EQ(list.at("items").as_array().size(), 1U);
    EXPECT_EQ(list.at("items").as_array()[0].at("id"), done.at("id"));
    EXPECT_TRUE(list.at("next_cursor").is_null());
}

TEST_F(vendor_import, updates_products_by_handle_and_variants_by_sku) {
    auto shop = test::open_store(*server_, *admin_, "Import Update Shop");
    auto made = test::create_product(http(), shop.owner, test::product_body("Update Me", "UPD", 2));
    auto id = text(made, "id");
    ASSERT_EQ(text(made, "handle"), "update-me");
    // UPD-1 gets a new price and keeps its stock (blank); UPD-2 is not in the file and stays;
    // UPD-9 is new.
    auto csv = header +
               "update-me,Updated Title,New text.,,,test,,size,S,UPD-1,4000,,,300,\n"
               "update-me,,,,,,,size,XL,UPD-9,4500,,,,3\n";
    auto done = import_and_wait(shop.owner, csv);
    EXPECT_EQ(text(done, "status"), "succeeded") << done;
    EXPECT_EQ(number(done, "created"), 0);
    EXPECT_EQ(number(done, "updated"), 1);

    auto p = http().get("/api/v1/vendor/products/" + id, bearer(shop.owner.access_token)).json();
    const auto& product = p.as_object();
    EXPECT_EQ(product.at("title"), "Updated Title");
    EXPECT_EQ(product.at("version"), 2);
    ASSERT_EQ(product.at("variants").as_array().size(), 3U);
    const auto* first = variant_with_sku(product, "UPD-1");
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->at("id"), made.at("variants").as_array()[0].at("id"));  // same variant
    EXPECT_EQ(price_in(*first, "prices", "EUR"), 4000);
    EXPECT_EQ(first->at("stock"), 10);
    EXPECT_EQ(variant_with_sku(product, "UPD-2")->at("stock"), 11);
    EXPECT_EQ(variant_with_sku(product, "UPD-9")->at("stock"), 3);
    auto events = test::event_types(*server_, id);
    EXPECT_EQ(events.back(), "product.updated");

    // The same file again changes nothing.
    auto again = import_and_wait(shop.owner, csv);
    EXPECT_EQ(text(again, "status"), "succeeded") << again;
    EXPECT_EQ(number(again, "updated"), 0);
    EXPECT_EQ(number(again, "unchanged"), 1);
    auto after =
        http().get("/api/v1/vendor/products/" + id, bearer(shop.owner.access_token)).json();
    EXPECT_EQ(after.at("version"), 2);
}

TEST_F(vendor_import, all_or_nothing_fails_on_one_bad_row_and_writes_nothing) {
    auto shop = test::open_store(*server_, *admin_, "Import Strict Shop");
    auto before_events = count("SELECT COUNT(*) FROM events");
    auto csv = header +
               "good-one,Good One,,,,,,,,AON-1,1000,,,,1\n"
               "bad-price,Bad Price,,,,,,,,AON-2,-5,,,,1\n"
               "good-two,Good Two,,,,,,,,AON-3,1000,,,,1\n";
    auto done = import_and_wait(shop.owner, csv);
    EXPECT_EQ(text(done, "status"), "failed") << done;
    EXPECT_EQ(number(done, "created"), 0);
    EXPECT_EQ(number(done, "failed_rows"), 1);
    EXPECT_EQ(number(done, "processed_rows"), 3);
    EXPECT_FALSE(done.at("failure").is_null());
    EXPECT_TRUE(products_of(shop.owner).empty());
    EXPECT_EQ(count("SELECT COUNT(*) FROM products WHERE vendor_id = $1", {shop.vendor_id}), 0);
    EXPECT_EQ(count("SELECT COUNT(*) FROM events"), before_events);

    auto report = error_report(shop.owner, text(done, "id"));
    EXPECT_NE(report.find("3,price_EUR,"), std::string::npos) << report;
    auto json = http().get(
        "/api/v1/vendor/imports/" + text(done, "id") + "/errors",
        {{"Authorization", "Bearer " + shop.owner.access_token}, {"Accept", "application/json"}}
    );
    ASSERT_EQ(json.status, 200) << json.body;
    auto lines = json.json();
    ASSERT_EQ(lines.at("items").as_array().size(), 1U);
    EXPECT_EQ(lines.at("items").as_array()[0].at("row"), 3);
    EXPECT_EQ(lines.at("items").as_array()[0].at("column"), "price_EUR");
}

TEST_F(vendor_import, skip_bad_rows_writes_the_good_rows_and_reports_the_bad_ones) {
    auto shop = test::open_store(*server_, *admin_, "Import Lenient Shop");
    test::create_product(http(), shop.owner, test::product_body("Existing", "TAKEN", 1));
    auto long_title = std::string(201, 'x');
    auto csv = header +
               "ok-one,Ok One,,,,,,,,SKIP-1,1000,,,,1\n"              // 2
               "cents,Cents,,,,,,,,SKIP-2,10.50,,,,1\n"               // 3 non-integer price
               "ok-two,Ok Two,,,,,,size,S,SKIP-3,1000,,,,1\n"         // 4
               "ok-two,,,,,,,size,M,SKIP-3,1000,,,,1\n"               // 5 SKU twice in the file
               "lost,Lost,,,no-such-category,,,,,SKIP-5,1000,,,,1\n"  // 6 unknown category
               "taken,Taken,,,,,,,,TAKEN-1,1000,,,,1\n"               // 7 SKU of another product
               "long," +
               long_title +
               ",,,,,,,,SKIP-7,1000,,,,1\n"                    // 8 title too long
               "minus,Minus,,,,,,,,SKIP-8,-1,,,,1\n"           // 9 negative price
               "ok-three,Ok Three,,,,,,,,SKIP-9,1000,,,,1\n";  // 10
    auto r = upload_form(shop.owner, csv, "skip_bad_rows");
    ASSERT_EQ(r.status, 202) << r.body;
    auto queued = r.json();
    EXPECT_EQ(text(queued, "mode"), "skip_bad_rows");
    EXPECT_EQ(text(queued, "filename"), "catalog.csv");
    auto done = wait_for(shop.owner, text(queued, "id"));
    EXPECT_EQ(text(done, "status"), "succeeded") << done;
    EXPECT_EQ(number(done, "created"), 3);
    EXPECT_EQ(number(done, "failed_rows"), 6);
    EXPECT_EQ(number(done, "processed_rows"), 9);

    auto products = products_of(shop.owner);
    EXPECT_TRUE(products.contains("ok-one"));
    EXPECT_TRUE(products.contains("ok-two"));
    EXPECT_TRUE(products.contains("ok-three"));
    EXPECT_FALSE(products.contains("cents"));
    EXPECT_FALSE(products.contains("lost"));
    EXPECT_EQ(products.at("ok-two").at("variants").as_array().size(), 1U);

    auto report = error_report(shop.owner, text(done, "id"));
    for (const char* expected :
         {"3,price_EUR,", "5,sku,", "6,category,", "7,sku,", "8,title,", "9,price_EUR,"}) {
        EXPECT_NE(report.find(std::string{"\r\n"} + expected), std::string::npos)
            << expected << " in " << report;
    }
    EXPECT_EQ(report.find("\r\n2,"), std::string::npos) << report;
    EXPECT_EQ(report.find("\r\n10,"), std::string::npos) << report;
}

TEST_F(vendor_import, refuses_malformed_files_at_upload_and_queues_nothing) {
    auto shop = test::open_store(*server_, *admin_, "Import Refusing Shop");
    auto unclosed = upload_csv(shop.owner, header + "a,\"open,,,,,,,,X-1,1,,,,1\n");
    expect_problem(unclosed, 422, "validation");
    EXPECT_NE(unclosed.body.find("row 2"), std::string::npos) << unclosed.body;

    auto unknown = upload_csv(shop.owner, "handle,title,sku,price_EUR,colour\nx,X,X-1,100,red\n");
    expect_problem(unknown, 422, "validation");
    EXPECT_NE(unknown.body.find("/header/colour"), std::string::npos) << unknown.body;

    auto currency = upload_csv(shop.owner, "handle,title,sku,price_XYZ\nx,X,X-1,100\n");
    expect_problem(currency, 422, "validation");
    EXPECT_NE(currency.body.find("/header/price_XYZ"), std::string::npos) << currency.body;

    auto missing = upload_csv(shop.owner, "handle,title,price_EUR\nx,X,100\n");
    expect_problem(missing, 422, "validation");
    EXPECT_NE(missing.body.find("/header/sku"), std::string::npos) << missing.body;

    expect_problem(upload_csv(shop.owner, header), 422, "validation");
    expect_problem(
        upload_csv(shop.owner, header + "x,X,,,,,,,,X-1,1,,,,1\n", "?mode=maybe"), 400,
        "bad-request"
    );
    auto typed = http().request(
        "POST", "/api/v1/vendor/imports", header,
        {{"Authorization", "Bearer " + shop.owner.access_token},
         {"Content-Type", "application/json"}}
    );
    expect_problem(typed, 415, "unsupported-media-type");
    auto no_file = upload_form(shop.owner, "", "all_or_nothing");
    expect_problem(no_file, 422, "validation");

    auto listed = http().get("/api/v1/vendor/imports", bearer(shop.owner.access_token)).json();
    EXPECT_TRUE(listed.at("items").as_array().empty());
    EXPECT_EQ(count("SELECT COUNT(*) FROM products WHERE vendor_id = $1", {shop.vendor_id}), 0);
}

TEST_F(vendor_import, another_store_and_customers_cannot_reach_an_import) {
    auto mine = test::open_store(*server_, *admin_, "Import Owner Shop");
    auto theirs = test::open_store(*server_, *admin_, "Import Other Shop");
    auto done =
        import_and_wait(mine.owner, header + "private-thing,Private,,,,,,,,PRIV-1,100,,,,1\n");
    auto id = text(done, "id");
    for (const auto& path :
         {"/api/v1/vendor/imports/" + id, "/api/v1/vendor/imports/" + id + "/errors"}) {
        expect_problem(http().get(path, bearer(theirs.owner.access_token)), 404, "not-found");
    }
    // Existence does not leak: a made-up id answers the same.
    expect_problem(
        http().get(
            "/api/v1/vendor/imports/imp_00000000000000000000000000",
            bearer(theirs.owner.access_token)
        ),
        404, "not-found"
    );
    auto listed = http().get("/api/v1/vendor/imports", bearer(theirs.owner.access_token)).json();
    EXPECT_TRUE(listed.at("items").as_array().empty());
    auto exported = http().get("/api/v1/vendor/products/export", bearer(theirs.owner.access_token));
    EXPECT_EQ(exported.body.find("private-thing"), std::string::npos);

    auto who = test::principals::create(*server_);
    const std::set<caller> nobody{};
    // Customers lack the role; the vendor principal has the role but no store: 403 throughout.
    std::vector<test::route_check> table{
        {"GET", "/api/v1/vendor/imports", "", nobody, 403},
        {"GET", "/api/v1/vendor/imports/" + id, "", nobody, 403},
        {"GET", "/api/v1/vendor/imports/" + id + "/errors", "", nobody, 403},
        {"GET", "/api/v1/vendor/products/export", "", nobody, 403},
    };
    test::check_routes(*server_, who, table);
    // Uploads: the customer lacks the role, the vendor principal has no store.
    auto csv = header + "sneaky,Sneaky,,,,,,,,SNEAK-1,100,,,,1\n";
    expect_problem(upload_csv(who.user(caller::customer), csv), 403, "forbidden");
    expect_problem(upload_csv(who.user(caller::vendor), csv), 403, "forbidden");
    auto anonymous =
        http().request("POST", "/api/v1/vendor/imports", csv, {{"Content-Type", "text/csv"}});
    expect_problem(anonymous, 401, "unauthenticated");
    EXPECT_EQ(
        count("SELECT COUNT(*) FROM vendor_imports WHERE vendor_id = $1", {mine.vendor_id}), 1
    );
}

TEST_F(vendor_import, another_stores_import_never_touches_my_products) {
    auto mine = test::open_store(*server_, *admin_, "Import Victim Shop");
    auto made =
        test::create_product(http(), mine.owner, test::product_body("Victim Tee", "VIC", 1));
    auto theirs = test::open_store(*server_, *admin_, "Import Intruder Shop");
    // The same handle and SKU in another store's file make that store's own product.
    auto done = import_and_wait(theirs.owner, header + "victim-tee,Hijacked,,,,,,,,VIC-1,1,,,,0\n");
    EXPECT_EQ(text(done, "status"), "succeeded") << done;
    EXPECT_EQ(number(done, "created"), 1);
    auto still =
        http().get("/api/v1/vendor/products/" + text(made, "id"), bearer(mine.owner.access_token));
    EXPECT_EQ(still.json().at("title"), "Victim Tee");
    EXPECT_EQ(still.json().at("version"), 1);
    EXPECT_EQ(products_of(theirs.owner).at("victim-tee").at("title"), "Hijacked");
}

TEST_F(vendor_import, runs_an_import_whose_worker_died) {
    auto shop = test::open_store(*server_, *admin_, "Import Abandoned Shop");
    // As an instance that claimed the import and died would leave it: running, lease expired.
    const std::string id = "imp_01j" + std::string(23, 'z');
    auto csv = header + "orphan,Orphan,,,,,,,,ORPHAN-1,100,,,,1\n";
    {
        test::server_db db{*server_};
        db.execute(
            "INSERT INTO vendor_imports (id, vendor_id, user_id, mode, status, content, "
            "size_bytes, "
            "total_rows, attempts, lease_owner, lease_until_ms, started_at_ms, created_at_ms, "
            "updated_at_ms) VALUES ($1, $2, $3, 'all_or_nothing', 'running', $4, $5, 1, 1, "
            "'lease_dead', 1, 1, 1, 1)",
            {id, shop.vendor_id, shop.owner.id, csv, static_cast<std::int64_t>(csv.size())}
        );
    }
    // Instances look for abandoned imports every few seconds, and whenever an upload wakes them:
    // the next upload runs the older, abandoned import first.
    auto next = import_and_wait(shop.owner, header + "later,Later,,,,,,,,LATER-1,100,,,,1\n");
    EXPECT_EQ(text(next, "status"), "succeeded") << next;
    auto done = wait_for(shop.owner, id);
    EXPECT_EQ(text(done, "status"), "succeeded") << done;
    EXPECT_EQ(number(done, "created"), 1);
    EXPECT_LE(text(done, "finished_at"), text(next, "finished_at"));
    EXPECT_TRUE(products_of(shop.owner).contains("orphan"));
    EXPECT_EQ(count("SELECT attempts FROM vendor_imports WHERE id = $1", {id}), 2);
}

TEST(vendor_import_limits, refuses_files_over_the_size_and_row_limits) {
    auto env = test::many_sign_ins_env();
    env["TRADER_IMPORT_MAX_BYTES"] = "2048";
    env["TRADER_IMPORT_MAX_ROWS"] = "3";
    test::trader_process server{test::trader_options{env}};
    auto admin = test::make_admin(server);
    auto shop = test::open_store(server, admin, "Import Limits Shop");
    auto upload = [&](const std::string& csv) {
        return server.http().request(
            "POST", "/api/v1/vendor/imports", csv,
            {{"Authorization", "Bearer " + shop.owner.access_token}, {"Content-Type", "text/csv"}}
        );
    };
    std::string rows;
    for (int i = 0; i < 4; ++i) {
        rows += "p-" + std::to_string(i) + ",P,,,,,,,,SKU-" + std::to_string(i) + ",1,,,,1\n";
    }
    auto many = upload(header + rows);
    expect_problem(many, 422, "validation");
    EXPECT_NE(many.body.find("more than 3 rows"), std::string::npos) << many.body;
    expect_problem(upload(header + std::string(3000, '\n')), 413, "payload-too-large");
    // Past the route's limit (the file's plus room for a multipart envelope): refused unread.
    expect_problem(upload(header + std::string(80 * 1024, '\n')), 413, "payload-too-large");
    EXPECT_EQ(
        server.http()
            .get("/api/v1/vendor/imports", bearer(shop.owner.access_token))
            .json()
            .at("items")
            .as_array()
            .size(),
        0U
    );
}

TEST_F(vendor_import, an_export_imports_back_unchanged) {
    auto shop = test::open_store(*server_, *admin_, "Import Round Trip Shop");
    auto cat = category("Round Trip Things");
    auto body = test::product_body("Round Trip Tee", "RT", 3);
    body["category_id"] = cat;
    body["tags"] = boost::json::array{"a, b", "plain"};
    body["description"] = "Line one\nLine \"two\", with comma";
    auto& variants = body["variants"].as_array();
    variants[0].as_object()["compare_at_prices"] =
        boost::json::array{{{"currency", "EUR"}, {"amount", 3500}}};
    variants[0].as_object()["prices"].as_array().push_back({{"currency", "USD"}, {"amount", 2700}});
    variants[1].as_object().erase("weight_grams");
    auto tee = test::create_product(http(), shop.owner, body);
    auto plain =
        test::create_product(http(), shop.owner, test::product_body("Plain Mug", "MUG", 1));
    auto publish = http().request(
        "POST", "/api/v1/vendor/products/" + text(tee, "id") + "/publish", "",
        bearer(shop.owner.access_token)
    );
    ASSERT_EQ(publish.status, 200) << publish.body;
    auto gone = test::create_product(http(), shop.owner, test::product_body("Gone", "GONE", 1));
    ASSERT_EQ(
        http()
            .request(
                "DELETE", "/api/v1/vendor/products/" + text(gone, "id"), "",
                bearer(shop.owner.access_token)
            )
            .status,
        204
    );

    auto exported = http().get("/api/v1/vendor/products/export", bearer(shop.owner.access_token));
    ASSERT_EQ(exported.status, 200) << exported.body;
    EXPECT_TRUE(exported.header("content-type").starts_with("text/csv"));
    EXPECT_NE(exported.header("content-disposition").find("attachment"), std::string::npos);
    EXPECT_EQ(exported.body.find("GONE-1"), std::string::npos);
    EXPECT_NE(exported.body.find("round-trip-things"), std::string::npos);  // category by handle
    EXPECT_NE(exported.body.find("price_USD"), std::string::npos);
    auto before = products_of(shop.owner);

    auto done = import_and_wait(shop.owner, exported.body);
    EXPECT_EQ(text(done, "status"), "succeeded") << done;
    EXPECT_EQ(number(done, "total_rows"), 4);
    EXPECT_EQ(number(done, "created"), 0);
    EXPECT_EQ(number(done, "updated"), 0);
    EXPECT_EQ(number(done, "unchanged"), 2);
    EXPECT_EQ(products_of(shop.owner), before);
    auto again = http().get("/api/v1/vendor/products/export", bearer(shop.owner.access_token));
    EXPECT_EQ(again.body, exported.body);

    // Into another store, the same file creates the same catalog.
    auto copy = test::open_store(*server_, *admin_, "Import Copy Shop");
    auto copied = import_and_wait(copy.owner, exported.body);
    EXPECT_EQ(text(copied, "status"), "succeeded") << copied;
    EXPECT_EQ(number(copied, "created"), 2);
    auto copy_export =
        http().get("/api/v1/vendor/products/export", bearer(copy.owner.access_token));
    EXPECT_EQ(copy_export.body, exported.body);
    (void)plain;
}

TEST_F(vendor_import, imports_ten_thousand_rows) {
    auto shop = test::open_store(*server_, *admin_, "Import Bulk Shop");
    std::string csv = header;
    csv.reserve(1'000'000);
    const char* sizes[] = {"S", "M", "L", "XL"};
    for (int p = 0; p < 2500; ++p) {
        auto handle = "bulk-product-" + std::to_string(p);
        for (int v = 0; v < 4; ++v) {
            csv += handle + "," + (v == 0 ? "Bulk Product " + std::to_string(p) : "") +
                   ",,,,,,size," + sizes[v] + ",BULK-" + std::to_string(p) + "-" +
                   std::to_string(v) + "," + std::to_string(1000 + p) + ",,,," + std::to_string(v) +
                   "\n";
        }
    }
    auto started = std::chrono::steady_clock::now();
    auto done = import_and_wait(shop.owner, csv);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started
    )
                  .count();
    std::cout << "[ timing ] 10000-row import (" << test::profile() << "): " << ms << " ms\n";
    EXPECT_EQ(text(done, "status"), "succeeded") << done;
    EXPECT_EQ(number(done, "total_rows"), 10000);
    EXPECT_EQ(number(done, "created"), 2500);
    EXPECT_EQ(count("SELECT COUNT(*) FROM variants WHERE vendor_id = $1", {shop.vendor_id}), 10000);
}

}  // namespace
