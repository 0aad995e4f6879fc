// SQLite driver: a WAL file with one writer, whose transactions run on a thread of their own, and
// read-only readers on the worker pool.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace core {
class worker_pool;
}

namespace infra::db {

struct sqlite_settings {
    std::string path;  // the database file; its parent directory is created when missing
    int readers = 4;   // read-only connections for read transactions and read()
    std::chrono::milliseconds busy_timeout{
        5000};  // how long a locked database is retried before `busy`
};

// Idle connections of one kind (the writer, or the readers); defined in sqlite.cpp.
class sqlite_pool;

class sqlite_database final : public database {
public:
    // Use open_sqlite(); the pools are only built there.
    sqlite_database(
        core::worker_pool& workers,
        std::shared_ptr<sqlite_pool> writer,
        std::shared_ptr<sqlite_pool> readers
    );
    sqlite_database(const sqlite_database&) = delete;
    sqlite_database& operator=(const sqlite_database&) = delete;
    ~sqlite_database() override;

    dialect kind() const noexcept override { return dialect::sqlite; }
    core::task<core::result<std::unique_ptr<transaction>>> begin(tx_mode mode) override;
    core::task<core::result<rows>> read(std::string sql, params args = {}) override;
    core::task<core::result<rows>> write(std::string sql, params args = {}) override;
    core::task<core::result<void>> ping() override;
    core::task<void> backoff(int attempt) override;
    pool_stats stats() const override;
    core::task<void> run_at_home(std::function<core::task<void>()> work, tx_mode mode) override;

private:
    core::worker_pool& workers_;
    // Shared with open transactions, so a transaction finishing after this object still has a pool
    // to return its connection to. The writer is declared first so the readers close before it.
    std::shared_ptr<sqlite_pool> writer_;
    std::shared_ptr<sqlite_pool> readers_;
    std::atomic<std::uint64_t> jitter_{0x9e3779b97f4a7c15ULL};
};

// Opens the writer (creating the file and switching it to WAL) and then `settings.readers`
// read-only connections. Fails with `invalid` on bad settings and `internal` when the file cannot
// be opened.
core::result<std::unique_ptr<database>> open_sqlite(
    sqlite_settings settings, core::worker_pool& pool
);

// Rewrites the PostgreSQL-style $1, $2, ... placeholders as SQLite's ?1, ?2, ..., leaving string
// literals, quoted identifiers and comments alone.
std::string to_sqlite_placeholders(std::string_view sql);

}  // namespace infra::db
