// Idempotency-Key on POST routes, through product creation: the first response is replayed to a
// retry and nothing is created twice; another request with the key is a 409; keys are per caller;
// malformed keys are refused; concurrent retries create one product; a key whose attempt died is
// freed by its lock timeout; expired keys are purged.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/roles.hpp"
#include "support/trader.hpp"
#include "support/vendors.hpp"

namespace {

using test::expect_problem;

std::string json(const boost::json::value& v) { return boost::json::serialize(v); }

std::map<std::string, std::string> with_key(const test::test_user& u, const std::string& key) {
    return {{"Authorization", "Bearer " + u.access_token}, {"Idempotency-Key", key}};
}

std::string sha256_hex(const std::string& data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(hex[digest[i] >> 4U]);
        out.push_back(hex[digest[i] & 0xFU]);
    }
    return out;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()
    )
        .count();
}

class idempotency : public test::admin_suite<idempotency> {
public:
    static void configure(std::map<std::string, std::string>& env) {
        env["TRADER_IDEMPOTENCY_PURGE_INTERVAL"] = "100ms";
    }

protected:
    std::int64_t products_of(const test::store_account& shop) {
        test::server_db db{*server_};
        return db.count("SELECT COUNT(*) FROM products WHERE vendor_id = $1", {shop.vendor_id});
    }
    std::int64_t keys_of(const test::test_user& u) {
        test::server_db db{*server_};
        return db.count("SELECT COUNT(*) FROM idempotency_keys WHERE scope = $1", {"user:" + u.id});
    }
    // Product bodies: SKUs are unique per store, so products meant to coexist need their own.
    std::string product(const std::string& title, const std::string& sku = "IDEM") {
        return json(test::product_body(title, sku, 2));
    }
};

TEST_F(idempotency, a_retry_replays_the_first_response_and_creates_nothing_more) {
    auto shop = test::open_store(*server_, *admin_, "Replay Shop");
    auto body = product("Replayed Shirt");

    auto first = http().post_json("/api/v1/vendor/products", body, with_key(shop.owner, "k-1"));
    ASSERT_EQ(first.status, 201) << first.body;
    EXPECT_EQ(first.header("idempotent-replayed"), "");
    auto again = http().post_json("/api/v1/vendor/products", body, with_key(shop.owner, "k-1"));

    EXPECT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(again.header("content-type"), first.header("content-type"));
    EXPECT_EQ(again.header("location"), first.header("location"));
    EXPECT_FALSE(first.header("etag").empty());
    EXPECT_EQ(again.header("etag"), first.header("etag"));
    EXPECT_EQ(again.header("idempotent-replayed"), "true");
    EXPECT_NE(again.header("x-request-id"), first.header("x-request-id"));
    EXPECT_EQ(products_of(shop), 1);
    auto id = std::string{first.json().at("id").as_string()};
    EXPECT_EQ(test::event_types(*server_, id).size(), 1U) << "one product.created event";
}

TEST_F(idempotency, the_same_key_for_another_request_is_a_conflict_that_changes_nothing) {
    auto shop = test::open_store(*server_, *admin_, "Conflict Shop");
    auto first = http().post_json(
        "/api/v1/vendor/products", product("First Shirt"), with_key(shop.owner, "k-conflict")
    );
    ASSERT_EQ(first.status, 201) << first.body;
    auto id = std::string{first.json().at("id").as_string()};

    auto other_body = http().post_json(
        "/api/v1/vendor/products", product("Second Shirt"), with_key(shop.owner, "k-conflict")
    );
    expect_problem(other_body, 409, "idempotency-conflict");
    EXPECT_NE(
        other_body.json().at("detail").as_string().find("different request"), std::string::npos
    ) << other_body.body;

    auto other_route = http().post_json(
        "/api/v1/vendor/products/" + id + "/publish", "", with_key(shop.owner, "k-conflict")
    );
    expect_problem(other_route, 409, "idempotency-conflict");

    EXPECT_EQ(products_of(shop), 1);
    auto still = http().get("/api/v1/vendor/products/" + id, test::bearer(shop.owner.access_token));
    ASSERT_EQ(still.status, 200) << still.body;
    EXPECT_EQ(still.json().at("status"), "draft");
    EXPECT_EQ(still.json().at("title"), "First Shirt");
}

TEST_F(idempotency, keys_belong_to_their_caller) {
    auto one = test::open_store(*server_, *admin_, "Scope Shop One");
    auto two = test::open_store(*server_, *admin_, "Scope Shop Two");
    auto body = product("Shared Key Shirt");

    auto a = http().post_json("/api/v1/vendor/products", body, with_key(one.owner, "shared-key"));
    auto b = http().post_json("/api/v1/vendor/products", body, with_key(two.owner, "shared-key"));

    ASSERT_EQ(a.status, 201) << a.body;
    ASSERT_EQ(b.status, 201) << b.body;
    EXPECT_EQ(b.header("idempotent-replayed"), "");
    EXPECT_NE(a.json().at("id"), b.json().at("id"));
    EXPECT_EQ(b.json().at("vendor_id"), boost::json::value(two.vendor_id));
    EXPECT_EQ(products_of(one), 1);
    EXPECT_EQ(products_of(two), 1);
}

TEST_F(idempotency, malformed_keys_are_refused_before_anything_runs) {
    auto shop = test::open_store(*server_, *admin_, "Bad Key Shop");
    auto body = product("Bad Key Shirt");
    const std::vector<std::string> bad{"", std::string(256, 'k'), "caf\xc3\xa9"};
    for (const auto& key : bad) {
        auto r = http().post_json("/api/v1/vendor/products", body, with_key(shop.owner, key));
        expect_problem(r, 400, "bad-request");
        EXPECT_NE(r.body.find("Idempotency-Key"), std::string::npos) << r.body;
    }
    EXPECT_EQ(products_of(shop), 0);
    EXPECT_EQ(keys_of(shop.owner), 0);

    auto longest = http().post_json(
        "/api/v1/vendor/products", body, with_key(shop.owner, std::string(255, 'k'))
    );
    EXPECT_EQ(longest.status, 201) << longest.body;
    EXPECT_EQ(keys_of(shop.owner), 1);
}

TEST_F(idempotency, requests_without_a_key_are_not_recorded) {
    auto shop = test::open_store(*server_, *admin_, "No Key Shop");
    auto a = http().post_json(
        "/api/v1/vendor/products", product("Unkeyed Shirt", "UNK-A"),
        test::bearer(shop.owner.access_token)
    );
    auto b = http().post_json(
        "/api/v1/vendor/products", product("Unkeyed Shirt", "UNK-B"),
        test::bearer(shop.owner.access_token)
    );
    EXPECT_EQ(a.status, 201) << a.body;
    EXPECT_EQ(b.status, 201) << b.body;
    EXPECT_EQ(products_of(shop), 2);
    EXPECT_EQ(keys_of(shop.owner), 0);
}

TEST_F(idempotency, client_errors_are_stored_and_replayed) {
    auto shop = test::open_store(*server_, *admin_, "Refused Shop");
    auto invalid = test::product_body("", "BAD", 1);
    auto first = http().post_json(
        "/api/v1/vendor/products", json(invalid), with_key(shop.owner, "k-invalid")
    );
    expect_problem(first, 422, "validation");
    auto again = http().post_json(
        "/api/v1/vendor/products", json(invalid), with_key(shop.owner, "k-invalid")
    );
    expect_problem(again, 422, "validation");  // instance names the retry
    EXPECT_EQ(again.header("idempotent-replayed"), "true");
    EXPECT_EQ(again.json().at("errors"), first.json().at("errors"));
    EXPECT_EQ(products_of(shop), 0);
}

TEST_F(idempotency, anonymous_callers_keys_are_not_stored) {
    test::server_db db{*server_};
    auto before = db.count("SELECT COUNT(*) FROM idempotency_keys");
    auto email = test::unique_email("anon-idem");
    auto body = json(boost::json::object{
        {"email", email}, {"password", test::test_password}, {"name", "Anon Idem"}});
    auto first = http().post_json("/api/v1/auth/register", body, {{"Idempotency-Key", "anon-1"}});
    ASSERT_EQ(first.status, 201) << first.body;
    auto again = http().post_json("/api/v1/auth/register", body, {{"Idempotency-Key", "anon-1"}});
    // Run again, not replayed: an anonymous key binds to no one, so nobody may read its response.
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(again.header("idempotent-replayed"), "");
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM idempotency_keys"), before);
}

TEST_F(idempotency, concurrent_retries_create_one_product) {
    auto shop = test::open_store(*server_, *admin_, "Race Shop");
    auto body = product("Raced Shirt");
    constexpr int callers = 12;
    std::vector<test::http_response> answers(callers);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < callers; ++i) {
        threads.emplace_back([&, i] {
            test::http_client client{server_->port()};
            ready.fetch_add(1);
            while (ready.load() < callers) {
                std::this_thread::yield();
            }
            answers[static_cast<std::size_t>(i)] =
                client.post_json("/api/v1/vendor/products", body, with_key(shop.owner, "k-race"));
        });
    }
    for (auto& t : threads) {
        t.join();
    }

    std::set<std::string> ids;
    int created = 0;
    int busy = 0;
    for (const auto& a : answers) {
        if (a.status == 201) {
            ++created;
            ids.insert(std::string{a.json().at("id").as_string()});
        } else {
            expect_problem(a, 409, "idempotency-conflict");
            EXPECT_NE(a.body.find("still being processed"), std::string::npos) << a.body;
            EXPECT_EQ(a.header("retry-after"), "1");
            ++busy;
        }
    }
    EXPECT_GE(created, 1);
    EXPECT_EQ(created + busy, callers);
    EXPECT_EQ(ids.size(), 1U) << "every 201 is the same product";
    EXPECT_EQ(products_of(shop), 1);

    auto after = http().post_json("/api/v1/vendor/products", body, with_key(shop.owner, "k-race"));
    EXPECT_EQ(after.status, 201) << after.body;
    EXPECT_EQ(after.header("idempotent-replayed"), "true");
    EXPECT_EQ(ids.count(std::string{after.json().at("id").as_string()}), 1U);
}

TEST_F(idempotency, a_running_key_refuses_retries_until_its_lock_expires) {
    auto shop = test::open_store(*server_, *admin_, "Crashed Shop");
    auto body = product("Crashed Shirt");
    test::server_db db{*server_};
    // What an attempt that is still running (or whose instance died) leaves behind.
    auto running = [&](std::int64_t locked_until_ms) {
        db.execute("DELETE FROM idempotency_keys WHERE scope = $1", {"user:" + shop.owner.id});
        db.execute(
            "INSERT INTO idempotency_keys (scope, idem_key, method, path, body_sha256, state, "
            "owner, locked_until_ms, request_id, created_at_ms, expires_at_ms) VALUES ($1, $2, "
            "'POST', '/api/v1/vendor/products', $3, 'running', 'idem_dead', $4, 'req_dead', $5, "
            "$6)",
            {"user:" + shop.owner.id, "k-crash", sha256_hex(body), locked_until_ms, now_ms(),
             now_ms() + 3'600'000}
        );
    };

    running(now_ms() + 60'000);
    auto refused =
        http().post_json("/api/v1/vendor/products", body, with_key(shop.owner, "k-crash"));
    expect_problem(refused, 409, "idempotency-conflict");
    EXPECT_NE(refused.body.find("still being processed"), std::string::npos) << refused.body;
    EXPECT_EQ(products_of(shop), 0);

    running(now_ms() - 1);
    auto taken = http().post_json("/api/v1/vendor/products", body, with_key(shop.owner, "k-crash"));
    EXPECT_EQ(taken.status, 201) << taken.body;
    EXPECT_EQ(taken.header("idempotent-replayed"), "");
    auto replayed =
        http().post_json("/api/v1/vendor/products", body, with_key(shop.owner, "k-crash"));
    EXPECT_EQ(replayed.header("idempotent-replayed"), "true");
    EXPECT_EQ(replayed.body, taken.body);
    EXPECT_EQ(products_of(shop), 1);
}

TEST_F(idempotency, expired_keys_are_purged_and_free_for_a_new_request) {
    auto shop = test::open_store(*server_, *admin_, "Expiry Shop");
    auto body = product("Expiring Shirt");
    auto first = http().post_json("/api/v1/vendor/products", body, with_key(shop.owner, "k-old"));
    ASSERT_EQ(first.status, 201) << first.body;
    test::server_db db{*server_};
    // A day later.
    db.execute(
        "UPDATE idempotency_keys SET expires_at_ms = $1 WHERE scope = $2",
        {now_ms() - 1, "user:" + shop.owner.id}
    );

    // The purge job (every 100 ms here) deletes the expired row; the key is then free.
    bool purged = false;
    for (int i = 0; i < 100 && !purged; ++i) {
        purged = keys_of(shop.owner) == 0;
        if (!purged) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    EXPECT_TRUE(purged) << "expired key still there after 5 s";
    auto again = http().post_json(
        "/api/v1/vendor/products", product("Another Shirt", "NEW"), with_key(shop.owner, "k-old")
    );
    EXPECT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(again.header("idempotent-replayed"), "");
    EXPECT_NE(again.json().at("id"), first.json().at("id"));
    EXPECT_EQ(products_of(shop), 2);
}

TEST_F(idempotency, other_methods_ignore_the_header) {
    auto shop = test::open_store(*server_, *admin_, "Get Shop");
    auto r = http().get("/api/v1/vendor/products", with_key(shop.owner, ""));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(keys_of(shop.owner), 0);
}

// Every POST accepts the header, so every POST operation in the API document says so.
TEST(idempotency_docs, every_post_operation_documents_the_idempotency_key) {
    std::ifstream in{std::string{TRADER_SOURCE_DIR} + "/docs/openapi.yaml"};
    ASSERT_TRUE(in) << "docs/openapi.yaml is missing";
    static const std::regex path_line{R"(^  (/[^:]*):\s*$)"};
    std::string line;
    std::string path;
    bool in_post = false;
    bool documented = false;
    int posts = 0;
    auto finish = [&] {
        if (in_post && path.find("/_test/") == std::string::npos) {
            ++posts;
            EXPECT_TRUE(documented)
                << "POST " << path
                << " does not list $ref: '#/components/parameters/IdempotencyKey' (or "
                   "IdempotencyKeyRequired)";
        }
        in_post = false;
        documented = false;
    };
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, m, path_line)) {
            finish();
            path = m[1];
        } else if (line.starts_with("    ") && !line.starts_with("     ")) {
            finish();
            in_post = line == "    post:";
        } else if (!line.empty() && line[0] != ' ') {
            finish();
            path.clear();
        } else if (in_post && line.find("#/components/parameters/IdempotencyKey") != std::string::npos) {
            documented = true;
        }
    }
    finish();
    EXPECT_GT(posts, 20);
}

}  // namespace
