// The composition root: builds drivers, modules and the server from a config. The only place that
// knows every part and chooses SQLite or PostgreSQL.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/config.hpp"
#include "core/http/router.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "core/worker_pool.hpp"
#include "infra/db/database.hpp"

namespace app {

// Runs a coroutine to completion on a private event loop (CLI commands and start-up).
template <class T>
T run_sync(std::function<core::task<T>()> fn) {
    boost::asio::io_context io;
    auto guard = boost::asio::make_work_guard(io);
    std::optional<T> out;
    std::exception_ptr failure;
    boost::asio::co_spawn(
        io, [&]() -> core::task<void> { out.emplace(co_await fn()); },
        [&](std::exception_ptr e) {
            failure = e;
            guard.reset();
        }
    );
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return std::move(*out);
}

unsigned worker_threads(const config& c);

// Opens the configured database (creating the data directory for SQLite).
core::result<std::unique_ptr<infra::db::database>> open_database(
    const config& c, core::worker_pool& pool
);

// The route table `serve` would answer with (for `trader routes` and the OpenAPI check).
core::result<std::vector<core::http::route_info>> list_routes(const config& c);

// `trader serve`: returns the process exit code.
int serve(const config& c);

}  // namespace app
