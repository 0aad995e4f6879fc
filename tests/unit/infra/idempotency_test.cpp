#include "infra/idempotency/idempotency.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include "core/http/pipeline.hpp"
#include "core/ids.hpp"
#include "core/worker_pool.hpp"
#include "infra/db/migrations.hpp"
#include "infra/db/sqlite.hpp"

namespace {

using namespace std::chrono_literals;
namespace db = infra::db;
namespace http = core::http;
namespace idem = infra::idempotency;

template <class T>
T must(core::result<T> r) {
    if (!r) {
        throw std::runtime_error("unexpected error: " + r.error().detail);
    }
    return std::move(r).value();
}

// Counts its calls and answers `res` (or throws when `res` is empty).
core::task<http::response> answer(int* calls, std::optional<http::response> res) {
    ++*calls;
    if (!res) {
        throw std::runtime_error("handler failed");
    }
    co_return std::move(*res);
}

http::response created_product() {
    auto res =
        http::created(boost::json::object{{"id", "prod_1"}}, "/api/v1/vendor/products/prod_1");
    res.header("ETag", "\"v1\"");
    res.header("Cache-Control", "private");
    return res;
}

// How a handler that records its answer in its effect's transaction fares.
enum class effect {
    commits,
    fails_after_recording,  // both are undone, and the handler answers 409
    key_taken_over,         // the claim is lost before recording (a retry took the key over)
    another_answers_first,  // another request with the key is answered before this one records
};

// A handler whose effect is one write transaction records its answer there (the checkout does).
core::task<http::response> record_in_effect(db::database& db, http::request& req, effect how) {
    auto* key = idem::claimed_key_of(req);
    if (key == nullptr) {
        co_return http::problem(core::error{core::errc::internal, "no claimed key"});
    }
    if (how == effect::key_taken_over) {
        auto stolen = co_await db.execute("UPDATE idempotency_keys SET owner = 'other'");
        if (!stolen) {
            co_return http::problem(stolen.error());
        }
    }
    auto res = created_product();
    auto body = [&](db::transaction& tx) -> core::task<core::result<void>> {
        auto effect = co_await tx.query(
            "INSERT INTO events (id, type, aggregate_id, data, created_at_ms) "
            "VALUES ($1, 'test.effect', 'agg_1', '{}', 0)",
            "evt_" + req.request_id
        );
        if (!effect) {
            co_return std::move(effect).error();
        }
        auto recorded = co_await key->record(tx, req, res);
        if (!recorded || how != effect::fails_after_recording) {
            co_return recorded;
        }
        co_return core::fail(core::errc::conflict, "the effect failed after recording");
    };
    auto done = co_await db::transact(db, std::move(body));
    if (!done) {
        co_return http::problem(done.error());
    }
    key->committed();
    co_return res;
}

class IdempotencyGuard : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device random;
        dir_ = std::filesystem::temp_directory_path() /
               ("trader-idempotency-test-" + std::to_string(random()) + std::to_string(random()));
        db_ = must(db::open_sqlite(db::sqlite_settings{(dir_ / "trader.db").string()}, workers_));
        auto files = must(db::load_migrations(db::embedded_migration_files(), db_->kind()));
        db::migrator m{*db_, std::move(files)};
        (void)must(run(m.apply()));
        guard_ = std::make_unique<idem::guard>(*db_, clock_, metrics_, idem::settings{});
        store_ = std::make_unique<idem::key_store>(*db_, clock_, idem::settings{});
    }

    void TearDown() override {
        guard_.reset();
        store_.reset();
        db_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    template <class T>
    T run(core::task<T> task) {
        std::optional<T> out;
        auto done =
            boost::asio::co_spawn(io_, keep(std::move(task), &out), boost::asio::use_future);
        io_.run_for(30s);
        io_.restart();
        if (done.wait_for(0s) != std::future_status::ready) {
            throw std::runtime_error("the coroutine did not finish");
        }
        done.get();
        return std::move(*out);
    }

    template <class T>
    static core::task<void> keep(core::task<T> task, std::optional<T>* out) {
        out->emplace(co_await std::move(task));
    }

    static http::request post(
        std::string body, std::optional<std::string> key, std::string user = "usr_1"
    ) {
        http::request r;
        r.verb = http::method::post;
        r.target = "/api/v1/vendor/products";
        r.body = std::move(body);
        if (key) {
            r.headers.emplace_back("idempotency-key", *key);
        }
        if (!user.empty()) {
            r.principal = core::principal{std::move(user), {"vendor"}, "ses_1"};
        }
        r.request_id = core::new_request_id();
        return r;
    }

    // Calls the guard as the pipeline would, with a handler answering `res` (throwing when empty).
    http::response call(
        http::request& req,
        std::optional<http::response> res,
        http::idempotency_mode mode = http::idempotency_mode::accepted,
        bool claimed_by_effect = false
    ) {
        http::route_info route{http::method::post, "/api/v1/vendor/products", {}};
        route.options.idempotency = mode;
        route.options.idempotency_claimed_by_effect = claimed_by_effect;
        http::handler next = [this, res](http::request&) { return answer(&calls_, res); };
        if (!guard_->applies(req, route)) {
            return run(next(req));
        }
        return run(guard_->run(req, route, next));
    }

    // Calls the guard as the pipeline would, with a handler that records its answer in its effect.
    http::response call_recording(http::request& req, effect how) {
        http::route_info route{http::method::post, "/api/v1/vendor/products", {}};
        http::handler next = [this, how](http::request& r) {
            ++calls_;
            return record_in_effect(*db_, r, how);
        };
        return run(guard_->run(req, route, next));
    }

    // As call_recording(), on a route whose effect claims the key.
    http::response call_claiming(http::request& req, effect how) {
        http::route_info route{http::method::post, "/api/v1/vendor/products", {}};
        route.options.idempotency_claimed_by_effect = true;
        http::handler next = [this, how, route](http::request& r) {
            return claiming(r, how, route);
        };
        return run(guard_->run(req, route, next));
    }

    core::task<http::response> claiming(http::request& req, effect how, http::route_info route) {
        ++calls_;
        auto keys = co_await db_->select("SELECT COUNT(*) FROM idempotency_keys");
        keys_while_running_ = keys ? keys->front().get<std::int64_t>(0) : -1;
        if (how == effect::another_answers_first) {
            auto other = req;
            other.request_id = core::new_request_id();
            other.idempotency.reset();
            http::handler commits = [this](http::request& r) {
                return record_in_effect(*db_, r, effect::commits);
            };
            (void)co_await guard_->run(other, route, commits);
            how = effect::commits;
        }
        co_return co_await record_in_effect(*db_, req, how);
    }

    // Effects the recording handlers committed.
    std::int64_t effects() {
        auto found =
            must(run(db_->select("SELECT COUNT(*) FROM events WHERE type = 'test.effect'")));
        return found.front().get<std::int64_t>(0);
    }

    std::uint64_t outcome(const char* name) {
        return metrics_
            .get_counter(
                "idempotency_requests_total", "POSTs with an Idempotency-Key, by outcome",
                {{"outcome", name}}
            )
            .value();
    }

    // The table holds one key, answered with `status`.
    void expect_one_answer(int status) {
        auto row = must(run(db_->select("SELECT state, status FROM idempotency_keys")));
        ASSERT_EQ(row.size(), 1U);
        EXPECT_EQ(row.front().get<std::string>("state"), "done");
        EXPECT_EQ(row.front().get<int>("status"), status);
    }

    std::int64_t rows() {
        auto found = must(run(db_->select("SELECT COUNT(*) FROM idempotency_keys")));
        return found.front().get<std::int64_t>(0);
    }

    boost::asio::io_context io_;
    core::worker_pool workers_{2};
    core::manual_clock clock_{std::chrono::system_clock::now()};
    core::metrics::registry metrics_;
    std::unique_ptr<db::database> db_;
    std::unique_ptr<idem::guard> guard_;
    std::unique_ptr<idem::key_store> store_;
    std::filesystem::path dir_;
    int calls_ = 0;
    std::int64_t keys_while_running_ = -1;
};

TEST(IdempotencyKey, accepts_1_to_255_printable_ascii_characters) {
    EXPECT_FALSE(idem::check_key("a"));
    EXPECT_FALSE(idem::check_key("4f0c1c7e-0b7a-4c5e-9d1e-3f2a1b0c9d8e"));
    EXPECT_FALSE(idem::check_key("order 42 / retry ~!"));
    EXPECT_FALSE(idem::check_key(std::string(255, 'x')));
    EXPECT_TRUE(idem::check_key(""));
    EXPECT_TRUE(idem::check_key(std::string(256, 'x')));
    EXPECT_TRUE(idem::check_key("tab\there"));
    EXPECT_TRUE(idem::check_key("caf\xc3\xa9"));
    EXPECT_TRUE(idem::check_key(std::string{"nul\0byte", 8}));
}

TEST(IdempotencyScope, is_the_user_or_a_hash_of_the_guest_cart_token) {
    http::request signed_in;
    signed_in.principal = core::principal{"usr_7", {}, "ses_1"};
    signed_in.headers.emplace_back("x-cart-token", "secret-cart-token");
    EXPECT_EQ(idem::scope_of(signed_in), "user:usr_7");

    http::request guest;
    guest.headers.emplace_back("x-cart-token", "secret-cart-token");
    auto scope = idem::scope_of(guest);
    ASSERT_TRUE(scope);
    EXPECT_TRUE(scope->starts_with("cart:"));
    EXPECT_EQ(scope->size(), 5U + 64U);
    EXPECT_EQ(scope->find("secret"), std::string::npos) << "the token itself is never stored";

    http::request other_guest;
    other_guest.headers.emplace_back("x-cart-token", "another-token");
    EXPECT_NE(idem::scope_of(other_guest), scope);

    EXPECT_FALSE(idem::scope_of(http::request{}));
}

TEST_F(IdempotencyGuard, applies_only_to_posts_that_send_a_key_or_must) {
    http::route_info accepted{http::method::post, "/x", {}};
    http::route_info required{http::method::post, "/x", {}};
    required.options.idempotency = http::idempotency_mode::required;
    http::route_info off{http::method::post, "/x", {}};
    off.options.idempotency = http::idempotency_mode::off;

    auto without = post("{}", std::nullopt);
    auto with = post("{}", "k");
    EXPECT_FALSE(guard_->applies(without, accepted)) << "no key, no cost";
    EXPECT_TRUE(guard_->applies(with, accepted));
    EXPECT_TRUE(guard_->applies(without, required));
    EXPECT_FALSE(guard_->applies(with, off));
    with.verb = http::method::patch;
    EXPECT_FALSE(guard_->applies(with, accepted));
}

TEST_F(IdempotencyGuard, a_required_key_that_is_missing_is_a_400_naming_the_header) {
    auto req = post("{}", std::nullopt);
    auto res = call(req, created_product(), http::idempotency_mode::required);
    EXPECT_EQ(res.status, 400);
    ASSERT_TRUE(res.problem);
    EXPECT_EQ(res.problem->code, core::errc::bad_request);
    EXPECT_NE(res.problem->detail.find("Idempotency-Key"), std::string::npos);
    EXPECT_EQ(calls_, 0);
    EXPECT_EQ(rows(), 0);
}

TEST_F(IdempotencyGuard, a_required_route_refuses_through_the_pipeline) {
    http::router routes;
    core::metrics::registry metrics;
    routes.add(
        http::method::post, "/api/v1/store/carts/{id}/checkout",
        [](http::request&) -> core::task<http::response> { co_return http::no_content(); },
        {.who = http::access::anyone, .idempotency = http::idempotency_mode::required}
    );
    http::pipeline pipe{{.access_log = false}, routes, metrics};
    pipe.set_filter(guard_.get());
    http::request req;
    req.verb = http::method::post;
    req.target = "/api/v1/store/carts/cart_1/checkout";
    auto res = run(pipe.handle(req));
    EXPECT_EQ(res.status, 400);
    EXPECT_EQ(res.content_type, "application/problem+json");
    EXPECT_NE(res.body.find("Idempotency-Key"), std::string::npos) << res.body;
}

TEST_F(IdempotencyGuard, replays_the_stored_response_without_running_the_handler) {
    auto first_req = post(R"({"title":"Shirt"})", "k1");
    auto first = call(first_req, created_product());
    auto again_req = post(R"({"title":"Shirt"})", "k1");
    auto again = call(again_req, created_product());

    EXPECT_EQ(calls_, 1);
    EXPECT_EQ(again.status, 201);
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(again.content_type, "application/json");
    EXPECT_EQ(again.find_header("Location"), "/api/v1/vendor/products/prod_1");
    EXPECT_EQ(again.find_header("ETag"), "\"v1\"");
    EXPECT_EQ(again.find_header("Idempotent-Replayed"), "true");
    EXPECT_FALSE(again.find_header("Cache-Control")) << "only the listed headers are replayed";
    EXPECT_FALSE(first.find_header("Idempotent-Replayed"));
}

TEST_F(IdempotencyGuard, another_body_path_or_method_with_the_key_is_a_conflict) {
    auto first = post(R"({"title":"Shirt"})", "k1");
    (void)call(first, created_product());

    auto other_body = post(R"({"title":"Shoe"})", "k1");
    auto res = call(other_body, created_product());
    ASSERT_TRUE(res.problem);
    EXPECT_EQ(res.problem->code, core::errc::idempotency_conflict);

    auto other_path = post(R"({"title":"Shirt"})", "k1");
    other_path.target = "/api/v1/vendor/products/prod_1/publish";
    res = call(other_path, created_product());
    ASSERT_TRUE(res.problem);
    EXPECT_EQ(res.problem->code, core::errc::idempotency_conflict);
    EXPECT_EQ(calls_, 1);
}

TEST_F(IdempotencyGuard, server_errors_and_exceptions_release_the_key) {
    auto failing = post("{}", "k1");
    auto res = call(failing, http::problem(core::error{core::errc::unavailable, "db down"}));
    EXPECT_EQ(res.status, 503);
    EXPECT_EQ(rows(), 0);

    auto throwing = post("{}", "k1");
    EXPECT_THROW((void)call(throwing, std::nullopt), std::runtime_error);
    EXPECT_EQ(rows(), 0);

    auto retried = post("{}", "k1");
    res = call(retried, created_product());
    EXPECT_EQ(res.status, 201);
    EXPECT_EQ(calls_, 3) << "every attempt ran until one succeeded";
    EXPECT_EQ(rows(), 1);
}

TEST_F(IdempotencyGuard, client_errors_are_stored_with_their_problem_body) {
    auto first_req = post("{}", "k1");
    core::error refused{core::errc::invalid, "the product is invalid"};
    refused.fields.push_back({"/title", "required", "is required"});
    auto first = call(first_req, http::problem(refused));
    EXPECT_EQ(first.status, 422);

    auto again_req = post("{}", "k1");
    auto again = call(again_req, created_product());
    EXPECT_EQ(calls_, 1);
    EXPECT_EQ(again.status, 422);
    EXPECT_EQ(again.content_type, "application/problem+json");
    auto body = boost::json::parse(again.body).as_object();
    EXPECT_EQ(body.at("detail"), "the product is invalid");
    EXPECT_EQ(body.at("errors").as_array().size(), 1U);
    EXPECT_EQ(body.at("instance"), boost::json::value(again_req.request_id));
}

TEST_F(IdempotencyGuard, secrets_and_throttling_are_not_stored) {
    auto tokens = http::ok(boost::json::object{{"access_token", "secret"}});
    tokens.header("Cache-Control", "no-store");
    auto req = post("{}", "k1");
    (void)call(req, tokens);
    EXPECT_EQ(rows(), 0);

    auto slow_down = post("{}", "k2");
    (void)call(slow_down, http::problem(core::error{core::errc::rate_limited, "later"}));
    EXPECT_EQ(rows(), 0);
}

TEST_F(IdempotencyGuard, anonymous_keys_are_not_stored) {
    auto a = post("{}", "k1", "");
    auto b = post("{}", "k1", "");
    (void)call(a, created_product());
    auto res = call(b, created_product());
    EXPECT_EQ(calls_, 2);
    EXPECT_FALSE(res.find_header("Idempotent-Replayed"));
    EXPECT_EQ(rows(), 0);
}

TEST_F(IdempotencyGuard, an_answer_recorded_with_the_effect_commits_with_it_once) {
    auto first_req = post(R"({"title":"Shirt"})", "k1");
    auto first = call_recording(first_req, effect::commits);
    EXPECT_EQ(first.status, 201);
    EXPECT_FALSE(first_req.idempotency) << "the claim is not left on the request";
    expect_one_answer(201);
    EXPECT_EQ(outcome("stored"), 1U);
    EXPECT_EQ(outcome("lost"), 0U) << "the guard did not store the answer a second time";

    auto again_req = post(R"({"title":"Shirt"})", "k1");
    auto again = call_recording(again_req, effect::commits);
    EXPECT_EQ(calls_, 1);
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(again.find_header("Location"), "/api/v1/vendor/products/prod_1");
    EXPECT_EQ(again.find_header("Idempotent-Replayed"), "true");
}

TEST_F(IdempotencyGuard, a_recording_undone_with_its_effect_leaves_the_answer_to_the_guard) {
    auto first_req = post("{}", "k1");
    auto first = call_recording(first_req, effect::fails_after_recording);
    EXPECT_EQ(first.status, 409);
    EXPECT_EQ(effects(), 0);
    expect_one_answer(409);  // the answer that went out is the one kept

    auto again_req = post("{}", "k1");
    auto again = call_recording(again_req, effect::fails_after_recording);
    EXPECT_EQ(calls_, 1);
    EXPECT_EQ(again.status, 409);
}

TEST_F(IdempotencyGuard, an_effect_whose_key_was_taken_over_does_not_commit) {
    auto req = post("{}", "k1");
    auto res = call_recording(req, effect::key_taken_over);
    ASSERT_TRUE(res.problem);
    EXPECT_EQ(res.problem->code, core::errc::idempotency_conflict);
    EXPECT_EQ(effects(), 0) << "the effect was rolled back";
    auto row = must(run(db_->select("SELECT state FROM idempotency_keys")));
    ASSERT_EQ(row.size(), 1U);
    EXPECT_EQ(row.front().get<std::string>("state"), "running") << "the other attempt's claim";
}

TEST_F(IdempotencyGuard, an_effect_that_claims_its_key_writes_it_once_and_nothing_before) {
    auto first_req = post(R"({"title":"Shirt"})", "k1");
    auto first = call_claiming(first_req, effect::commits);
    EXPECT_EQ(first.status, 201);
    EXPECT_EQ(keys_while_running_, 0) << "no claim was written before the handler ran";
    EXPECT_EQ(effects(), 1);
    expect_one_answer(201);
    auto owner = must(run(db_->select("SELECT owner FROM idempotency_keys")));
    EXPECT_FALSE(owner.front().get<std::optional<std::string>>("owner"));
    EXPECT_EQ(outcome("stored"), 1U);

    auto again_req = post(R"({"title":"Shirt"})", "k1");
    auto again = call_claiming(again_req, effect::commits);
    EXPECT_EQ(calls_, 2) << "a retry runs up to its effect";
    EXPECT_EQ(effects(), 1) << "whose transaction is undone";
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(again.find_header("Location"), "/api/v1/vendor/products/prod_1");
    EXPECT_EQ(again.find_header("Idempotent-Replayed"), "true");
    EXPECT_EQ(outcome("replayed"), 1U);
    EXPECT_EQ(outcome("stored"), 1U);

    auto other_req = post(R"({"title":"Hat"})", "k1");
    auto other = call_claiming(other_req, effect::commits);
    ASSERT_TRUE(other.problem);
    EXPECT_EQ(other.problem->code, core::errc::idempotency_conflict);
    EXPECT_EQ(effects(), 1);
    EXPECT_EQ(outcome("mismatch"), 1U);
}

TEST_F(IdempotencyGuard, a_request_whose_key_is_answered_while_it_runs_replays_that_answer) {
    auto req = post("{}", "k1");
    auto res = call_claiming(req, effect::another_answers_first);
    EXPECT_EQ(res.status, 201);
    EXPECT_EQ(res.find_header("Idempotent-Replayed"), "true");
    EXPECT_EQ(effects(), 1) << "only the first answered request's effect committed";
    EXPECT_EQ(rows(), 1);
    EXPECT_EQ(outcome("stored"), 1U);
    EXPECT_EQ(outcome("replayed"), 1U);
}

TEST_F(IdempotencyGuard, a_failed_effect_that_claims_its_key_has_its_answer_stored_after) {
    auto first_req = post("{}", "k1");
    auto first = call_claiming(first_req, effect::fails_after_recording);
    EXPECT_EQ(first.status, 409);
    EXPECT_EQ(effects(), 0);
    expect_one_answer(409);

    // The retry's effect would succeed now; the first answer stands.
    auto again_req = post("{}", "k1");
    auto again = call_claiming(again_req, effect::commits);
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(again.find_header("Idempotent-Replayed"), "true");
    EXPECT_EQ(effects(), 0);
}

TEST_F(IdempotencyGuard, an_effect_claims_an_expired_key_again) {
    auto first_req = post("{}", "k1");
    EXPECT_EQ(call_claiming(first_req, effect::commits).status, 201);
    clock_.advance(24h + 1s);
    auto later_req = post(R"({"title":"New"})", "k1");
    auto later = call_claiming(later_req, effect::commits);
    EXPECT_EQ(later.status, 201);
    EXPECT_FALSE(later.find_header("Idempotent-Replayed"));
    EXPECT_EQ(effects(), 2);
    EXPECT_EQ(rows(), 1);
    auto row = must(run(db_->select("SELECT request_id FROM idempotency_keys")));
    EXPECT_EQ(row.front().get<std::string>("request_id"), later_req.request_id);
}

TEST_F(IdempotencyGuard, a_route_whose_effect_claims_its_key_holds_nothing_when_it_fails) {
    auto thrown = post("{}", "k1");
    EXPECT_THROW(
        call(thrown, std::nullopt, http::idempotency_mode::accepted, true), std::runtime_error
    );
    EXPECT_EQ(rows(), 0);

    auto failed = post("{}", "k1");
    http::response error;
    error.status = 503;
    const auto writes = db_->stats().committed_writes;
    EXPECT_EQ(call(failed, error, http::idempotency_mode::accepted, true).status, 503);
    EXPECT_EQ(rows(), 0) << "a server error is not kept";
    EXPECT_EQ(db_->stats().committed_writes, writes) << "nor claimed and released";
    EXPECT_EQ(outcome("not_stored"), 1U);

    auto unrecorded = post("{}", "k1");
    EXPECT_EQ(
        call(unrecorded, created_product(), http::idempotency_mode::accepted, true).status, 201
    );
    EXPECT_EQ(rows(), 1) << "an answer the handler did not record is stored by the guard";
    auto replayed = post("{}", "k1");
    EXPECT_EQ(
        call(replayed, created_product(), http::idempotency_mode::accepted, true)
            .find_header("Idempotent-Replayed"),
        "true"
    );
}

TEST_F(IdempotencyGuard, a_running_key_is_in_flight_until_its_lock_expires) {
    idem::fingerprint f{"POST", "/api/v1/vendor/products", "abc"};
    auto first = must(run(store_->claim_key("user:usr_1", "k1", f, "req_1")));
    ASSERT_EQ(first.what, idem::claim::outcome::claimed);

    auto second = must(run(store_->claim_key("user:usr_1", "k1", f, "req_2")));
    EXPECT_EQ(second.what, idem::claim::outcome::in_flight);
    auto other = must(run(store_->claim_key("user:usr_1", "k1", {"POST", "/x", "abc"}, "req_3")));
    EXPECT_EQ(other.what, idem::claim::outcome::mismatch);

    clock_.advance(61s);  // the first attempt's instance died
    auto retry = must(run(store_->claim_key("user:usr_1", "k1", f, "req_4")));
    ASSERT_EQ(retry.what, idem::claim::outcome::claimed);
    EXPECT_NE(retry.owner, first.owner);

    idem::stored_response late{201, "application/json", {}, "{\"id\":\"late\"}"};
    EXPECT_FALSE(must(run(store_->complete("user:usr_1", "k1", first.owner, late))))
        << "the dead attempt lost its claim";
    idem::stored_response ours{201, "application/json", {}, "{\"id\":\"ours\"}"};
    EXPECT_TRUE(must(run(store_->complete("user:usr_1", "k1", retry.owner, ours))));

    auto replay = must(run(store_->claim_key("user:usr_1", "k1", f, "req_5")));
    ASSERT_EQ(replay.what, idem::claim::outcome::replay);
    EXPECT_EQ(replay.stored->body, "{\"id\":\"ours\"}");
}

TEST_F(IdempotencyGuard, expired_keys_are_free_again_and_purged) {
    idem::fingerprint f{"POST", "/p", "abc"};
    auto first = must(run(store_->claim_key("user:usr_1", "k1", f, "req_1")));
    idem::stored_response done{201, "application/json", {{"Location", "/p/1"}}, "{}"};
    EXPECT_TRUE(must(run(store_->complete("user:usr_1", "k1", first.owner, done))));
    auto kept = must(run(store_->claim_key("user:usr_1", "k2", f, "req_2")));
    ASSERT_EQ(kept.what, idem::claim::outcome::claimed);
    EXPECT_EQ(must(run(store_->purge_expired(10))), 0);

    clock_.advance(24h + 1s);
    auto reused = must(run(store_->claim_key("user:usr_1", "k1", {"POST", "/q", "def"}, "req_3")));
    EXPECT_EQ(reused.what, idem::claim::outcome::claimed) << "an expired key is free";
    EXPECT_EQ(must(run(store_->purge_expired(10))), 1) << "k2 expired; k1 is new again";
    EXPECT_EQ(rows(), 1);
}

TEST_F(IdempotencyGuard, purges_in_bounded_batches) {
    idem::fingerprint f{"POST", "/p", "abc"};
    for (int i = 0; i < 7; ++i) {
        (void)must(run(store_->claim_key("user:usr_1", "k" + std::to_string(i), f, "req")));
    }
    clock_.advance(25h);
    EXPECT_EQ(must(run(store_->purge_expired(3))), 3);
    EXPECT_EQ(must(run(store_->purge_expired(3))), 3);
    EXPECT_EQ(must(run(store_->purge_expired(3))), 1);
    EXPECT_EQ(rows(), 0);
}

}  // namespace
