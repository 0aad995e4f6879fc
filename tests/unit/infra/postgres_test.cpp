#include "infra/db/postgres.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/env.hpp"
#include "support/pg_database.hpp"

namespace {

namespace asio = boost::asio;
namespace db = infra::db;
using namespace std::chrono_literals;
using core::errc;

// co_spawn needs a default-constructible value for its exception path, which core::result is not.
template <class T>
core::task<std::optional<T>> boxed(core::task<T> t) {
    co_return co_await std::move(t);
}

template <class T>
T unbox(std::future<std::optional<T>>& done) {
    if (done.wait_for(0s) != std::future_status::ready) {
        throw std::runtime_error("a coroutine did not finish in time");
    }
    return std::move(*done.get());
}

// Runs `t` on a fresh io_context; a coroutine that hangs fails the test instead of the run.
template <class T>
T run(core::task<T> t, std::chrono::seconds limit = 60s) {
    asio::io_context io;
    auto done = asio::co_spawn(io, boxed(std::move(t)), asio::use_future);
    io.run_for(limit);
    return unbox(done);
}

void run(core::task<void> t, std::chrono::seconds limit = 60s) {
    asio::io_context io;
    auto done = asio::co_spawn(io, std::move(t), asio::use_future);
    io.run_for(limit);
    if (done.wait_for(0s) != std::future_status::ready) {
        throw std::runtime_error("the coroutine did not finish in time");
    }
    done.get();
}

// Runs every coroutine of `work` on two io_contexts, each on its own thread, as the server does.
template <class T>
std::vector<T> run_on_two_threads(std::vector<core::task<T>> work) {
    asio::io_context first;
    asio::io_context second;
    std::vector<std::future<std::optional<T>>> done;
    for (std::size_t i = 0; i < work.size(); ++i) {
        done.push_back(
            asio::co_spawn(i % 2 == 0 ? first : second, boxed(std::move(work[i])), asio::use_future)
        );
    }
    std::thread a{[&first] { first.run_for(60s); }};
    std::thread b{[&second] { second.run_for(60s); }};
    a.join();
    b.join();
    std::vector<T> out;
    out.reserve(done.size());
    for (auto& d : done) {
        out.push_back(unbox(d));
    }
    return out;
}

template <class T>
bool succeeded(const core::result<T>& r, std::string_view what) {
    if (!r) {
        ADD_FAILURE() << what << ": " << core::to_string(r.error().code) << ": "
                      << r.error().detail;
    }
    return r.has_value();
}

std::unique_ptr<db::database> open(const std::string& url, int pool_size = 4) {
    auto opened = run(db::open_postgres({.url = url, .pool_size = pool_size}));
    if (!opened) {
        throw std::runtime_error("open_postgres failed: " + opened.error().detail);
    }
    return std::move(*opened);
}

core::task<core::result<void>> script(db::database* d, std::string sql) {
    auto tx = co_await d->begin(db::tx_mode::write);
    if (!tx) {
        co_return std::move(tx).error();
    }
    auto ran = co_await (*tx)->run_script(std::move(sql));
    if (!ran) {
        co_return std::move(ran).error();
    }
    co_return co_await (*tx)->commit();
}

void setup(db::database& d, std::string sql) {
    auto done = run(script(&d, std::move(sql)));
    if (!done) {
        throw std::runtime_error("setup failed: " + done.error().detail);
    }
}

// A plain blocking libpq connection that looks at the database from outside the driver.
class observer {
public:
    explicit observer(const std::string& url) : conn_(PQconnectdb(url.c_str()), &PQfinish) {
        if (PQstatus(conn_.get()) != CONNECTION_OK) {
            throw std::runtime_error(
                std::string{"observer cannot connect: "} + PQerrorMessage(conn_.get())
            );
        }
    }

    // The first cell of the statement's result, or "error: <message>".
    std::string value(const std::string& sql) {
        std::unique_ptr<PGresult, decltype(&PQclear)> r{PQexec(conn_.get(), sql.c_str()), &PQclear};
        const auto status = PQresultStatus(r.get());
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            return std::string{"error: "} + PQerrorMessage(conn_.get());
        }
        return PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
    }

private:
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

// GCC 12 rejects a braced parameter list inside a co_await expression ("array used as
// initializer"), so coroutines here build their db::params as named locals.

core::task<core::result<db::rows>> insert_and_select_items(db::database* d) {
    db::params high{
        std::int64_t{9'007'199'254'740'993},
        0.1,
        true,
        "h\xc3\xa9llo 'q' \\ \"x\"",
        R"({"k": [1, 2]})",
        "2024-05-01T12:00:00Z",
        nullptr,
        std::optional<int>{}};
    auto first = co_await d->write(
        "INSERT INTO items VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", std::move(high)
    );
    if (!succeeded(first, "first insert")) {
        co_return std::move(first).error();
    }
    EXPECT_EQ(first->affected(), 1);
    db::params low{std::int64_t{-1},
                   -2.5e300,
                   false,
                   "",
                   "[]",
                   "1970-01-01 00:00:00+00",
                   std::string{"note"},
                   std::optional<int>{7}};
    auto second = co_await d->write(
        "INSERT INTO items VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", std::move(low)
    );
    if (!succeeded(second, "second insert")) {
        co_return std::move(second).error();
    }
    // A NULL parameter compares like any value.
    db::params null_note{nullptr};
    auto nulls = co_await d->read(
        "SELECT count(*) AS n FROM items WHERE note IS NOT DISTINCT FROM $1", std::move(null_note)
    );
    if (succeeded(nulls, "null parameter")) {
        EXPECT_EQ(nulls->front().get<std::int64_t>("n"), 1);
    }
    db::params filter{true, std::int64_t{-1}};
    co_return co_await d->read(
        "SELECT id, price, active, name, attrs, extract(epoch FROM created)::int8 AS epoch, note, "
        "qty "
        "FROM items WHERE active = $1 OR id = $2 ORDER BY id",
        std::move(filter)
    );
}

TEST(PostgresValues, round_trip_every_parameter_type_and_null) {
    test::pg_database scratch;
    auto d = open(scratch.url());
    setup(
        *d,
        "CREATE TABLE items (id bigint PRIMARY KEY, price double precision, active boolean, name "
        "text, "
        "attrs jsonb, created timestamptz, note text, qty integer)"
    );

    auto found = run(insert_and_select_items(d.get()));
    ASSERT_TRUE(succeeded(found, "select"));
    ASSERT_EQ(found->size(), 2U);
    EXPECT_EQ(found->columns().front(), "id");

    const auto low = (*found)[0];
    EXPECT_EQ(low.get<std::int64_t>("id"), -1);
    EXPECT_EQ(low.get<double>("price"), -2.5e300);
    EXPECT_FALSE(low.get<bool>("active"));
    EXPECT_EQ(low.get<std::string>("name"), "");
    EXPECT_EQ(low.get<std::string>("attrs"), "[]");
    EXPECT_EQ(low.get<std::int64_t>("epoch"), 0);
    EXPECT_EQ(low.get<std::string>("note"), "note");
    EXPECT_EQ(low.get<std::optional<int>>("qty"), 7);

    const auto high = (*found)[1];
    EXPECT_EQ(high.get<std::int64_t>("id"), 9'007'199'254'740'993);
    EXPECT_EQ(high.get<double>("price"), 0.1);
    EXPECT_TRUE(high.get<bool>("active"));
    EXPECT_EQ(high.get<std::string>("name"), "h\xc3\xa9llo 'q' \\ \"x\"");
    EXPECT_EQ(high.get<std::string>("attrs"), R"({"k": [1, 2]})");
    EXPECT_EQ(high.get<std::int64_t>("epoch"), 1'714'564'800);
    EXPECT_TRUE(high.is_null("note"));
    EXPECT_EQ(high.get<std::optional<std::string>>("note"), std::nullopt);
    EXPECT_EQ(high.get<std::optional<int>>("qty"), std::nullopt);
}

TEST(PostgresValues, typed_get_reads_optionals_and_booleans) {
    test::pg_database scratch;
    auto d = open(scratch.url());

    auto found = run(d->read(
        "SELECT true AS t, false AS f, NULL::boolean AS nb, 7::int4 AS i, NULL::int8 AS ni, "
        "2.5::float8 AS d, "
        "'x'::text AS s, $1::boolean AS p",
        {false}
    ));
    ASSERT_TRUE(succeeded(found, "select"));
    ASSERT_EQ(found->size(), 1U);
    const auto r = found->front();
    EXPECT_TRUE(r.get<bool>("t"));
    EXPECT_FALSE(r.get<bool>(1));
    EXPECT_FALSE(r.get<bool>("p"));
    EXPECT_EQ(r.get<std::optional<bool>>("t"), true);
    EXPECT_EQ(r.get<std::optional<bool>>("nb"), std::nullopt);
    EXPECT_EQ(r.get<int>("i"), 7);
    EXPECT_EQ(r.get<std::optional<std::int64_t>>("ni"), std::nullopt);
    EXPECT_EQ(r.get<double>("d"), 2.5);
    EXPECT_EQ(r.get<std::string>("s"), "x");
    EXPECT_THROW((void)r.get<bool>("nb"), std::logic_error);
    EXPECT_THROW((void)r.get<std::int64_t>("s"), std::logic_error);
}

core::task<void> run_same_statement_twice(db::database* d) {
    const std::string sql = "SELECT $1::int8 + 1 AS v";
    db::params forty_one{41};
    auto first = co_await d->read(sql, std::move(forty_one));
    if (succeeded(first, "first run")) {
        EXPECT_EQ(first->front().get<int>("v"), 42);
    }
    db::params one{1};
    auto second = co_await d->read(sql, std::move(one));
    if (succeeded(second, "second run")) {
        EXPECT_EQ(second->front().get<int>("v"), 2);
    }
    // pg_prepared_statements lists the current session's statements only; the pool has one
    // connection.
    db::params text{sql};
    auto prepared = co_await d->read(
        "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = $1", std::move(text)
    );
    if (succeeded(prepared, "prepared statements")) {
        EXPECT_EQ(prepared->front().get<int>("n"), 1);
    }
}

TEST(PostgresStatements, reuse_the_prepared_statement_on_one_connection) {
    test::pg_database scratch;
    auto d = open(scratch.url(), 1);
    run(run_same_statement_twice(d.get()));
}

core::task<void> violate_constraints(db::database* d) {
    const std::string insert = "INSERT INTO users (email, age) VALUES ($1, $2)";
    db::params first_args{"a@example.com", 30};
    auto first = co_await d->write(insert, std::move(first_args));
    (void)succeeded(first, "first insert");

    db::params duplicate_args{"a@example.com", 31};
    auto duplicate = co_await d->write(insert, std::move(duplicate_args));
    EXPECT_FALSE(duplicate);
    if (!duplicate) {
        EXPECT_EQ(duplicate.error().code, errc::conflict);
        EXPECT_EQ(duplicate.error().detail, "users_email_key");
    }
    db::params negative_args{"b@example.com", -1};
    auto negative = co_await d->write(insert, std::move(negative_args));
    EXPECT_FALSE(negative);
    if (!negative) {
        EXPECT_EQ(negative.error().code, errc::invalid);
        EXPECT_EQ(negative.error().detail, "users_age_check");
    }
    db::params missing_args{nullptr, 5};
    auto missing = co_await d->write(insert, std::move(missing_args));
    EXPECT_FALSE(missing);
    if (!missing) {
        EXPECT_EQ(missing.error().code, errc::invalid);
    }
    auto broken = co_await d->read("SELEC 1");
    EXPECT_FALSE(broken);
    if (!broken) {
        EXPECT_EQ(broken.error().code, errc::internal);
        EXPECT_NE(broken.error().detail.find("42601"), std::string::npos) << broken.error().detail;
    }
    // The failed statements left the connections usable.
    auto count = co_await d->read("SELECT count(*) AS n FROM users");
    if (succeeded(count, "count")) {
        EXPECT_EQ(count->front().get<int>("n"), 1);
    }
}

TEST(PostgresErrors, unique_violation_is_a_conflict_naming_the_constraint) {
    test::pg_database scratch;
    auto d = open(scratch.url(), 2);
    setup(
        *d,
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL CONSTRAINT "
        "users_email_key UNIQUE, "
        "age integer CONSTRAINT users_age_check CHECK (age >= 0))"
    );
    run(violate_constraints(d.get()));
}

TEST(PostgresErrors, statement_timeout_applies_to_every_connection) {
    test::pg_database scratch;
    auto opened =
        run(db::open_postgres({.url = scratch.url(), .pool_size = 1, .statement_timeout = 100ms}));
    ASSERT_TRUE(succeeded(opened, "open"));
    auto& d = **opened;
    auto shown = run(d.read("SHOW statement_timeout"));
    ASSERT_TRUE(succeeded(shown, "show"));
    EXPECT_EQ(shown->front().get<std::string>(0), "100ms");
    auto slow = run(d.read("SELECT pg_sleep(5)"));
    ASSERT_FALSE(slow);
    EXPECT_EQ(slow.error().code, errc::internal);
    EXPECT_NE(slow.error().detail.find("57014"), std::string::npos) << slow.error().detail;
}

core::task<void> abandon_transactions(db::database* d, std::string url) {
    {
        auto tx = co_await d->begin(db::tx_mode::write);
        if (!succeeded(tx, "begin")) {
            co_return;
        }
        auto updated = co_await (*tx)->run("UPDATE t SET n = 1 WHERE id = 1");
        (void)succeeded(updated, "update");
        auto inserted = co_await (*tx)->run("INSERT INTO t VALUES (2, 0)");
        (void)succeeded(inserted, "insert");
    }  // dropped without commit or rollback, holding the row lock of id 1

    // Nothing else touches the pool: the lock must already be gone. The observer blocks this
    // io_context, which is fine for a test.
    observer outside{url};
    EXPECT_EQ(outside.value("SET lock_timeout = '3s'"), "");
    EXPECT_EQ(outside.value("UPDATE t SET n = 5 WHERE id = 1"), "");
    EXPECT_EQ(outside.value("SELECT count(*) FROM t"), "1");

    // The one pooled connection is outside any transaction: it sees the observer's commit, not its
    // own abandoned insert.
    auto seen = co_await d->read("SELECT n, (SELECT count(*) FROM t) AS c FROM t WHERE id = 1");
    if (succeeded(seen, "read after abandon")) {
        EXPECT_EQ(seen->front().get<int>("n"), 5);
        EXPECT_EQ(seen->front().get<int>("c"), 1);
    }

    {
        auto tx = co_await d->begin(db::tx_mode::write);
        if (!succeeded(tx, "second begin")) {
            co_return;
        }
        auto failed = co_await (*tx)->run("SELECT 1 / 0");
        EXPECT_FALSE(failed);
    }  // dropped in the failed state
    auto again = co_await d->read("SELECT count(*) AS c FROM t");
    if (succeeded(again, "read after a failed transaction")) {
        EXPECT_EQ(again->front().get<int>("c"), 1);
    }
}

TEST(PostgresTransactions, dropped_without_commit_leaves_nothing_and_the_connection_usable) {
    test::pg_database scratch;
    auto d = open(scratch.url(), 1);
    setup(*d, "CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL); INSERT INTO t VALUES (1, 0);");
    run(abandon_transactions(d.get(), scratch.url()));
    EXPECT_EQ(d->stats().size, 1);
    EXPECT_EQ(d->stats().idle, 1);
}

core::task<core::result<int>> insert_two(db::transaction& tx) {
    for (int id : {1, 2}) {
        db::params args{id};
        auto inserted = co_await tx.run("INSERT INTO t VALUES ($1)", std::move(args));
        if (!inserted) {
            co_return std::move(inserted).error();
        }
    }
    co_return 2;
}

core::task<core::result<int>> insert_then_reject(db::transaction& tx) {
    auto inserted = co_await tx.run("INSERT INTO t VALUES (3)");
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    co_return core::fail(errc::invalid, "rejected by the body");
}

TEST(PostgresTransactions, transact_commits_the_body_and_rolls_back_a_failed_one) {
    test::pg_database scratch;
    auto d = open(scratch.url(), 2);
    setup(*d, "CREATE TABLE t (id int PRIMARY KEY)");

    auto committed = run(db::transact(*d, &insert_two));
    ASSERT_TRUE(succeeded(committed, "transact"));
    EXPECT_EQ(*committed, 2);
    auto rejected = run(db::transact(*d, &insert_then_reject));
    ASSERT_FALSE(rejected);
    EXPECT_EQ(rejected.error().code, errc::invalid);

    observer outside{scratch.url()};
    EXPECT_EQ(outside.value("SELECT string_agg(id::text, ',' ORDER BY id) FROM t"), "1,2");
}

core::task<std::string> isolation_of(db::database* d, db::tx_mode mode) {
    auto tx = co_await d->begin(mode);
    if (!succeeded(tx, "begin")) {
        co_return "";
    }
    auto level = co_await (*tx)->run("SHOW transaction_isolation");
    auto read_only = co_await (*tx)->run("SHOW transaction_read_only");
    if (!succeeded(level, "isolation") || !succeeded(read_only, "read only")) {
        co_return "";
    }
    if (mode == db::tx_mode::read) {
        auto written = co_await (*tx)->run("CREATE TABLE nope (id int)");
        EXPECT_FALSE(written) << "a read transaction accepted a write";
    }
    auto rolled = co_await (*tx)->rollback();
    (void)succeeded(rolled, "rollback");
    co_return level->front().get<std::string>(0) + "/" + read_only->front().get<std::string>(0);
}

TEST(PostgresTransactions, modes_choose_isolation_and_access) {
    test::pg_database scratch;
    auto d = open(scratch.url(), 1);
    EXPECT_EQ(run(isolation_of(d.get(), db::tx_mode::read)), "repeatable read/on");
    EXPECT_EQ(run(isolation_of(d.get(), db::tx_mode::write)), "read committed/off");
    EXPECT_EQ(run(isolation_of(d.get(), db::tx_mode::serializable_write)), "serializable/off");
}

core::task<core::result<void>> add_one(db::transaction& tx) {
    auto updated = co_await tx.run("UPDATE counter SET n = n + 1 WHERE id = 1");
    if (!updated) {
        co_return std::move(updated).error();
    }
    if (updated->affected() != 1) {
        co_return core::fail(errc::internal, "counter row missing");
    }
    co_return core::ok();
}

core::task<core::result<void>> increment(db::database* d) {
    co_return co_await db::transact(*d, &add_one);
}

TEST(PostgresConcurrency, fifty_increments_on_two_threads_all_count) {
    test::pg_database scratch;
    auto d = open(scratch.url(), 4);
    setup(
        *d,
        "CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counter VALUES (1, "
        "0);"
    );

    std::vector<core::task<core::result<void>>> work;
    work.reserve(50);
    for (int i = 0; i < 50; ++i) {
        work.push_back(increment(d.get()));
    }
    for (const auto& done : run_on_two_threads(std::move(work))) {
        EXPECT_TRUE(succeeded(done, "increment"));
    }
    auto total = run(d->read("SELECT n FROM counter WHERE id = 1"));
    ASSERT_TRUE(succeeded(total, "total"));
    EXPECT_EQ(total->front().get<int>("n"), 50);
    EXPECT_LE(d->stats().size, 4);
    EXPECT_EQ(d->stats().waiting, 0);
}

core::task<void> conflicting_serializable_writers(db::database* d) {
    auto first = co_await d->begin(db::tx_mode::serializable_write);
    auto second = co_await d->begin(db::tx_mode::serializable_write);
    if (!succeeded(first, "first begin") || !succeeded(second, "second begin")) {
        co_return;
    }
    const std::string select = "SELECT n FROM counter WHERE id = 1";
    const std::string update = "UPDATE counter SET n = $1 WHERE id = 1";
    auto seen_first = co_await (*first)->run(select);
    auto seen_second = co_await (*second)->run(select);
    if (!succeeded(seen_first, "first read") || !succeeded(seen_second, "second read")) {
        co_return;
    }
    db::params first_value{seen_first->front().get<int>(0) + 1};
    auto won = co_await (*first)->run(update, std::move(first_value));
    (void)succeeded(won, "first update");
    auto first_commit = co_await (*first)->commit();
    (void)succeeded(first_commit, "first commit");

    db::params second_value{seen_second->front().get<int>(0) + 1};
    auto lost = co_await (*second)->run(update, std::move(second_value));
    EXPECT_FALSE(lost) << "the second writer overwrote the first";
    if (!lost) {
        EXPECT_EQ(lost.error().code, errc::busy) << lost.error().detail;
    }
    // Committing the aborted transaction reports why it aborted instead of PostgreSQL's silent
    // rollback.
    auto committed = co_await (*second)->commit();
    EXPECT_FALSE(committed);
    if (!committed) {
        EXPECT_EQ(committed.error().code, errc::busy);
    }
}

// Reads the counter; on the first attempt another connection changes it before this one writes.
core::task<core::result<int>> bump_with_interference(
    db::database* d, int* attempts, db::transaction& tx
) {
    ++*attempts;
    auto seen = co_await tx.run("SELECT n FROM counter WHERE id = 1");
    if (!seen) {
        co_return std::move(seen).error();
    }
    if (*attempts == 1) {
        auto other = co_await d->write("UPDATE counter SET n = n + 100 WHERE id = 1");
        if (!other) {
            co_return std::move(other).error();
        }
    }
    const int next = seen->front().get<int>("n") + 1;
    db::params args{next};
    auto updated = co_await tx.run("UPDATE counter SET n = $1 WHERE id = 1", std::move(args));
    if (!updated) {
        co_return std::move(updated).error();
    }
    co_return next;
}

TEST(PostgresConcurrency, serializable_conflict_is_busy_and_transact_retries_it) {
    test::pg_database scratch;
    auto d = open(scratch.url(), 3);
    setup(
        *d,
        "CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counter VALUES (1, "
        "0);"
    );

    run(conflicting_serializable_writers(d.get()));

    int attempts = 0;
    auto bumped = run(db::transact(
        *d, std::bind_front(&bump_with_interference, d.get(), &attempts),
        db::tx_mode::serializable_write
    ));
    ASSERT_TRUE(succeeded(bumped, "transact"));
    EXPECT_EQ(attempts, 2);
    EXPECT_EQ(*bumped, 102);
    observer outside{scratch.url()};
    EXPECT_EQ(outside.value("SELECT n FROM counter WHERE id = 1"), "102");
}

core::task<std::int64_t> sleepy_query(
    db::database* d, int i, std::atomic<std::int64_t>* max_waiting
) {
    db::params args{i};
    auto r = co_await d->read("SELECT pg_sleep(0.02), $1::int8 AS i", std::move(args));
    const auto waiting = d->stats().waiting;
    auto seen = max_waiting->load();
    while (waiting > seen && !max_waiting->compare_exchange_weak(seen, waiting)) {
    }
    EXPECT_LE(d->stats().size, 2);
    if (!succeeded(r, "query")) {
        co_return -1;
    }
    co_return r->front().get<std::int64_t>("i");
}

TEST(PostgresPool, two_connections_serve_twenty_concurrent_queries) {
    test::pg_database scratch;
    auto d = open(scratch.url(), 2);
    std::atomic<std::int64_t> max_waiting{0};
    std::vector<core::task<std::int64_t>> work;
    work.reserve(20);
    for (int i = 0; i < 20; ++i) {
        work.push_back(sleepy_query(d.get(), i, &max_waiting));
    }
    auto answers = run_on_two_threads(std::move(work));
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(answers[static_cast<std::size_t>(i)], i);
    }
    EXPECT_GT(max_waiting.load(), 0);
    const auto stats = d->stats();
    EXPECT_EQ(stats.size, 2);
    EXPECT_EQ(stats.idle, 2);
    EXPECT_EQ(stats.waiting, 0);
}

TEST(PostgresPool, opens_lazily_and_answers_ping) {
    test::pg_database scratch;
    auto d = open(scratch.url(), 4);
    EXPECT_EQ(d->kind(), db::dialect::postgres);
    EXPECT_TRUE(succeeded(run(d->ping()), "ping"));
    const auto stats = d->stats();
    EXPECT_EQ(stats.size, 1);
    EXPECT_EQ(stats.idle, 1);
    EXPECT_EQ(stats.waiting, 0);
}

TEST(PostgresPool, replaces_a_connection_the_server_ended) {
    test::pg_database scratch;
    auto d = open(scratch.url(), 1);
    auto before = run(d->read("SELECT pg_backend_pid() AS pid"));
    ASSERT_TRUE(succeeded(before, "first pid"));
    const auto pid = before->front().get<std::string>("pid");

    observer admin{test::pg_admin_url()};
    ASSERT_EQ(admin.value("SELECT pg_terminate_backend(" + pid + ", 5000)"), "t");

    auto after = run(d->read("SELECT pg_backend_pid() AS pid"));
    ASSERT_TRUE(succeeded(after, "pid after termination"));
    EXPECT_NE(after->front().get<std::string>("pid"), pid);
    EXPECT_EQ(d->stats().size, 1);
}

std::string url_on_port(unsigned short port) {
    return "postgres://trader@127.0.0.1:" + std::to_string(port) + "/postgres";
}

TEST(PostgresConnect, unreachable_server_is_unavailable_within_the_timeout) {
    unsigned short port = 0;
    {
        asio::io_context io;
        asio::ip::tcp::acceptor closed{io, {asio::ip::address_v4::loopback(), 0}};
        port = closed.local_endpoint().port();
    }
    const auto started = std::chrono::steady_clock::now();
    auto opened = run(db::open_postgres({.url = url_on_port(port), .connect_timeout = 3s}));
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, errc::unavailable);
    EXPECT_LT(took, 3s);
}

TEST(PostgresConnect, silent_server_times_out_as_unavailable) {
    asio::io_context io;
    // Listens but never accepts or answers: the kernel completes the handshake, libpq waits for a
    // reply.
    asio::ip::tcp::acceptor silent{io, {asio::ip::address_v4::loopback(), 0}};
    const auto started = std::chrono::steady_clock::now();
    auto opened = run(db::open_postgres(
        {.url = url_on_port(silent.local_endpoint().port()), .connect_timeout = 300ms}
    ));
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, errc::unavailable);
    EXPECT_NE(opened.error().detail.find("timed out"), std::string::npos) << opened.error().detail;
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 3s);
}

TEST(PostgresConnect, resolves_host_names_and_rejects_bad_settings) {
    test::pg_database scratch;
    // `localhost` goes through the asynchronous resolver and may yield ::1 before 127.0.0.1.
    std::string url = scratch.url();
    const auto at = url.find("127.0.0.1");
    ASSERT_NE(at, std::string::npos) << "expects TRADER_TEST_PG_URL on 127.0.0.1";
    url.replace(at, 9, "localhost");
    auto d = open(url, 1);
    EXPECT_TRUE(succeeded(run(d->ping()), "ping via localhost"));

    auto bad_url = run(db::open_postgres({.url = "postgresql://%zz@localhost/db"}));
    ASSERT_FALSE(bad_url);
    EXPECT_EQ(bad_url.error().code, errc::invalid);
    auto bad_size = run(db::open_postgres({.url = scratch.url(), .pool_size = 0}));
    ASSERT_FALSE(bad_size);
    EXPECT_EQ(bad_size.error().code, errc::invalid);
}

}  // namespace
