// The one database interface modules use; SQLite and PostgreSQL drivers implement it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"

namespace infra::db {

enum class dialect { sqlite, postgres };

// A bound statement parameter. SQL uses $1, $2, ... placeholders on both dialects.
class param {
public:
    using storage = std::variant<std::monostate, std::int64_t, double, bool, std::string>;

    param(std::nullptr_t) {}                                      // NOLINT: implicit by design
    param(std::int64_t v) : v_(v) {}                              // NOLINT
    param(int v) : v_(static_cast<std::int64_t>(v)) {}            // NOLINT
    param(std::uint32_t v) : v_(static_cast<std::int64_t>(v)) {}  // NOLINT
    param(double v) : v_(v) {}                                    // NOLINT
    param(bool v) : v_(v) {}                                      // NOLINT
    param(std::string v) : v_(std::move(v)) {}                    // NOLINT
    param(std::string_view v) : v_(std::string{v}) {}             // NOLINT
    param(const char* v) : v_(std::string{v}) {}                  // NOLINT
    template <class T>
    param(const std::optional<T>& v) {  // NOLINT
        if (v) {
            *this = param(*v);
        }
    }

    const storage& value() const noexcept { return v_; }
    bool is_null() const noexcept { return v_.index() == 0; }

private:
    storage v_;
};

using params = std::vector<param>;

// One cell as the driver produced it: SQLite gives native types, PostgreSQL gives text that is
// parsed on access.
using cell = std::variant<std::monostate, std::int64_t, double, std::string>;

class rows;

// A view of one row; typed access by column index or name.
class row {
public:
    row(const rows& set, std::size_t index) : set_(&set), index_(index) {}

    bool is_null(std::size_t col) const;
    bool is_null(std::string_view col) const;

    // T is std::int64_t, int, double, bool, std::string, or std::optional of one of them (NULL ->
    // nullopt). A NULL read as a non-optional, or text that does not parse, throws
    // std::logic_error: that is a bug in the query, not a runtime condition.
    template <class T>
    T get(std::size_t col) const;
    template <class T>
    T get(std::string_view col) const {
        return get<T>(column_index(col));
    }

    std::size_t column_index(std::string_view name) const;

private:
    const cell& at(std::size_t col) const;
    const rows* set_;
    std::size_t index_;
};

// A fully read result: column names, cells row-major, and the affected-row count of a write.
class rows {
public:
    rows() = default;
    rows(std::vector<std::string> columns, std::vector<cell> cells, std::int64_t affected)
        : columns_(std::move(columns)), cells_(std::move(cells)), affected_(affected) {}

    std::size_t size() const noexcept {
        return columns_.empty() ? 0 : cells_.size() / columns_.size();
    }
    bool empty() const noexcept { return size() == 0; }
    std::int64_t affected() const noexcept { return affected_; }
    const std::vector<std::string>& columns() const noexcept { return columns_; }
    row operator[](std::size_t i) const { return row{*this, i}; }
    row front() const { return row{*this, 0}; }

    class iterator {
    public:
        iterator(const rows& s, std::size_t i) : s_(&s), i_(i) {}
        row operator*() const { return row{*s_, i_}; }
        iterator& operator++() {
            ++i_;
            return *this;
        }
        bool operator!=(const iterator& o) const { return i_ != o.i_; }

    private:
        const rows* s_;
        std::size_t i_;
    };
    iterator begin() const { return {*this, 0}; }
    iterator end() const { return {*this, size()}; }

private:
    friend class row;
    std::vector<std::string> columns_;
    std::vector<cell> cells_;
    std::int64_t affected_ = 0;
};

enum class tx_mode {
    read,   // a consistent snapshot; SQLite uses a reader connection
    write,  // SQLite takes the single writer (BEGIN IMMEDIATE); PostgreSQL READ COMMITTED
    serializable_write,  // PostgreSQL SERIALIZABLE; same as write on SQLite (already serial)
};

// An open transaction holding one pooled connection. Destroying it without commit() rolls back.
class transaction {
public:
    virtual ~transaction() = default;

    virtual dialect kind() const noexcept = 0;

    // Runs one statement with bound parameters (prepared and cached per connection).
    virtual core::task<core::result<rows>> run(std::string sql, params args = {}) = 0;
    // run() on a statement the caller keeps alive until it completes, so that a body which may run
    // again need not copy it. Copies unless the driver can do without.
    virtual core::task<core::result<rows>> run_kept(const std::string& sql, const params& args) {
        return run(sql, args);
    }
    // Runs several statements without parameters (migrations).
    virtual core::task<core::result<void>> run_script(std::string sql) = 0;

    virtual core::task<core::result<void>> commit() = 0;
    virtual core::task<core::result<void>> rollback() = 0;

    // run() with the parameters listed: `co_await tx.query("... $1 ... $2", id, qty)`. Prefer it in
    // coroutines: g++ 12 miscompiles a braced parameter list inside a co_await expression.
    template <class... Args>
    core::task<core::result<rows>> query(std::string sql, Args&&... args) {
        return run(std::move(sql), params{param(std::forward<Args>(args))...});
    }
};

struct pool_stats {
    int size = 0;
    int idle = 0;
    std::int64_t waiting = 0;
    // SQLite group commit: physical COMMITs of the writer, and the write transactions they made
    // durable (their ratio is the average group size). Zero on PostgreSQL.
    std::int64_t commits = 0;
    std::int64_t committed_writes = 0;
    // SQLite: WAL checkpoints run by the background checkpointer since start.
    std::int64_t checkpoints = 0;
};

class database {
public:
    virtual ~database() = default;

    virtual dialect kind() const noexcept = 0;

    // Errors: `busy` on SQLITE_BUSY or a PostgreSQL serialization failure / deadlock (retryable),
    // `conflict` on a unique violation (detail names the constraint), `invalid` on other constraint
    // violations, `unavailable` when the server cannot be reached, `internal` otherwise. Details
    // are for logs only.
    virtual core::task<core::result<std::unique_ptr<transaction>>> begin(tx_mode mode) = 0;

    // One statement in its own transaction: `read` on a reader, `write` on the writer.
    virtual core::task<core::result<rows>> read(std::string sql, params args = {}) = 0;
    virtual core::task<core::result<rows>> write(std::string sql, params args = {}) = 0;

    // read() / write() with the parameters listed (see transaction::query).
    template <class... Args>
    core::task<core::result<rows>> select(std::string sql, Args&&... args) {
        return read(std::move(sql), params{param(std::forward<Args>(args))...});
    }
    template <class... Args>
    core::task<core::result<rows>> execute(std::string sql, Args&&... args) {
        return write(std::move(sql), params{param(std::forward<Args>(args))...});
    }

    // A cheap round trip for /readyz.
    virtual core::task<core::result<void>> ping() = 0;

    // Waits before retry `attempt` (1, 2, ...) of a transaction that failed with `busy`.
    virtual core::task<void> backoff(int attempt) = 0;

    virtual pool_stats stats() const = 0;

    // Runs `work` where this driver's statements for `mode` execute and resumes the caller where
    // it was. SQLite: write transactions on the writer's own thread, everything else on the worker
    // pool, so the statements of one transaction run back to back on one thread instead of two
    // context switches each while the single writer is held (see docs/architecture.md,
    // "Transactions on SQLite"). PostgreSQL: right here.
    virtual core::task<void> run_at_home(std::function<core::task<void>()> work, tx_mode mode) {
        (void)mode;
        co_await work();
    }
};

namespace detail {

template <class Body>
auto transact_here(database& db, Body& body, tx_mode mode, int max_attempts)
    -> std::invoke_result_t<Body&, transaction&> {
    using task_type = std::invoke_result_t<Body&, transaction&>;
    using result_type = typename task_type::value_type;
    for (int attempt = 1;; ++attempt) {
        auto tx = co_await db.begin(mode);
        if (!tx) {
            if (tx.error().code == core::errc::busy && attempt < max_attempts) {
                co_await db.backoff(attempt);
                continue;
            }
            co_return result_type{std::move(tx).error()};
        }
        result_type out = co_await body(**tx);
        if (!out) {
            (void)co_await (*tx)->rollback();
            if (out.error().code == core::errc::busy && attempt < max_attempts) {
                co_await db.backoff(attempt);
                continue;
            }
            co_return out;
        }
        auto committed = co_await (*tx)->commit();
        if (!committed) {
            if (committed.error().code == core::errc::busy && attempt < max_attempts) {
                co_await db.backoff(attempt);
                continue;
            }
            co_return result_type{std::move(committed).error()};
        }
        co_return out;
    }
}

template <class Body, class Result>
core::task<void> transact_into(
    std::optional<Result>& out, database& db, Body& body, tx_mode mode, int max_attempts
) {
    out.emplace(co_await transact_here(db, body, mode, max_attempts));
}

}  // namespace detail

// Runs `body(tx)` in a transaction and commits, retrying the whole body when it or the commit fails
// with `busy`. `body` is called again on retry, so it must not keep state between calls. The body
// runs where the driver's statements do (database::run_at_home): on SQLite a pool thread, so it
// must not touch state that only one I/O thread may use.
//   auto placed = co_await db::transact(db_, std::bind_front(&orders::place_tx, this, cmd));
template <class Body>
auto transact(database& db, Body body, tx_mode mode = tx_mode::write, int max_attempts = 5)
    -> std::invoke_result_t<Body&, transaction&> {
    using task_type = std::invoke_result_t<Body&, transaction&>;
    using result_type = typename task_type::value_type;
    std::optional<result_type> out;
    // Named, not created inside the co_await (g++ 12, see core::worker_pool::run).
    auto work = std::bind_front(
        &detail::transact_into<Body, result_type>, std::ref(out), std::ref(db), std::ref(body),
        mode, max_attempts
    );
    co_await db.run_at_home(std::move(work), mode);
    co_return std::move(*out);
}

}  // namespace infra::db
