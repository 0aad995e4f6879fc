#include "infra/db/sqlite.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cassert>
#include <cctype>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/worker_pool.hpp"
#include "infra/db/sqlite_wal_vfs.hpp"

namespace infra::db {
namespace {

using core::errc;

struct db_closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct stmt_finalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
struct sqlite_freer {
    void operator()(char* text) const noexcept { sqlite3_free(text); }
};
using db_handle = std::unique_ptr<sqlite3, db_closer>;
using stmt_handle = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;
using sqlite_text = std::unique_ptr<char, sqlite_freer>;

// Dynamic SQL (IN lists of varying length) would otherwise grow the cache without bound.
constexpr std::size_t max_cached_statements = 512;

core::error map_error(int rc, std::string_view during, std::string_view message) {
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return {errc::busy, std::string{message}};
        case SQLITE_CONSTRAINT:
            // A duplicate rowid is a uniqueness violation too.
            if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
                rc == SQLITE_CONSTRAINT_ROWID) {
                return {errc::conflict, std::string{message}};
            }
            return {errc::invalid, std::string{message}};
        default:
            return {
                errc::internal, "sqlite " + std::string{during} + ": " + std::string{message} +
                                    " (" + std::to_string(rc) + ")"};
    }
}

bool is_identifier_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$';
}

// Index one past the quoted section that starts at `from` (a quote doubled inside it is an escaped
// one).
std::size_t end_of_quoted(std::string_view sql, std::size_t from, char close) {
    std::size_t at = from + 1;
    while (at < sql.size()) {
        if (sql[at] != close) {
            ++at;
            continue;
        }
        if (close != ']' && at + 1 < sql.size() && sql[at + 1] == close) {
            at += 2;
            continue;
        }
        return at + 1;
    }
    return sql.size();
}

std::size_t end_of_comment(std::string_view sql, std::size_t from) {
    if (sql[from] == '-') {
        auto eol = sql.find('\n', from);
        return eol == std::string_view::npos ? sql.size() : eol + 1;
    }
    auto close = sql.find("*/", from + 2);
    return close == std::string_view::npos ? sql.size() : close + 2;
}

}  // namespace

// A write transaction waiting for the group it joined to be committed.
class commit_wait {
public:
    commit_wait() : done_(boost::asio::system_executor{}, 1) {}

    // Called once, by whoever commits or undoes the group.
    void finish(std::optional<core::error> failure) {
        failure_ = std::move(failure);
        [[maybe_unused]] bool sent = done_.try_send(boost::system::error_code{});
        assert(sent && "a group member was finished twice");
    }

    core::task<core::result<void>> wait() {
        (void)co_await done_.async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
        if (failure_) {
            co_return *failure_;
        }
        co_return core::ok();
    }

private:
    boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> done_;
    std::optional<core::error> failure_;  // written before the send, read after the receive
};

// Group commit on the single writer: the physical transaction stays open while writers queue for
// the connection; each write transaction is a savepoint in it, and one COMMIT makes the whole
// group durable. A member learns its outcome only then, so no caller sees "committed" before the
// data is. Touched only by the holder of the writer.
struct write_group {
    std::atomic<std::int64_t> commits{0};           // read by stats() from any thread
    std::atomic<std::int64_t> committed_writes{0};
    bool open = false;             // BEGIN IMMEDIATE ran and COMMIT has not
    bool flush_scheduled = false;  // a flush_group() is queued for the writer
    std::vector<std::shared_ptr<commit_wait>> members;  // released savepoints waiting for COMMIT
};

// Checkpoints the WAL into the database file on a thread of its own, with its own connection.
// Left to SQLite, the writer that commits past the threshold copies every page itself while all
// other writers wait. Here the writer only finishes a pass that is nearly done: the WAL restarts
// from its beginning only when it was wholly copied as the next write began, so the last few
// pages are copied right after a COMMIT, before the writer is given up.
class checkpointer {
public:
    // Pages in the WAL before a checkpoint is due (SQLite's own default is 1000). Every cycle of
    // the WAL ends with the writer copying the last pages and syncing twice while other writers
    // wait, so fewer, longer cycles stall them less often.
    static constexpr int threshold = 2000;
    // The writer finishes a pass itself when at most this many pages are left: the thread's passes
    // converge to about this many pages written meanwhile.
    static constexpr int finish_pages = 256;

    explicit checkpointer(db_handle db) : db_(std::move(db)), thread_([this] { loop(); }) {}
    checkpointer(const checkpointer&) = delete;
    checkpointer& operator=(const checkpointer&) = delete;
    ~checkpointer() {
        {
            std::lock_guard lock{mutex_};
            stopping_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }

    // The writer's WAL hook: runs on the writer after each COMMIT, with the WAL's size in pages.
    static int on_commit(void* self, sqlite3* writer, const char*, int pages) {
        static_cast<checkpointer*>(self)->wal_grew(writer, pages);
        return SQLITE_OK;
    }

    std::int64_t checkpoints() const noexcept { return done_.load(std::memory_order_relaxed); }

private:
    void wal_grew(sqlite3* writer, int pages) {
        if (pages < last_pages_) {
            backfilled_.store(0, std::memory_order_relaxed);  // the WAL restarted
        }
        last_pages_ = pages;
        if (pages < threshold) {
            return;
        }
        int left = pages - backfilled_.load(std::memory_order_relaxed);
        if (left <= finish_pages) {
            // When the thread is copying meanwhile, the next COMMIT tries again.
            checkpoint(writer);
            return;
        }
        {
            std::lock_guard lock{mutex_};
            if (due_) {
                return;
            }
            due_ = true;
        }
        wake_.notify_one();
    }

    void loop() {
        std::unique_lock lock{mutex_};
        while (true) {
            wake_.wait(lock, [this] { return due_ || stopping_; });
            if (stopping_) {
                return;
            }
            lock.unlock();
            checkpoint(db_.get());
            lock.lock();
            due_ = false;
        }
    }

    // PASSIVE: copies what no reader still needs and never waits for a lock.
    void checkpoint(sqlite3* db) {
        int log = 0;
        int copied = 0;
        if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) ==
            SQLITE_OK) {
            backfilled_.store(copied, std::memory_order_relaxed);
            done_.fetch_add(1, std::memory_order_relaxed);
        }
    }

    db_handle db_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool due_ = false;
    bool stopping_ = false;
    std::atomic<int> backfilled_{0};  // WAL pages copied so far in this cycle of the WAL
    int last_pages_ = 0;              // touched only by the writer's hook
    std::atomic<std::int64_t> done_{0};
    std::thread thread_;  // last: starts once everything above exists
};

// One SQLite connection with its prepared statements. Used by one holder at a time, on pool
// threads.
class sqlite_connection {
public:
    explicit sqlite_connection(db_handle db) : db_(std::move(db)) {}

    static core::result<std::unique_ptr<sqlite_connection>> open(
        const std::string& path, bool read_only, std::chrono::milliseconds busy_timeout
    ) {
        // NOMUTEX: the pool already guarantees one holder at a time, so SQLite's own locking is
        // waste.
        int flags = SQLITE_OPEN_NOMUTEX |
                    (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        sqlite3* raw = nullptr;
        // The writer's WAL appends go out with one call per commit (sqlite_wal_vfs.hpp).
        int rc = sqlite3_open_v2(path.c_str(), &raw, flags, read_only ? nullptr : wal_batching_vfs());
        db_handle db{raw};
        if (rc != SQLITE_OK) {
            std::string message = db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
            return map_error(rc, "open " + path, message);
        }
        sqlite3_extended_result_codes(db.get(), 1);
        sqlite3_busy_timeout(db.get(), static_cast<int>(busy_timeout.count()));
        auto conn = std::make_unique<sqlite_connection>(std::move(db));

        // A read-only connection cannot switch the mode, but reports "wal" once the writer has.
        auto mode = conn->run_uncached("PRAGMA journal_mode=WAL");
        if (!mode) {
            return std::move(mode).error();
        }
        if (mode->empty() || mode->front().get<std::string>(0) != "wal") {
            return core::error{errc::internal, "sqlite: could not switch " + path + " to WAL"};
        }
        // journal_size_limit: a WAL that grew under a burst is cut back to 64 MiB when it restarts.
        auto pragmas = conn->run_script(
            "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=67108864;"
        );
        if (!pragmas) {
            return std::move(pragmas).error();
        }
        if (!read_only) {
            // Every member of a write group is a savepoint, whose undo pages SQLite writes to a
            // temporary file past 64 KiB: about as many pwrite calls as the WAL itself. In memory
            // they cost a copy, and they are dropped at the group's COMMIT.
            auto temp = conn->run_script("PRAGMA temp_store=MEMORY");
            if (!temp) {
                return std::move(temp).error();
            }
        }
        return conn;
    }

    // One statement with bound parameters, prepared once per connection.
    core::result<rows> run(const std::string& sql, const params& args) {
        auto stmt = prepared(sql);
        if (!stmt) {
            return std::move(stmt).error();
        }
        return execute(*stmt, args);
    }

    // Several statements without parameters.
    core::result<void> run_script(const std::string& sql) {
        char* raw = nullptr;
        int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &raw);
        sqlite_text message{raw};
        if (rc != SQLITE_OK) {
            return map_error(rc, "exec", message ? message.get() : sqlite3_errstr(rc));
        }
        return core::ok();
    }

    write_group& group() noexcept { return group_; }

    // Checkpoints go to `c` instead of the committing writer.
    void checkpoint_with(checkpointer* c) noexcept {
        sqlite3_wal_hook(db_.get(), &checkpointer::on_commit, c);
    }

    // Deferred foreign-key violations not yet resolved in the open transaction.
    bool deferred_violations() noexcept {
        int current = 0;
        int highest = 0;
        sqlite3_db_status(db_.get(), SQLITE_DBSTATUS_DEFERRED_FKS, &current, &highest, 0);
        return current > 0;
    }

    // A holder that dropped its transaction may have left it open; the next holder must not inherit
    // it.
    void roll_back_if_open() noexcept {
        if (sqlite3_get_autocommit(db_.get()) == 0) {
            sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }

private:
    core::result<rows> run_uncached(const std::string& sql) {
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr);
        stmt_handle stmt{raw};
        if (rc != SQLITE_OK) {
            return failure(rc, "prepare");
        }
        return execute(stmt.get(), {});
    }

    core::result<sqlite3_stmt*> prepared(const std::string& sql) {
        if (auto found = statements_.find(sql); found != statements_.end()) {
            return found->second.get();
        }
        if (statements_.size() >= max_cached_statements) {
            statements_.clear();
        }
        std::string text = to_sqlite_placeholders(sql);
        sqlite3_stmt* raw = nullptr;
        const char* tail = nullptr;
        int rc = sqlite3_prepare_v3(
            db_.get(), text.c_str(), static_cast<int>(text.size() + 1), SQLITE_PREPARE_PERSISTENT,
            &raw, &tail
        );
        stmt_handle stmt{raw};
        if (rc != SQLITE_OK) {
            return failure(rc, "prepare");
        }
        if (!stmt) {
            return core::error{errc::internal, "sqlite prepare: empty statement"};
        }
        if (!only_whitespace_or_comments(tail)) {
            return core::error{
                errc::internal,
                "sqlite prepare: run() takes one statement, use run_script(): " + sql};
        }
        auto* out = stmt.get();
        statements_.emplace(sql, std::move(stmt));
        return out;
    }

    // What follows the first statement; preparing it tells real SQL from trailing comments or `;`.
    bool only_whitespace_or_comments(const char* tail) {
        if (tail == nullptr || *tail == '\0') {
            return true;
        }
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v2(db_.get(), tail, -1, &raw, nullptr);
        stmt_handle next{raw};
        return rc == SQLITE_OK && !next;
    }

    core::result<rows> execute(sqlite3_stmt* stmt, const params& args) {
        // A statement left un-reset keeps its read transaction open; clear bindings so a cached
        // statement never points at a caller's freed string.
        struct reset_on_exit {
            sqlite3_stmt* stmt;
            ~reset_on_exit() {
                sqlite3_reset(stmt);
                sqlite3_clear_bindings(stmt);
            }
        } reset{stmt};

        auto expected = static_cast<std::size_t>(sqlite3_bind_parameter_count(stmt));
        if (expected != args.size()) {
            return core::error{
                errc::internal, "sqlite bind: statement takes " + std::to_string(expected) +
                                    " parameters, got " + std::to_string(args.size()) + ": " +
                                    sqlite3_sql(stmt)};
        }
        for (std::size_t i = 0; i < args.size(); ++i) {
            int rc = bind(stmt, static_cast<int>(i + 1), args[i]);
            if (rc != SQLITE_OK) {
                return failure(rc, "bind");
            }
        }

        int width = sqlite3_column_count(stmt);
        std::vector<std::string> columns;
        columns.reserve(static_cast<std::size_t>(width));
        for (int col = 0; col < width; ++col) {
            const char* name = sqlite3_column_name(stmt, col);
            columns.emplace_back(name != nullptr ? name : "");
        }
        std::vector<cell> cells;
        for (;;) {
            int rc = sqlite3_step(stmt);
            if (rc == SQLITE_DONE) {
                break;
            }
            if (rc != SQLITE_ROW) {
                return failure(rc, "step");
            }
            for (int col = 0; col < width; ++col) {
                cells.push_back(read_cell(stmt, col));
            }
        }
        std::int64_t affected = sqlite3_stmt_readonly(stmt) != 0 ? 0 : sqlite3_changes64(db_.get());
        return rows{std::move(columns), std::move(cells), affected};
    }

    static int bind(sqlite3_stmt* stmt, int index, const param& arg) {
        const auto& value = arg.value();
        if (const auto* i = std::get_if<std::int64_t>(&value)) {
            return sqlite3_bind_int64(stmt, index, *i);
        }
        if (const auto* d = std::get_if<double>(&value)) {
            return sqlite3_bind_double(stmt, index, *d);
        }
        if (const auto* b = std::get_if<bool>(&value)) {
            return sqlite3_bind_int(stmt, index, *b ? 1 : 0);
        }
        if (const auto* s = std::get_if<std::string>(&value)) {
            // STATIC: `args` outlives the step, and the bindings are cleared before it is gone.
            return sqlite3_bind_text64(
                stmt, index, s->data(), s->size(), SQLITE_STATIC, SQLITE_UTF8
            );
        }
        return sqlite3_bind_null(stmt, index);
    }

    static cell read_cell(sqlite3_stmt* stmt, int col) {
        switch (sqlite3_column_type(stmt, col)) {
            case SQLITE_INTEGER:
                return sqlite3_column_int64(stmt, col);
            case SQLITE_FLOAT:
                return sqlite3_column_double(stmt, col);
            case SQLITE_TEXT: {
                const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
                auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, col));
                return text != nullptr ? std::string(text, size) : std::string{};
            }
            case SQLITE_BLOB: {
                const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt, col));
                auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, col));
                return blob != nullptr ? std::string(blob, size) : std::string{};
            }
            default:
                return std::monostate{};
        }
    }

    core::error failure(int rc, std::string_view during) const {
        return map_error(rc, during, sqlite3_errmsg(db_.get()));
    }

    // Declared first so it closes last, after every statement is finalized.
    db_handle db_;
    std::unordered_map<std::string, stmt_handle> statements_;
    write_group group_;
};

// Idle connections wait in a channel, so an acquirer suspends its coroutine instead of blocking a
// thread.
class sqlite_pool {
public:
    sqlite_pool(core::worker_pool& workers, std::vector<std::unique_ptr<sqlite_connection>> all)
        : workers_(&workers),
          all_(std::move(all)),
          // The channel's executor only tracks work; completions run on each acquirer's executor.
          idle_(boost::asio::system_executor{}, all_.size()) {
        for (auto& conn : all_) {
            release(conn.get());
        }
    }

    // The writer's pool: its transactions run on `home`, a thread of their own, so one that ends
    // hands the connection to the next without waking another thread or queueing behind readers.
    sqlite_pool(std::unique_ptr<core::worker_pool> home, std::vector<std::unique_ptr<sqlite_connection>> all)
        : sqlite_pool(*home, std::move(all)) {
        home_ = std::move(home);
    }

    sqlite_pool(const sqlite_pool&) = delete;
    sqlite_pool& operator=(const sqlite_pool&) = delete;

    ~sqlite_pool() {
        if (!home_) {
            return;
        }
        home_->stop();
        if (home_->running_here()) {
            // The last holder let go on the home thread itself, which cannot join itself.
            std::thread([home = std::move(home_)]() mutable { home.reset(); }).detach();
        }
        // Otherwise home_ is joined as it is destroyed, before the connections close.
    }

    core::worker_pool& workers() const noexcept { return *workers_; }

    // Write transactions sent to the home thread that have not started yet: a finished one joins
    // the open group instead of committing when one is coming.
    void write_queued() noexcept { queued_.fetch_add(1, std::memory_order_relaxed); }
    void write_started() noexcept { queued_.fetch_sub(1, std::memory_order_relaxed); }
    bool others_coming() const noexcept {
        return waiting() > 0 || queued_.load(std::memory_order_relaxed) > 0;
    }

    // For the writer's pool: `c` checkpoints the WAL from now on.
    void checkpoint_with(std::unique_ptr<checkpointer> c) {
        checkpointer_ = std::move(c);
        all_.front()->checkpoint_with(checkpointer_.get());
    }
    std::int64_t checkpoints() const noexcept {
        return checkpointer_ ? checkpointer_->checkpoints() : 0;
    }

    int size() const noexcept { return static_cast<int>(all_.size()); }
    int idle() const noexcept { return idle_count_.load(std::memory_order_relaxed); }
    std::int64_t waiting() const noexcept { return waiting_.load(std::memory_order_relaxed); }
    // The first connection's group counters (only the writer's are ever non-zero).
    std::pair<std::int64_t, std::int64_t> group_counters() const noexcept {
        if (all_.empty()) {
            return {0, 0};
        }
        auto& g = all_.front()->group();
        return {
            g.commits.load(std::memory_order_relaxed),
            g.committed_writes.load(std::memory_order_relaxed)};
    }

    // An idle connection, or nullptr when every one is taken.
    sqlite_connection* try_take() {
        sqlite_connection* out = nullptr;
        bool taken = idle_.try_receive([&out](boost::system::error_code, sqlite_connection* conn) {
            out = conn;
        });
        if (taken) {
            idle_count_.fetch_sub(1, std::memory_order_relaxed);
        }
        return out;
    }

    core::task<core::result<sqlite_connection*>> take_waiting() {
        waiting_.fetch_add(1, std::memory_order_relaxed);
        // Also undone when the waiting coroutine is destroyed rather than resumed.
        struct done_waiting {
            std::atomic<std::int64_t>& waiting;
            ~done_waiting() { waiting.fetch_sub(1, std::memory_order_relaxed); }
        } guard{waiting_};
        auto got = co_await idle_.async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
        if (std::get<0>(got)) {
            co_return core::error{errc::unavailable, "sqlite pool: " + std::get<0>(got).message()};
        }
        idle_count_.fetch_sub(1, std::memory_order_relaxed);
        co_return std::get<1>(got);
    }

    void release(sqlite_connection* conn) noexcept {
        idle_count_.fetch_add(1, std::memory_order_relaxed);
        // Never full: the capacity is the number of connections, and a waiter takes it directly.
        [[maybe_unused]] bool queued = idle_.try_send(boost::system::error_code{}, conn);
        assert(queued && "a connection was released twice");
    }

private:
    using channel = boost::asio::experimental::concurrent_channel<
        void(boost::system::error_code, sqlite_connection*)>;

    core::worker_pool* workers_;
    // Before the connections, so it outlives the writer whose WAL hook points at it.
    std::unique_ptr<checkpointer> checkpointer_;
    std::vector<std::unique_ptr<sqlite_connection>> all_;
    channel idle_;
    std::atomic<int> idle_count_{0};
    std::atomic<std::int64_t> waiting_{0};
    std::atomic<std::int64_t> queued_{0};
    // Last, so its thread has stopped before the connections close.
    std::unique_ptr<core::worker_pool> home_;
};

namespace {

// A connection taken from its pool; dropping it gives the connection back.
class lease {
public:
    lease() = default;
    lease(std::shared_ptr<sqlite_pool> pool, sqlite_connection* conn)
        : pool_(std::move(pool)), conn_(conn) {}
    lease(lease&& other) noexcept
        : pool_(std::move(other.pool_)), conn_(std::exchange(other.conn_, nullptr)) {}
    lease& operator=(lease&& other) noexcept {
        if (this != &other) {
            reset();
            pool_ = std::move(other.pool_);
            conn_ = std::exchange(other.conn_, nullptr);
        }
        return *this;
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() { reset(); }

    explicit operator bool() const noexcept { return conn_ != nullptr; }
    sqlite_connection* get() const noexcept { return conn_; }
    core::worker_pool& workers() const noexcept { return pool_->workers(); }
    const std::shared_ptr<sqlite_pool>& pool() const noexcept { return pool_; }

    void reset() noexcept {
        if (conn_ != nullptr) {
            pool_->release(std::exchange(conn_, nullptr));
        }
    }

private:
    std::shared_ptr<sqlite_pool> pool_;
    sqlite_connection* conn_ = nullptr;
};

core::task<core::result<lease>> take(std::shared_ptr<sqlite_pool> pool) {
    if (auto* conn = pool->try_take()) {
        co_return lease{std::move(pool), conn};
    }
    auto waited = co_await pool->take_waiting();
    if (!waited) {
        co_return std::move(waited).error();
    }
    co_return lease{std::move(pool), *waited};
}

// A group holds at most this many write transactions: their callers wait for one COMMIT, the
// first of them for all the others (docs/architecture.md, "Group commit").
constexpr std::size_t max_group = 16;

// Commits the writer's open group (or undoes it when COMMIT fails) and tells every member.
// `closer_writes`: 1 when the caller is a write transaction of the group itself. Returns the
// outcome. Runs on a pool thread, with the writer held.
std::optional<core::error> close_group(sqlite_connection& conn, int closer_writes = 0) {
    auto& g = conn.group();
    if (!g.open) {
        return std::nullopt;
    }
    std::optional<core::error> failure;
    if (auto committed = conn.run_script("COMMIT"); !committed) {
        failure = std::move(committed).error();
        conn.roll_back_if_open();
    } else {
        g.commits.fetch_add(1, std::memory_order_relaxed);
        g.committed_writes.fetch_add(
            static_cast<std::int64_t>(g.members.size()) + closer_writes, std::memory_order_relaxed
        );
    }
    g.open = false;
    auto members = std::move(g.members);
    g.members.clear();
    for (auto& m : members) {
        m->finish(failure);
    }
    return failure;
}

// Queued behind the writers waiting now: when its turn comes, commits whatever group is open.
core::task<void> flush_group(std::shared_ptr<sqlite_pool> writer) {
    auto held = co_await take(std::move(writer));
    if (!held) {
        co_return;
    }
    auto* conn = held->get();
    auto job = [conn] {
        conn->group().flush_scheduled = false;
        (void)close_group(*conn);
        return true;
    };
    (void)co_await held->workers().run(std::move(job));
}

// Gives the writer back with its group still open only when someone is queued to close it.
// Runs on a pool thread, with the writer held.
void leave_group(sqlite_connection& conn, const std::shared_ptr<sqlite_pool>& writer) {
    auto& g = conn.group();
    if (!g.open) {
        return;
    }
    if (!writer->others_coming()) {
        (void)close_group(conn);
        return;
    }
    if (!g.flush_scheduled) {
        g.flush_scheduled = true;
        auto& workers = writer->workers();
        boost::asio::co_spawn(workers.executor(), flush_group(writer), boost::asio::detached);
    }
}

// Undoes one write transaction of the group: its savepoint, not the others'.
core::result<void> roll_back_member(sqlite_connection& conn) {
    auto undone = conn.run_script("ROLLBACK TO member; RELEASE member");
    if (!undone) {
        // The group can no longer be trusted: undo all of it.
        conn.roll_back_if_open();
        auto& g = conn.group();
        g.open = false;
        auto members = std::move(g.members);
        g.members.clear();
        for (auto& m : members) {
            m->finish(undone.error());
        }
    }
    return undone;
}

// Rolls back a transaction dropped without commit or rollback, off the I/O thread, then gives the
// connection back. If this never runs (its executor is gone), the lease still returns the
// connection and the next holder rolls back first.
core::task<void> roll_back_abandoned(lease held, bool writer) {
    auto* conn = held.get();
    auto pool = held.pool();
    auto job = [conn, writer, pool] {
        if (writer) {
            (void)roll_back_member(*conn);
            leave_group(*conn, pool);
        } else {
            conn->roll_back_if_open();
        }
        return true;
    };
    (void)co_await held.workers().run(std::move(job));
}

// A single statement in autocommit on a connection of `pool`, taken and given back on the pool
// thread that runs it: the connection (the single writer, for write()) is held only while the
// statement runs, not across the hops there and back.
core::task<void> run_once_here(
    std::shared_ptr<sqlite_pool> pool, std::string sql, params args, std::optional<core::result<rows>>& out
) {
    auto held = co_await take(std::move(pool));
    if (!held) {
        out.emplace(std::move(held).error());
        co_return;
    }
    auto* conn = held->get();
    conn->roll_back_if_open();
    out.emplace(conn->run(sql, args));
}

core::task<core::result<rows>> run_once(
    std::shared_ptr<sqlite_pool> pool, std::string sql, params args
) {
    auto& workers = pool->workers();
    std::optional<core::result<rows>> out;
    if (workers.running_here()) {
        co_await run_once_here(std::move(pool), std::move(sql), std::move(args), out);
    } else {
        co_await boost::asio::co_spawn(
            workers.executor(), run_once_here(std::move(pool), std::move(sql), std::move(args), out),
            boost::asio::use_awaitable
        );
    }
    co_return std::move(*out);
}

class sqlite_transaction final : public transaction {
public:
    // `writer`: a member of the writer's group (a savepoint), not a transaction of its own.
    sqlite_transaction(lease held, bool writer, boost::asio::any_io_executor cleanup)
        : held_(std::move(held)), writer_(writer), cleanup_(std::move(cleanup)) {}
    sqlite_transaction(const sqlite_transaction&) = delete;
    sqlite_transaction& operator=(const sqlite_transaction&) = delete;

    ~sqlite_transaction() override {
        if (held_) {
            boost::asio::co_spawn(
                cleanup_, roll_back_abandoned(std::move(held_), writer_), boost::asio::detached
            );
        }
    }

    dialect kind() const noexcept override { return dialect::sqlite; }

    core::task<core::result<rows>> run(std::string sql, params args) override {
        if (!held_) {
            co_return finished();
        }
        auto* conn = held_.get();
        // Named, as in run_once().
        auto job = [conn, sql = std::move(sql), args = std::move(args)] {
            return conn->run(sql, args);
        };
        co_return co_await held_.workers().run(std::move(job));
    }

    core::task<core::result<rows>> run_kept(const std::string& sql, const params& args) override {
        if (!held_) {
            co_return finished();
        }
        auto* conn = held_.get();
        // By reference: this coroutine is awaited, so the caller's statement outlives the job.
        auto job = [conn, &sql, &args] { return conn->run(sql, args); };
        co_return co_await held_.workers().run(std::move(job));
    }

    core::task<core::result<void>> run_script(std::string sql) override {
        if (!held_) {
            co_return finished();
        }
        auto* conn = held_.get();
        auto job = [conn, sql = std::move(sql)] { return conn->run_script(sql); };
        co_return co_await held_.workers().run(std::move(job));
    }

    core::task<core::result<void>> commit() override {
        if (!held_) {
            co_return finished();
        }
        auto* conn = held_.get();
        if (!writer_) {
            auto committed =
                co_await held_.workers().run([conn] { return conn->run_script("COMMIT"); });
            held_.reset();
            co_return committed;
        }
        // Released into the group; committed now when nobody else wants the writer, or else
        // joined to the group and committed by a later holder or the queued flush.
        struct outcome {
            std::optional<core::error> failure;
            std::shared_ptr<commit_wait> joined;
            bool still_open = false;  // the savepoint is still there: dropping the tx undoes it
        };
        auto pool = held_.pool();
        auto job = [conn, pool]() -> outcome {
            // COMMIT checks deferred constraints for the whole group: one member's violation
            // must fail that member here, not every member at COMMIT.
            if (conn->deferred_violations()) {
                auto undone = roll_back_member(*conn);
                leave_group(*conn, pool);
                if (!undone) {
                    return {std::move(undone).error()};
                }
                return {core::error{errc::invalid, "FOREIGN KEY constraint failed (deferred)"}};
            }
            if (auto released = conn->run_script("RELEASE member"); !released) {
                return {std::move(released).error(), nullptr, true};
            }
            auto& g = conn->group();
            if (pool->others_coming() && g.members.size() < max_group) {
                auto joined = std::make_shared<commit_wait>();
                g.members.push_back(joined);
                leave_group(*conn, pool);
                return {std::nullopt, std::move(joined)};
            }
            return {close_group(*conn, 1)};
        };
        auto done = co_await held_.workers().run(std::move(job));
        if (done.still_open) {
            co_return std::move(*done.failure);
        }
        held_.reset();
        if (done.joined) {
            co_return co_await done.joined->wait();
        }
        if (done.failure) {
            co_return std::move(*done.failure);
        }
        co_return core::ok();
    }

    core::task<core::result<void>> rollback() override {
        if (!held_) {
            co_return finished();
        }
        auto* conn = held_.get();
        auto pool = held_.pool();
        bool writer = writer_;
        auto job = [conn, pool, writer] {
            if (writer) {
                auto out = roll_back_member(*conn);
                leave_group(*conn, pool);
                return out;
            }
            auto out = conn->run_script("ROLLBACK");
            conn->roll_back_if_open();
            return out;
        };
        auto rolled_back = co_await held_.workers().run(std::move(job));
        held_.reset();
        co_return rolled_back;
    }

private:
    static core::error finished() {
        return core::error{errc::internal, "sqlite: transaction already committed or rolled back"};
    }

    lease held_;
    bool writer_;
    boost::asio::any_io_executor cleanup_;
};

// One statement as a write transaction of its own (a member of the writer's group).
core::task<core::result<rows>> run_statement(
    const std::string& sql, const params& args, transaction& tx
) {
    co_return co_await tx.run(sql, args);
}

}  // namespace

sqlite_database::sqlite_database(
    core::worker_pool& workers,
    std::shared_ptr<sqlite_pool> writer,
    std::shared_ptr<sqlite_pool> readers
)
    : workers_(workers), writer_(std::move(writer)), readers_(std::move(readers)) {}

sqlite_database::~sqlite_database() = default;

core::task<core::result<std::unique_ptr<transaction>>> sqlite_database::begin(tx_mode mode) {
    bool reading = mode == tx_mode::read;
    auto held = co_await take(reading ? readers_ : writer_);
    if (!held) {
        co_return std::move(held).error();
    }
    auto* conn = held->get();
    auto job = [conn, reading]() -> core::result<void> {
        if (reading) {
            conn->roll_back_if_open();
            return conn->run_script("BEGIN");
        }
        auto& g = conn->group();
        if (!g.open) {
            conn->roll_back_if_open();
            // IMMEDIATE takes the write lock now, so a write transaction never fails half-way on
            // an upgrade.
            if (auto begun = conn->run_script("BEGIN IMMEDIATE"); !begun) {
                return begun;
            }
            g.open = true;
        }
        return conn->run_script("SAVEPOINT member");
    };
    auto& home = held->workers();
    auto begun = co_await home.run(std::move(job));
    if (!begun) {
        if (!reading) {
            // Whatever group is open must not be left behind by a failed begin.
            auto pool = held->pool();
            auto leave = [conn, pool] {
                leave_group(*conn, pool);
                return true;
            };
            (void)co_await home.run(std::move(leave));
        }
        co_return std::move(begun).error();
    }
    auto executor = co_await boost::asio::this_coro::executor;
    std::unique_ptr<transaction> tx =
        std::make_unique<sqlite_transaction>(std::move(*held), !reading, std::move(executor));
    co_return std::move(tx);
}

core::task<core::result<rows>> sqlite_database::read(std::string sql, params args) {
    return run_once(readers_, std::move(sql), std::move(args));
}

core::task<core::result<rows>> sqlite_database::write(std::string sql, params args) {
    // A transaction of its own, so it joins the writer's group like any other write.
    auto body = std::bind_front(&run_statement, std::cref(sql), std::cref(args));
    co_return co_await transact(*this, std::move(body));
}

core::task<core::result<void>> sqlite_database::ping() {
    auto pong = co_await run_once(readers_, "SELECT 1", {});
    if (!pong) {
        co_return std::move(pong).error();
    }
    co_return core::ok();
}

core::task<void> sqlite_database::backoff(int attempt) {
    constexpr int cap_ms = 100;
    int ceiling = attempt >= 7 ? cap_ms : std::min(cap_ms, 1 << std::max(attempt, 0));
    // splitmix64 step: cheap, lock-free jitter so retrying writers spread out instead of colliding
    // again.
    std::uint64_t z = jitter_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    z ^= z >> 31U;
    // Somewhere in [ceiling / 2, ceiling] milliseconds.
    auto half_us = static_cast<std::uint64_t>(ceiling) * 500U;
    std::chrono::microseconds delay{static_cast<std::int64_t>(half_us + z % (half_us + 1))};

    auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::steady_timer timer{executor, delay};
    co_await timer.async_wait(boost::asio::use_awaitable);
}

namespace {

core::task<void> start_write(std::shared_ptr<sqlite_pool> writer, std::function<core::task<void>()> work) {
    writer->write_started();
    co_await work();
}

}  // namespace

core::task<void> sqlite_database::run_at_home(std::function<core::task<void>()> work, tx_mode mode) {
    auto& home = writer_->workers();
    if (home.running_here() || (mode == tx_mode::read && workers_.running_here())) {
        co_await work();
        co_return;
    }
    if (mode == tx_mode::write) {
        writer_->write_queued();
        co_await boost::asio::co_spawn(
            home.executor(), start_write(writer_, std::move(work)), boost::asio::use_awaitable
        );
        co_return;
    }
    co_await boost::asio::co_spawn(workers_.executor(), work(), boost::asio::use_awaitable);
}

pool_stats sqlite_database::stats() const {
    auto [commits, writes] = writer_->group_counters();
    return pool_stats{
        .size = writer_->size() + readers_->size(),
        .idle = writer_->idle() + readers_->idle(),
        .waiting = writer_->waiting() + readers_->waiting(),
        .commits = commits,
        .committed_writes = writes,
        .checkpoints = writer_->checkpoints(),
    };
}

namespace {

// Process-wide settings, which SQLite accepts only before its first use.
void configure_sqlite_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Memory statistics take one global mutex around every allocation, which the writer and
        // the readers then queue on. Nothing reads those statistics.
        (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    });
}

}  // namespace

core::result<std::unique_ptr<database>> open_sqlite(
    sqlite_settings settings, core::worker_pool& pool
) {
    configure_sqlite_once();
    if (settings.path.empty() || settings.path == ":memory:") {
        return core::error{errc::invalid, "sqlite: path must name a file"};
    }
    if (settings.readers < 1) {
        return core::error{errc::invalid, "sqlite: readers must be at least 1"};
    }
    if (settings.busy_timeout.count() < 0) {
        return core::error{errc::invalid, "sqlite: busy_timeout must not be negative"};
    }
    auto parent = std::filesystem::path{settings.path}.parent_path();
    if (!parent.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(parent, ec);
        if (ec) {
            return core::error{
                errc::internal, "sqlite: cannot create " + parent.string() + ": " + ec.message()};
        }
    }

    // The writer first: it creates the file and the WAL index (-shm) that read-only connections
    // need.
    auto writer = sqlite_connection::open(settings.path, false, settings.busy_timeout);
    if (!writer) {
        return std::move(writer).error();
    }
    std::vector<std::unique_ptr<sqlite_connection>> writers;
    writers.push_back(std::move(*writer));

    // The checkpointer's own connection, opened after the writer has switched the file to WAL.
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(
        settings.path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr
    );
    db_handle checkpoint_db{raw};
    if (rc == SQLITE_OK) {
        // A connection reads the file only at its first statement; until then a checkpoint sees
        // no WAL and does nothing.
        rc = sqlite3_exec(checkpoint_db.get(), "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    }
    if (rc != SQLITE_OK) {
        return map_error(
            rc, "open " + settings.path,
            checkpoint_db ? sqlite3_errmsg(checkpoint_db.get()) : sqlite3_errstr(rc)
        );
    }

    std::vector<std::unique_ptr<sqlite_connection>> readers;
    for (int i = 0; i < settings.readers; ++i) {
        auto reader = sqlite_connection::open(settings.path, true, settings.busy_timeout);
        if (!reader) {
            return std::move(reader).error();
        }
        readers.push_back(std::move(*reader));
    }

    auto writer_pool =
        std::make_shared<sqlite_pool>(std::make_unique<core::worker_pool>(1), std::move(writers));
    writer_pool->checkpoint_with(std::make_unique<checkpointer>(std::move(checkpoint_db)));
    return std::unique_ptr<database>{std::make_unique<sqlite_database>(
        pool, std::move(writer_pool), std::make_shared<sqlite_pool>(pool, std::move(readers))
    )};
}

std::string to_sqlite_placeholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    std::size_t at = 0;
    while (at < sql.size()) {
        char c = sql[at];
        char next = at + 1 < sql.size() ? sql[at + 1] : '\0';
        std::size_t skip_to = at;
        if (c == '\'' || c == '"' || c == '`') {
            skip_to = end_of_quoted(sql, at, c);
        } else if (c == '[') {
            skip_to = end_of_quoted(sql, at, ']');
        } else if ((c == '-' && next == '-') || (c == '/' && next == '*')) {
            skip_to = end_of_comment(sql, at);
        }
        if (skip_to != at) {
            out.append(sql.substr(at, skip_to - at));
            at = skip_to;
            continue;
        }
        bool placeholder = c == '$' && std::isdigit(static_cast<unsigned char>(next)) != 0 &&
                           (at == 0 || !is_identifier_char(sql[at - 1]));
        out.push_back(placeholder ? '?' : c);
        ++at;
    }
    return out;
}

}  // namespace infra::db
