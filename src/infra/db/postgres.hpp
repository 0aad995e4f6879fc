// The PostgreSQL driver of the database interface: a pool of non-blocking libpq connections awaited
// on the caller's own io_context.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace infra::db {

struct postgres_settings {
    // A libpq URL or key=value string; it may hold a password, so it is never logged.
    std::string url;
    int pool_size = 8;
    // Covers name resolution, TCP, TLS and authentication of one new connection.
    std::chrono::milliseconds connect_timeout{5000};
    // Sent as the session's statement_timeout; 0 keeps the server's default.
    std::chrono::milliseconds statement_timeout{0};
};

// The pool and its connections; defined in postgres.cpp so no libpq type leaks out of the driver.
class postgres_pool;

// Connections open lazily up to `pool_size` and may be used from coroutines on any number of
// io_contexts: each checkout watches the socket on the executor of the coroutine that holds it. An
// io_context using the pool must be run by one thread (the server runs one per thread), because
// Asio's reactor is edge-triggered and a readiness edge taken by another thread of the same
// io_context would be lost. The database must outlive its transactions.
class postgres_database final : public database {
public:
    explicit postgres_database(postgres_settings settings);
    postgres_database(const postgres_database&) = delete;
    postgres_database& operator=(const postgres_database&) = delete;
    postgres_database(postgres_database&&) = delete;
    postgres_database& operator=(postgres_database&&) = delete;
    ~postgres_database() override;

    dialect kind() const noexcept override { return dialect::postgres; }
    core::task<core::result<std::unique_ptr<transaction>>> begin(tx_mode mode) override;
    core::task<core::result<rows>> read(std::string sql, params args = {}) override;
    core::task<core::result<rows>> write(std::string sql, params args = {}) override;
    core::task<core::result<void>> ping() override;
    core::task<void> backoff(int attempt) override;
    pool_stats stats() const override;

private:
    core::task<core::result<rows>> autocommit(std::string sql, params args);
    std::unique_ptr<postgres_pool> pool_;
};

// Builds the pool and checks that the server answers, so a bad URL or an unreachable server fails
// at startup: `invalid` for settings that cannot work, `unavailable` when the server cannot be
// reached in `connect_timeout`.
core::task<core::result<std::unique_ptr<database>>> open_postgres(postgres_settings settings);

}  // namespace infra::db
