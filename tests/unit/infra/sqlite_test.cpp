#include "infra/db/sqlite.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/worker_pool.hpp"
#include "infra/db/sqlite_wal_vfs.hpp"

namespace {

using namespace std::chrono_literals;
namespace db = infra::db;
using core::errc;

// Unwraps a result or throws, so a failed step ends the test with its detail.
template <class T>
T must(core::result<T> r) {
    if (!r) {
        throw std::runtime_error("unexpected error: " + r.error().detail);
    }
    return std::move(r).value();
}
void must(core::result<void> r) {
    if (!r) {
        throw std::runtime_error("unexpected error: " + r.error().detail);
    }
}

// The error of a result that must have failed.
template <class T>
core::error must_fail(core::result<T> r) {
    if (r) {
        throw std::runtime_error("expected an error, got a value");
    }
    return std::move(r).error();
}

// ASSERT_* cannot return from a coroutine; a wrong row count ends the test by throwing instead.
const db::rows& sized(const db::rows& result, std::size_t expected) {
    if (result.size() != expected) {
        throw std::runtime_error(
            "expected " + std::to_string(expected) + " rows, got " + std::to_string(result.size())
        );
    }
    return result;
}

// Waits (without blocking the I/O thread) until `done()` holds, for at most about five seconds.
template <class Predicate>
core::task<bool> eventually(Predicate done) {
    auto executor = co_await boost::asio::this_coro::executor;
    for (int i = 0; i < 5000; ++i) {
        if (done()) {
            co_return true;
        }
        boost::asio::steady_timer tick{executor, 1ms};
        co_await tick.async_wait(boost::asio::use_awaitable);
    }
    co_return done();
}

struct raw_closer {
    void operator()(sqlite3* handle) const noexcept { sqlite3_close_v2(handle); }
};
using raw_connection = std::unique_ptr<sqlite3, raw_closer>;

// A second connection of our own, as another process would hold it.
raw_connection open_raw(const std::filesystem::path& path) {
    sqlite3* handle = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr);
    raw_connection out{handle};
    if (rc != SQLITE_OK) {
        throw std::runtime_error("cannot open the raw connection");
    }
    return out;
}

void exec_raw(sqlite3* handle, const char* sql) {
    if (sqlite3_exec(handle, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        throw std::runtime_error(std::string{"raw exec failed: "} + sqlite3_errmsg(handle));
    }
}

class SqliteDatabase : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device random;
        dir_ = std::filesystem::temp_directory_path() /
               ("trader-sqlite-test-" + std::to_string(random()) + std::to_string(random()));
        // The parent directory does not exist yet: open_sqlite creates it.
        path_ = dir_ / "var" / "trader.db";
    }

    void TearDown() override {
        db_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    db::database& open(std::chrono::milliseconds busy_timeout = 5000ms, int readers = 4) {
        db_ = must(
            db::open_sqlite(db::sqlite_settings{path_.string(), readers, busy_timeout}, workers_)
        );
        return *db_;
    }

    // Runs the I/O context on `threads` threads until every task on it is done; a hang fails the
    // test instead of blocking it forever.
    void drain(int threads = 1) {
        std::vector<std::thread> extra;
        for (int i = 1; i < threads; ++i) {
            extra.emplace_back([this] { io_.run_for(30s); });
        }
        io_.run_for(30s);
        for (auto& thread : extra) {
            thread.join();
        }
        io_.restart();
    }

    template <class T>
    T run(core::task<T> task) {
        if constexpr (std::is_void_v<T>) {
            auto done = boost::asio::co_spawn(io_, std::move(task), boost::asio::use_future);
            drain();
            finished(done);
            done.get();
        } else {
            // use_future wants a default-constructible value, which a result is not.
            std::optional<T> out;
            auto done =
                boost::asio::co_spawn(io_, store(std::move(task), &out), boost::asio::use_future);
            drain();
            finished(done);
            done.get();
            return std::move(*out);
        }
    }

    template <class T>
    static core::task<void> store(core::task<T> task, std::optional<T>* out) {
        out->emplace(co_await std::move(task));
    }

    static void finished(std::future<void>& done) {
        if (done.wait_for(0s) != std::future_status::ready) {
            throw std::runtime_error("the coroutine did not finish");
        }
    }

    // Declared so that the database closes first, then the workers join, then the I/O context goes.
    boost::asio::io_context io_;
    core::worker_pool workers_{4};
    std::unique_ptr<db::database> db_;
    std::filesystem::path dir_;
    std::filesystem::path path_;
};

core::task<void> create_notes(db::database& db) {
    must(co_await db.write("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"));
}

core::task<std::int64_t> count_notes(db::database& db) {
    auto counted = must(co_await db.read("SELECT count(*) FROM notes"));
    co_return sized(counted, 1).front().get<std::int64_t>(0);
}

core::task<core::result<std::int64_t>> add_note(db::transaction& tx) {
    auto inserted = co_await tx.query("INSERT INTO notes (body) VALUES ($1) RETURNING id", "note");
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    co_return inserted->front().get<std::int64_t>("id");
}

// A read-modify-write in two statements: without a serialised writer, concurrent runs lose updates.
core::task<core::result<void>> increment(db::transaction& tx) {
    auto current = co_await tx.run("SELECT n FROM counter WHERE id = 1");
    if (!current) {
        co_return std::move(current).error();
    }
    auto n = current->front().get<std::int64_t>("n");
    auto updated = co_await tx.query("UPDATE counter SET n = $1 WHERE id = 1", n + 1);
    if (!updated) {
        co_return std::move(updated).error();
    }
    co_return core::ok();
}

core::task<void> round_trip(db::database& db) {
    must(co_await db.write(
        "CREATE TABLE items (i INTEGER, d REAL, b INTEGER, s TEXT, n TEXT, o INTEGER)"
    ));
    auto inserted = must(co_await db.execute(
        "INSERT INTO items VALUES ($1, $2, $3, $4, $5, $6)", std::int64_t{1} << 40, 2.5, true,
        "it's \"quoted\" $1", nullptr, std::optional<std::int64_t>{}
    ));
    EXPECT_EQ(inserted.affected(), 1);
    EXPECT_TRUE(inserted.empty());

    // Bound with their native types, never as text.
    auto types = must(co_await db.read(
        "SELECT typeof(i), typeof(d), typeof(b), typeof(s), typeof(n), typeof(o) FROM items"
    ));
    std::vector<std::string> seen;
    for (std::size_t col = 0; col < 6; ++col) {
        seen.push_back(sized(types, 1).front().get<std::string>(col));
    }
    EXPECT_EQ(
        seen, (std::vector<std::string>{"integer", "real", "integer", "text", "null", "null"})
    );

    auto got = must(co_await db.read("SELECT i, d, b, s, n, o FROM items"));
    EXPECT_EQ(got.columns(), (std::vector<std::string>{"i", "d", "b", "s", "n", "o"}));
    auto row = sized(got, 1).front();
    EXPECT_EQ(row.get<std::int64_t>("i"), std::int64_t{1} << 40);
    EXPECT_DOUBLE_EQ(row.get<double>("d"), 2.5);
    EXPECT_TRUE(row.get<bool>("b"));
    EXPECT_EQ(row.get<int>(2), 1);
    EXPECT_EQ(row.get<std::string>("s"), "it's \"quoted\" $1");
    EXPECT_TRUE(row.is_null("n"));
    EXPECT_TRUE(row.is_null(5));
    EXPECT_EQ(row.get<std::optional<std::string>>("n"), std::nullopt);
    EXPECT_EQ(row.get<std::optional<std::int64_t>>("o"), std::nullopt);
    EXPECT_EQ(row.get<std::optional<double>>("d"), 2.5);
    EXPECT_EQ(row.get<std::optional<std::string>>("s"), "it's \"quoted\" $1");
    EXPECT_THROW((void)row.get<std::string>("n"), std::logic_error);

    // Cells keep SQLite's storage class: REAL is a double (as text it would read back "1.5"), BLOB
    // is its bytes.
    auto cells =
        must(co_await db.read("SELECT 7 AS i, 1.5 AS r, 'x' AS t, NULL AS z, x'41420043' AS b"));
    auto first = sized(cells, 1).front();
    EXPECT_EQ(first.get<std::int64_t>("i"), 7);
    EXPECT_EQ(first.get<std::string>("r"), std::to_string(1.5));
    EXPECT_EQ(first.get<std::string>("t"), "x");
    EXPECT_EQ(first.get<std::optional<int>>("z"), std::nullopt);
    EXPECT_EQ(first.get<std::string>("b"), std::string("AB\0C", 4));

    // The cached statement again, bound with other values (false, a present optional).
    auto again = must(co_await db.execute(
        "INSERT INTO items VALUES ($1, $2, $3, $4, $5, $6)", 2, 0.5, false, "two", "n",
        std::optional<int>{9}
    ));
    EXPECT_EQ(again.affected(), 1);
    auto second = must(co_await db.select("SELECT b, n, o FROM items WHERE i = $1", 2));
    auto other = sized(second, 1).front();
    EXPECT_FALSE(other.get<bool>("b"));
    EXPECT_EQ(other.get<std::optional<std::string>>("n"), "n");
    EXPECT_EQ(other.get<std::optional<int>>("o"), 9);
}

TEST_F(SqliteDatabase, round_trips_every_param_type_and_null) {
    auto& db = open();
    run(round_trip(db));
}

core::task<void> check_settings(db::database& db) {
    auto mode = must(co_await db.read("PRAGMA journal_mode"));
    EXPECT_EQ(sized(mode, 1).front().get<std::string>(0), "wal");
    auto keys = must(co_await db.read("PRAGMA foreign_keys"));
    EXPECT_EQ(sized(keys, 1).front().get<int>(0), 1);
    auto sync = must(co_await db.read("PRAGMA synchronous"));
    EXPECT_EQ(sized(sync, 1).front().get<int>(0), 1);  // NORMAL
    auto timeout = must(co_await db.read("PRAGMA busy_timeout"));
    EXPECT_EQ(sized(timeout, 1).front().get<int>(0), 250);
    auto writer_keys = must(co_await db.write("PRAGMA foreign_keys"));
    EXPECT_EQ(sized(writer_keys, 1).front().get<int>(0), 1);
    must(co_await db.ping());

    // Readers are read-only, so a write sent through read() cannot bypass the single writer.
    auto sneaky = co_await db.read("CREATE TABLE sneaky (x INTEGER)");
    EXPECT_FALSE(sneaky);
}

TEST_F(SqliteDatabase, opens_a_wal_file_in_a_new_directory_with_the_configured_pragmas) {
    auto& db = open(250ms);
    EXPECT_EQ(db.kind(), db::dialect::sqlite);
    EXPECT_TRUE(std::filesystem::exists(path_));
    auto stats = db.stats();
    EXPECT_EQ(stats.size, 5);
    EXPECT_EQ(stats.idle, 5);
    EXPECT_EQ(stats.waiting, 0);
    run(check_settings(db));
}

TEST(SqliteSettings, rejects_memory_databases_and_no_readers) {
    core::worker_pool workers{1};
    auto memory = infra::db::open_sqlite({":memory:"}, workers);
    ASSERT_FALSE(memory);
    EXPECT_EQ(memory.error().code, errc::invalid);
    auto no_readers = infra::db::open_sqlite({"/tmp/unused.db", 0}, workers);
    ASSERT_FALSE(no_readers);
    EXPECT_EQ(no_readers.error().code, errc::invalid);
}

TEST(SqlitePlaceholders, rewrites_dollar_numbers_outside_literals_identifiers_and_comments) {
    EXPECT_EQ(db::to_sqlite_placeholders("SELECT $1, $2, $10, $1"), "SELECT ?1, ?2, ?10, ?1");
    EXPECT_EQ(
        db::to_sqlite_placeholders("SELECT '$1', 'it''s $2', \"$3\", `$4`, [$5] FROM t WHERE x=$6"),
        "SELECT '$1', 'it''s $2', \"$3\", `$4`, [$5] FROM t WHERE x=?6"
    );
    EXPECT_EQ(
        db::to_sqlite_placeholders("SELECT $1 -- $2\n, /* $3 */ $4, a$5, $name"),
        "SELECT ?1 -- $2\n, /* $3 */ ?4, a$5, $name"
    );
    EXPECT_EQ(db::to_sqlite_placeholders("SELECT 'open $1"), "SELECT 'open $1");
}

core::task<void> translate_on_the_wire(db::database& db) {
    auto joined = must(co_await db.select("SELECT $1 || '$1' || $2 || $1 AS \"$2\"", "a", "b"));
    EXPECT_EQ(joined.columns(), (std::vector<std::string>{"$2"}));
    EXPECT_EQ(sized(joined, 1).front().get<std::string>(0), "a$1ba");

    // Out of order and reused: ?N binds by number, not by first appearance.
    auto ordered = must(co_await db.select("SELECT $2 - $1, $2", 1, 10));
    EXPECT_EQ(sized(ordered, 1).front().get<int>(0), 9);

    auto too_few = must_fail(co_await db.select("SELECT $1, $2", 1));
    EXPECT_EQ(too_few.code, errc::internal);
    auto two_statements = must_fail(co_await db.write("SELECT 1; SELECT 2"));
    EXPECT_EQ(two_statements.code, errc::internal);
    auto trailing = must(co_await db.read("SELECT 1; -- done"));
    EXPECT_EQ(trailing.size(), 1U);
    auto broken = must_fail(co_await db.read("SELEKT 1"));
    EXPECT_EQ(broken.code, errc::internal);
    EXPECT_NE(broken.detail.find("syntax error"), std::string::npos) << broken.detail;
}

TEST_F(SqliteDatabase, binds_translated_placeholders_by_number) {
    auto& db = open();
    run(translate_on_the_wire(db));
}

core::task<void> violate_constraints(db::database& db) {
    must(co_await db.write(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);"
    ));
    must(
        co_await db.write("CREATE TABLE sessions (id TEXT PRIMARY KEY, user_id INTEGER NOT NULL "
                          "REFERENCES users (id))")
    );
    must(co_await db.execute("INSERT INTO users (id, email) VALUES ($1, $2)", 1, "a@example.com"));

    auto duplicate =
        must_fail(co_await db.execute("INSERT INTO users (email) VALUES ($1)", "a@example.com"));
    EXPECT_EQ(duplicate.code, errc::conflict);
    EXPECT_NE(duplicate.detail.find("users.email"), std::string::npos) << duplicate.detail;

    auto same_key = must_fail(
        co_await db.execute("INSERT INTO users (id, email) VALUES ($1, $2)", 1, "b@example.com")
    );
    EXPECT_EQ(same_key.code, errc::conflict);

    must(co_await db.execute("INSERT INTO sessions VALUES ($1, $2)", "s1", 1));
    auto same_text_key =
        must_fail(co_await db.execute("INSERT INTO sessions VALUES ($1, $2)", "s1", 1));
    EXPECT_EQ(same_text_key.code, errc::conflict);

    auto missing = must_fail(co_await db.execute("INSERT INTO users (email) VALUES ($1)", nullptr));
    EXPECT_EQ(missing.code, errc::invalid);

    // foreign_keys=ON on the writer, or this would be accepted.
    auto orphan = must_fail(co_await db.execute("INSERT INTO sessions VALUES ($1, $2)", "s2", 42));
    EXPECT_EQ(orphan.code, errc::invalid);

    auto users = must(co_await db.read("SELECT count(*) FROM users"));
    EXPECT_EQ(sized(users, 1).front().get<int>(0), 1);
}

TEST_F(SqliteDatabase, maps_constraint_violations_to_conflict_and_invalid) {
    auto& db = open();
    run(violate_constraints(db));
}

core::task<void> drop_without_commit(db::database& db) {
    co_await create_notes(db);
    {
        auto tx = must(co_await db.begin(db::tx_mode::write));
        must(co_await tx->query("INSERT INTO notes (body) VALUES ($1)", "dropped"));
    }
    // The writer came back to the pool without the open transaction: BEGIN IMMEDIATE would fail
    // inside it.
    auto tx = must(co_await db.begin(db::tx_mode::write));
    must(co_await tx->query("INSERT INTO notes (body) VALUES ($1)", "kept"));
    must(co_await tx->commit());
    auto after_commit = co_await tx->commit();
    EXPECT_FALSE(after_commit);

    auto explicit_rollback = must(co_await db.begin(db::tx_mode::write));
    must(co_await explicit_rollback->query("INSERT INTO notes (body) VALUES ($1)", "rolled back"));
    must(co_await explicit_rollback->rollback());

    auto bodies = must(co_await db.read("SELECT body FROM notes ORDER BY id"));
    EXPECT_EQ(sized(bodies, 1).front().get<std::string>(0), "kept");
}

TEST_F(SqliteDatabase, rolls_back_a_transaction_dropped_without_commit) {
    auto& db = open();
    run(drop_without_commit(db));
    EXPECT_EQ(db.stats().idle, db.stats().size);
    // Nothing of the dropped transaction is left holding the write lock.
    auto raw = open_raw(path_);
    exec_raw(raw.get(), "BEGIN IMMEDIATE; ROLLBACK;");
}

core::task<void> transact_commits(db::database& db) {
    co_await create_notes(db);
    auto first = must(co_await db::transact(db, add_note));
    auto second = must(co_await db::transact(db, add_note));
    EXPECT_EQ(first, 1);
    EXPECT_EQ(second, 2);
    EXPECT_EQ(co_await count_notes(db), 2);

    // A body that fails is rolled back and its error returned as it is.
    auto failing = must_fail(co_await db::transact(
        db,
        [](db::transaction& tx) -> core::task<core::result<int>> {
            must(co_await add_note(tx));
            co_return core::fail(errc::insufficient_stock, "out");
        }
    ));
    EXPECT_EQ(failing.code, errc::insufficient_stock);
    EXPECT_EQ(co_await count_notes(db), 2);
}

TEST_F(SqliteDatabase, transact_commits_and_returns_the_body_value) {
    auto& db = open();
    run(transact_commits(db));
}

core::task<void> create_counter(db::database& db) {
    must(co_await db.write("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"));
    must(co_await db.write("INSERT INTO counter VALUES (1, 0)"));
}

core::task<std::int64_t> read_counter(db::database& db) {
    auto counter = must(co_await db.read("SELECT n FROM counter WHERE id = 1"));
    co_return sized(counter, 1).front().get<std::int64_t>(0);
}

TEST_F(SqliteDatabase, concurrent_write_transactions_lose_no_update) {
    auto& db = open();
    run(create_counter(db));

    constexpr int writers = 50;
    std::vector<std::future<core::result<void>>> done;
    for (int i = 0; i < writers; ++i) {
        done.push_back(
            boost::asio::co_spawn(io_, db::transact(db, increment), boost::asio::use_future)
        );
    }
    drain(2);
    for (auto& one : done) {
        ASSERT_EQ(one.wait_for(0s), std::future_status::ready);
        auto outcome = one.get();
        EXPECT_TRUE(outcome) << outcome.error().detail;
    }
    EXPECT_EQ(run(read_counter(db)), writers);
    EXPECT_EQ(db.stats().waiting, 0);
    EXPECT_EQ(db.stats().idle, db.stats().size);
}

core::task<void> take_writer_and_commit(db::database& db, bool* done) {
    auto tx = must(co_await db.begin(db::tx_mode::write));
    must(co_await tx->commit());
    *done = true;
}

core::task<void> wait_for_writer(db::database& db) {
    auto executor = co_await boost::asio::this_coro::executor;
    auto held = must(co_await db.begin(db::tx_mode::write));
    bool second_done = false;
    boost::asio::co_spawn(
        executor, take_writer_and_commit(db, &second_done), boost::asio::detached
    );

    EXPECT_TRUE(co_await eventually([&db] { return db.stats().waiting == 1; }));
    EXPECT_EQ(db.stats().idle, db.stats().size - 1);
    EXPECT_FALSE(second_done);

    must(co_await held->commit());
    EXPECT_TRUE(co_await eventually([&second_done] { return second_done; }));
    EXPECT_EQ(db.stats().waiting, 0);
}

TEST_F(SqliteDatabase, a_second_writer_waits_for_the_first_without_blocking) {
    auto& db = open();
    run(wait_for_writer(db));
    EXPECT_EQ(db.stats().idle, db.stats().size);
}

core::task<void> read_a_snapshot(db::database& db) {
    co_await create_notes(db);
    must(co_await db.execute("INSERT INTO notes (body) VALUES ($1)", "before"));

    auto reader = must(co_await db.begin(db::tx_mode::read));
    auto before = must(co_await reader->run("SELECT count(*) FROM notes"));
    must(co_await db.execute("INSERT INTO notes (body) VALUES ($1)", "during"));
    auto during = must(co_await reader->run("SELECT count(*) FROM notes"));
    EXPECT_EQ(co_await count_notes(db), 2);
    must(co_await reader->commit());

    EXPECT_EQ(sized(before, 1).front().get<int>(0), 1);
    EXPECT_EQ(sized(during, 1).front().get<int>(0), 1);
}

TEST_F(SqliteDatabase, read_transaction_keeps_its_snapshot_while_a_write_commits) {
    auto& db = open();
    run(read_a_snapshot(db));
}

core::task<void> hit_the_lock(db::database& db) {
    auto tx = must_fail(co_await db.begin(db::tx_mode::write));
    EXPECT_EQ(tx.code, errc::busy);
    auto written =
        must_fail(co_await db.execute("INSERT INTO notes (body) VALUES ($1)", "blocked"));
    EXPECT_EQ(written.code, errc::busy);
    // WAL: readers carry on while another process writes.
    EXPECT_EQ(co_await count_notes(db), 0);
}

TEST_F(SqliteDatabase, returns_busy_while_another_process_holds_the_write_lock) {
    auto& db = open(50ms);
    run(create_notes(db));
    auto other = open_raw(path_);
    exec_raw(other.get(), "BEGIN IMMEDIATE");
    run(hit_the_lock(db));
    exec_raw(other.get(), "ROLLBACK");
    EXPECT_EQ(db.stats().idle, db.stats().size);
}

core::task<void> release_after(sqlite3* other, std::chrono::milliseconds delay) {
    auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::steady_timer timer{executor, delay};
    co_await timer.async_wait(boost::asio::use_awaitable);
    exec_raw(other, "COMMIT");
}

TEST_F(SqliteDatabase, transact_retries_busy_until_the_lock_is_released) {
    auto& db = open(50ms);
    run(create_notes(db));
    auto other = open_raw(path_);
    exec_raw(other.get(), "BEGIN IMMEDIATE");

    constexpr auto hold = 120ms;
    auto started = std::chrono::steady_clock::now();
    boost::asio::co_spawn(io_, release_after(other.get(), hold), boost::asio::detached);
    auto id = run(db::transact(db, add_note));
    auto waited = std::chrono::steady_clock::now() - started;

    ASSERT_TRUE(id) << id.error().detail;
    EXPECT_EQ(*id, 1);
    EXPECT_GE(waited, hold);
    EXPECT_EQ(run(count_notes(db)), 1);
}

// Group commit: writers queued behind one another share a COMMIT, but each keeps its own outcome.
core::task<core::result<std::int64_t>> add_note_or_fail(int i, db::transaction& tx) {
    auto id = co_await add_note(tx);
    if (!id) {
        co_return id;
    }
    if (i % 3 == 0) {
        co_return core::fail(errc::invalid, "refused");
    }
    co_return id;
}

TEST_F(SqliteDatabase, grouped_writers_commit_together_and_a_failed_one_leaves_no_trace) {
    auto& db = open();
    run(create_notes(db));

    constexpr int writers = 60;
    std::vector<std::optional<core::result<std::int64_t>>> outcomes(writers);
    for (int i = 0; i < writers; ++i) {
        auto body = std::bind_front(&add_note_or_fail, i);
        boost::asio::co_spawn(
            io_, store(db::transact(db, std::move(body)), &outcomes[i]), boost::asio::detached
        );
    }
    drain(2);
    int committed = 0;
    for (int i = 0; i < writers; ++i) {
        ASSERT_TRUE(outcomes[i].has_value()) << "writer " << i << " did not finish";
        auto& outcome = *outcomes[i];
        if (i % 3 == 0) {
            EXPECT_FALSE(outcome);
        } else {
            ASSERT_TRUE(outcome) << outcome.error().detail;
            ++committed;
        }
    }
    // Every "committed" answer is on disk for another connection; nothing of a refused one is.
    EXPECT_EQ(run(count_notes(db)), committed);
    // Queued writers did share COMMITs (create_notes is one more write).
    auto stats = db.stats();
    EXPECT_EQ(stats.committed_writes, committed + 1);
    EXPECT_LT(stats.commits, stats.committed_writes);
    auto raw = open_raw(path_);
    exec_raw(raw.get(), "BEGIN IMMEDIATE; ROLLBACK;");  // no group was left open
    EXPECT_EQ(db.stats().idle, db.stats().size);
    EXPECT_EQ(db.stats().waiting, 0);
}

core::task<core::result<std::thread::id>> thread_of_body(db::transaction& tx) {
    auto ran = co_await tx.run("SELECT 1");
    if (!ran) {
        co_return std::move(ran).error();
    }
    co_return std::this_thread::get_id();
}

TEST_F(SqliteDatabase, write_transactions_run_on_the_writers_own_thread_and_reads_on_the_pool) {
    auto& db = open();
    constexpr int each = 20;
    std::vector<std::optional<core::result<std::thread::id>>> writes(each);
    std::vector<std::optional<core::result<std::thread::id>>> reads(each);
    for (int i = 0; i < each; ++i) {
        boost::asio::co_spawn(
            io_, store(db::transact(db, &thread_of_body), &writes[i]), boost::asio::detached
        );
        boost::asio::co_spawn(
            io_, store(db::transact(db, &thread_of_body, db::tx_mode::read), &reads[i]),
            boost::asio::detached
        );
    }
    drain(2);
    std::set<std::thread::id> writer_threads;
    std::set<std::thread::id> reader_threads;
    for (int i = 0; i < each; ++i) {
        ASSERT_TRUE(writes[i].has_value() && *writes[i]) << "write " << i;
        ASSERT_TRUE(reads[i].has_value() && *reads[i]) << "read " << i;
        writer_threads.insert(**writes[i]);
        reader_threads.insert(**reads[i]);
    }
    ASSERT_EQ(writer_threads.size(), 1U);
    auto writer = *writer_threads.begin();
    EXPECT_FALSE(reader_threads.contains(writer));
    EXPECT_NE(writer, std::this_thread::get_id());
    EXPECT_EQ(db.stats().idle, db.stats().size);
}

core::task<core::result<int>> add_orphan(db::transaction& tx) {
    auto added = co_await tx.query("INSERT INTO children (parent_id) VALUES ($1)", 42);
    if (!added) {
        co_return std::move(added).error();
    }
    co_return 1;
}

core::task<core::result<int>> add_parent(db::transaction& tx) {
    auto added = co_await tx.run("INSERT INTO parents DEFAULT VALUES");
    if (!added) {
        co_return std::move(added).error();
    }
    co_return 1;
}

core::task<void> create_family(db::database& db) {
    must(co_await db.write("CREATE TABLE parents (id INTEGER PRIMARY KEY)"));
    must(co_await db.write(
        "CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents (id) "
        "DEFERRABLE INITIALLY DEFERRED)"
    ));
}

TEST_F(SqliteDatabase, a_deferred_constraint_fails_its_own_writer_not_the_group) {
    auto& db = open();
    run(create_family(db));

    std::vector<std::optional<core::result<int>>> outcomes(20);
    for (int i = 0; i < 20; ++i) {
        auto tx = i % 2 == 0 ? db::transact(db, add_orphan) : db::transact(db, add_parent);
        boost::asio::co_spawn(io_, store(std::move(tx), &outcomes[i]), boost::asio::detached);
    }
    drain(2);
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(outcomes[i].has_value()) << "writer " << i << " did not finish";
        auto& outcome = *outcomes[i];
        if (i % 2 == 0) {
            ASSERT_FALSE(outcome);
            EXPECT_EQ(outcome.error().code, errc::invalid);
        } else {
            EXPECT_TRUE(outcome) << outcome.error().detail;
        }
    }
    auto parents = run(db.read("SELECT count(*) FROM parents"));
    auto children = run(db.read("SELECT count(*) FROM children"));
    ASSERT_TRUE(parents && children);
    EXPECT_EQ(parents->front().get<int>(0), 10);
    EXPECT_EQ(children->front().get<int>(0), 0);
    EXPECT_EQ(db.stats().idle, db.stats().size);
}


core::task<void> write_pages(db::database& db, int rows) {
    must(co_await db.write("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)"));
    for (int i = 0; i < rows; ++i) {
        // About one database page each.
        must(co_await db.write("INSERT INTO pages (body) VALUES (zeroblob(4000))"));
    }
}

TEST_F(SqliteDatabase, the_wal_is_checkpointed_off_the_writer_and_restarts_while_in_use) {
    auto& db = open();
    constexpr int rows = 3000;
    run(write_pages(db, rows));

    auto counted = run(db.read("SELECT count(*) FROM pages"));
    ASSERT_TRUE(counted);
    EXPECT_EQ(counted->front().get<int>(0), rows);
    EXPECT_GT(db.stats().checkpoints, 0);
    // With the database still open, the pages reached the database file, and the WAL started
    // over instead of holding every page written.
    auto written = static_cast<std::uintmax_t>(rows) * 4000;
    EXPECT_GT(std::filesystem::file_size(path_), written / 2);
    // The WAL starts over once a checkpoint has copied all of it; how soon depends on the threads'
    // timing, so a few more writes are allowed for it. `log` counts the frames since the restart.
    auto raw = open_raw(path_);
    int log = rows;
    for (int extra = 0; extra < 200 && log >= rows / 2; ++extra) {
        ASSERT_TRUE(run(db.execute("INSERT INTO pages (body) VALUES (zeroblob(4000))")));
        int copied = 0;
        ASSERT_EQ(
            sqlite3_wal_checkpoint_v2(raw.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied),
            SQLITE_OK
        );
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_LT(log, rows / 2);
}

// Rows of about one page each, in one write transaction; `fail` undoes it after the inserts.
core::task<core::result<void>> insert_pages(int rows, bool fail, db::transaction& tx) {
    for (int i = 0; i < rows; ++i) {
        auto added = co_await tx.run(
            "INSERT INTO pages (body) VALUES (randomblob(4000))"
        );
        if (!added) {
            co_return std::move(added).error();
        }
    }
    if (fail) {
        co_return core::error{errc::invalid, "undone on purpose"};
    }
    co_return core::ok();
}

TEST_F(SqliteDatabase, a_commits_wal_frames_go_out_in_few_writes_and_every_connection_reads_them) {
    auto& db = open();
    must(run(db.write("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")));

    auto before = db::wal_batching_stats();
    must(run(db::transact(db, std::bind_front(&insert_pages, 60, false))));
    auto after = db::wal_batching_stats();
    // SQLite asked for two writes per frame (header, page); they went out in a few calls.
    auto asked = after.writes - before.writes;
    auto made = after.flushes - before.flushes;
    EXPECT_GE(asked, 120);
    EXPECT_LE(made * 10, asked);

    // Larger than the writer's page cache, so SQLite spills frames before the COMMIT and reads
    // some back; then one that fails after spilling leaves nothing behind.
    must(run(db::transact(db, std::bind_front(&insert_pages, 1500, false))));
    auto undone = run(db::transact(db, std::bind_front(&insert_pages, 1500, true)));
    ASSERT_FALSE(undone);

    auto counted = must(run(db.read("SELECT count(*), sum(length(body)) FROM pages")));
    EXPECT_EQ(counted.front().get<std::int64_t>(0), 1560);
    EXPECT_EQ(counted.front().get<std::int64_t>(1), std::int64_t{1560} * 4000);

    // Another connection, with SQLite's own VFS, reads the same, and the file is sound.
    auto raw = open_raw(path_);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(raw.get(), "SELECT count(*) FROM pages", -1, &stmt, nullptr), SQLITE_OK
    );
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int64(stmt, 0), 1560);
    sqlite3_finalize(stmt);
    ASSERT_EQ(
        sqlite3_prepare_v2(raw.get(), "PRAGMA integrity_check", -1, &stmt, nullptr), SQLITE_OK
    );
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok");
    sqlite3_finalize(stmt);
    raw.reset();

    // And so does the database opened again.
    db_.reset();
    auto& again = open();
    auto reopened = must(run(again.read("SELECT count(*) FROM pages")));
    EXPECT_EQ(reopened.front().get<std::int64_t>(0), 1560);
}

}  // namespace
