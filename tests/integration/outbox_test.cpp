// The transactional outbox end to end: events written in the database are delivered to every
// handler exactly once in effect, also when the server is killed in the middle of dispatching.
#include "infra/bus/outbox.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "app/config.hpp"
#include "app/runtime.hpp"
#include "core/clock.hpp"
#include "support/trader.hpp"

namespace {

// Direct access to the server's database, as an operator's tool would have.
class database_probe {
public:
    explicit database_probe(const test::trader_process& server) : pool_(2) {
        std::map<std::string, std::string> env{{"TRADER_DATA_DIR", server.dir().string()}};
        if (server.postgres()) {
            env["TRADER_DATABASE_URL"] = server.database();
        }
        auto c = app::load_config(env);
        auto db = app::open_database(*c, pool_);
        if (!db) {
            throw std::runtime_error(db.error().detail);
        }
        db_ = std::move(*db);
    }

    std::int64_t count(const std::string& sql) {
        auto r = app::run_sync<core::result<infra::db::rows>>([&] { return db_->select(sql); });
        if (!r) {
            throw std::runtime_error(r.error().detail);
        }
        return r->front().get<std::int64_t>(0);
    }

    // Writes `n` events in one transaction, as a module's service would.
    void append_events(int n) {
        core::system_clock clock;
        auto body = [&](infra::db::transaction& tx) -> core::task<core::result<int>> {
            for (int i = 0; i < n; ++i) {
                boost::json::object data;
                data["n"] = i;
                auto id = co_await infra::bus::append(
                    tx, clock, "test.happened", "tst_" + std::to_string(i), data
                );
                if (!id) {
                    co_return std::move(id).error();
                }
            }
            co_return n;
        };
        auto done =
            app::run_sync<core::result<int>>([&] { return infra::db::transact(*db_, body); });
        if (!done) {
            throw std::runtime_error(done.error().detail);
        }
    }

private:
    core::worker_pool pool_;
    std::unique_ptr<infra::db::database> db_;
};

bool wait_until(const std::function<bool()>& done, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
}

TEST(outbox, delivers_committed_events_to_every_handler) {
    test::trader_process server{test::trader_options{
        {{"TRADER_TEST_HOOKS", "1"}, {"TRADER_OUTBOX_POLL_INTERVAL", "20ms"}}}};
    database_probe db{server};
    db.append_events(25);
    ASSERT_TRUE(wait_until(
        [&] { return db.count("SELECT COUNT(*) FROM event_queue") == 0; },
        std::chrono::seconds(20)
    ));
    EXPECT_EQ(
        db.count("SELECT COUNT(*) FROM processed_events WHERE handler = 'deliveries_for_test'"), 25
    );

    // The counters move right after the queue rows are deleted, which another connection can see
    // first.
    std::string metrics;
    EXPECT_TRUE(wait_until(
        [&] {
            metrics = server.http().get("/metrics").body;
            return metrics.find("outbox_events_dispatched_total 25") != std::string::npos;
        },
        std::chrono::seconds(5)
    )) << metrics;
    EXPECT_NE(metrics.find("outbox_dispatch_lag_seconds_count 25"), std::string::npos);
}

TEST(outbox, redelivers_after_a_crash_mid_dispatch_without_applying_twice) {
    constexpr int total = 3000;
    // Small batches and a short claim timeout, so a kill lands mid-way and the claims expire
    // quickly.
    std::map<std::string, std::string> env{
        {"TRADER_TEST_HOOKS", "1"},
        {"TRADER_OUTBOX_POLL_INTERVAL", "20ms"},
        {"TRADER_OUTBOX_BATCH_SIZE", "10"},
        {"TRADER_OUTBOX_CLAIM_TIMEOUT", "500ms"}};
    test::trader_process server{test::trader_options{env}};
    database_probe db{server};
    db.append_events(total);

    ASSERT_TRUE(wait_until(
        [&] { return db.count("SELECT COUNT(*) FROM processed_events") > 0; },
        std::chrono::seconds(20)
    ));
    server.signal(SIGKILL);
    EXPECT_EQ(server.wait_exit(), 128 + SIGKILL);
    auto handled_before = db.count("SELECT COUNT(*) FROM processed_events");
    ASSERT_LT(handled_before, total)
        << "the kill came after everything was dispatched; nothing was tested";

    server.restart();
    ASSERT_TRUE(wait_until(
        [&] { return db.count("SELECT COUNT(*) FROM event_queue") == 0; },
        std::chrono::seconds(120)
    )) << db.count("SELECT COUNT(*) FROM event_queue")
       << " left";
    // Every event applied exactly once for the handler (the table's key forbids a second row).
    EXPECT_EQ(
        db.count("SELECT COUNT(*) FROM processed_events WHERE handler = 'deliveries_for_test'"),
        total
    );
    EXPECT_EQ(db.count("SELECT COUNT(DISTINCT event_id) FROM processed_events"), total);
}

}  // namespace
