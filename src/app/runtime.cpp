#include "app/runtime.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <thread>

#include "app/live_channel.hpp"
#include "app/modules.hpp"
#include "app/system_routes.hpp"
#include "app/version.hpp"
#include "core/clock.hpp"
#include "core/http/middleware.hpp"
#include "core/http/pipeline.hpp"
#include "core/http/router.hpp"
#include "core/http/server.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/migrations.hpp"
#include "infra/db/postgres.hpp"
#include "infra/db/sqlite.hpp"
#include "infra/idempotency/idempotency.hpp"

namespace app {

unsigned worker_threads(const config& c) {
    if (c.workers > 0) {
        return c.workers;
    }
    return std::max(4U, 2 * std::max(1U, std::thread::hardware_concurrency()));
}

core::result<std::unique_ptr<infra::db::database>> open_database(
    const config& c, core::worker_pool& pool
) {
    if (c.uses_postgres()) {
        infra::db::postgres_settings s;
        s.url = c.database_url;
        s.pool_size = c.db_pool_size;
        return run_sync<core::result<std::unique_ptr<infra::db::database>>>([&] {
            return infra::db::open_postgres(s);
        });
    }
    infra::db::sqlite_settings s;
    s.path = c.sqlite_path();
    s.readers = c.sqlite_readers;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path{s.path}.parent_path(), ec);
    return infra::db::open_sqlite(s, pool);
}

namespace {

// Runs `job` every interval until `stopping`; sleeps in short ticks so shutdown is not delayed.
core::task<void> run_periodic(
    const core::periodic_job& job, const std::atomic<bool>& stopping, core::metrics::registry& metrics
) {
    auto& ok = metrics.get_counter(
        "trader_job_runs_total", "Runs of periodic jobs", {{"job", job.name}, {"outcome", "ok"}}
    );
    auto& failed = metrics.get_counter(
        "trader_job_runs_total", "Runs of periodic jobs", {{"job", job.name}, {"outcome", "error"}}
    );
    boost::asio::steady_timer timer{co_await boost::asio::this_coro::executor};
    const auto tick = std::min(job.interval, std::chrono::milliseconds{200});
    while (!stopping.load(std::memory_order_acquire)) {
        for (auto waited = std::chrono::milliseconds{0};
             waited < job.interval && !stopping.load(std::memory_order_acquire); waited += tick) {
            timer.expires_after(tick);
            co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        }
        if (stopping.load(std::memory_order_acquire)) {
            break;
        }
        auto done = co_await job.run();
        if (done) {
            ok.inc();
        } else {
            failed.inc();
            core::log::warn("periodic job failed")
                .field("job", job.name)
                .field("cause", done.error().detail);
        }
    }
}

// Applies migrations on the embedded profile; on PostgreSQL only when asked (several instances
// share it).
bool prepare_schema(const config& c, infra::db::database& db) {
    auto files = infra::db::load_migrations(infra::db::embedded_migration_files(), db.kind());
    if (!files) {
        core::log::error("cannot read migrations").field("cause", files.error().detail);
        return false;
    }
    infra::db::migrator m{db, *files};
    auto pending = run_sync<core::result<int>>([&] { return m.pending(); });
    if (!pending) {
        core::log::error("cannot check migrations").field("cause", pending.error().detail);
        return false;
    }
    if (*pending == 0) {
        return true;
    }
    if (db.kind() == infra::db::dialect::postgres && !c.auto_migrate) {
        core::log::error("pending migrations: run `trader migrate` or set TRADER_AUTO_MIGRATE=1")
            .field("pending", *pending);
        return false;
    }
    auto applied = run_sync<core::result<int>>([&] { return m.apply(); });
    if (!applied) {
        core::log::error("migration failed").field("cause", applied.error().detail);
        return false;
    }
    core::log::info("migrations applied").field("count", *applied);
    return true;
}

// Everything that answers requests, built the same way for `serve` and for `trader routes`.
struct assembly {
    assembly(
        const config& c,
        const core::clock& clock,
        core::metrics::registry& metrics,
        core::worker_pool& pool,
        infra::db::database& db
    )
        : events{db, clock, metrics, {c.outbox_poll_interval, c.outbox_batch_size, c.outbox_claim_timeout}},
          system{db, metrics},
          product{{c, clock, metrics, pool, db, events}},
          live{c, clock, metrics, db, events, *product.token_verifier()} {
        if (c.test_hooks) {
            // Applies nothing beyond the processed-events row; lets tests observe exactly-once
            // handling.
            events.add_handler(
                "deliveries_for_test",
                [](infra::db::transaction&, const infra::bus::event&)
                    -> core::task<core::result<void>> { co_return core::ok(); }
            );
        }
        system.register_routes(routes);
        product.register_routes(routes);
        live.register_routes(routes, c.test_hooks);
        if (c.test_hooks) {
            system.register_test_routes(routes);
        }
    }

    infra::bus::dispatcher events;
    core::http::router routes;
    system_routes system;
    modules product;
    live_channel live;
};

}  // namespace

core::result<std::vector<core::http::route_info>> list_routes(const config& base) {
    // A throwaway embedded database: the route table does not depend on data.
    auto dir =
        std::filesystem::temp_directory_path() / ("trader-routes-" + std::to_string(::getpid()));
    config c = base;
    c.data_dir = dir.string();
    c.database_url.clear();
    c.test_hooks = false;
    std::vector<core::http::route_info> out;
    {
        core::system_clock clock;
        core::metrics::registry metrics;
        core::worker_pool pool{2};
        auto opened = open_database(c, pool);
        if (!opened) {
            return std::move(opened).error();
        }
        if (!prepare_schema(c, **opened)) {
            return core::fail(core::errc::internal, "cannot prepare the schema");
        }
        try {
            assembly parts{c, clock, metrics, pool, **opened};
            out = parts.routes.routes();
        } catch (const std::exception& e) {
            return core::fail(core::errc::internal, e.what());
        }
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return out;
}

int serve(const config& c) {
    core::system_clock clock;
    core::metrics::registry metrics;
    core::worker_pool pool{worker_threads(c)};

    auto opened = open_database(c, pool);
    if (!opened) {
        core::log::error("cannot open the database").field("cause", opened.error().detail);
        return 1;
    }
    auto& db = **opened;
    if (!prepare_schema(c, db)) {
        return 1;
    }

    std::unique_ptr<assembly> parts;
    try {
        parts = std::make_unique<assembly>(c, clock, metrics, pool, db);
    } catch (const std::exception& e) {
        core::log::error("cannot start the modules").field("cause", e.what());
        return 1;
    }
    auto& events = parts->events;
    auto& routes = parts->routes;
    auto& live = parts->live;

    infra::idempotency::guard idempotency{
        db, clock, metrics,
        infra::idempotency::settings{
            .ttl = c.idempotency_ttl,
            .lock_timeout = c.idempotency_lock_timeout,
            .purge_interval = c.idempotency_purge_interval}};
    core::http::pipeline pipeline{{c.body_limit, c.access_log, "trader"}, routes, metrics};
    pipeline.set_filter(&idempotency);
    if (!c.cors_origins.empty()) {
        pipeline.use(std::make_unique<core::http::cors>(core::http::cors_settings{c.cors_origins}));
    }
    std::unique_ptr<core::http::token_bucket_limiter> limiter;
    if (c.rate_limit_rps > 0) {
        limiter = std::make_unique<core::http::token_bucket_limiter>(
            c.rate_limit_rps, c.rate_limit_burst, clock
        );
        pipeline.use(std::make_unique<core::http::rate_limit>(*limiter));
    }

    core::http::server_settings ss;
    ss.host = c.host;
    ss.port = c.port;
    ss.threads = c.threads;
    ss.header_limit = c.header_limit;
    ss.read_timeout = c.read_timeout;
    ss.idle_timeout = c.idle_timeout;
    ss.shutdown_grace = c.shutdown_grace;
    ss.max_connections = c.max_connections;
    core::http::server server{ss, pipeline, metrics};
    try {
        server.listen();
    } catch (const std::exception& e) {
        core::log::error("cannot listen").field("cause", e.what());
        return 1;
    }
    live.attach(pipeline, server);

    metrics
        .get_gauge("trader_build_info", "Build of the running binary", {{"version", app::version}})
        .set(1);
    metrics.add_callback_gauge(
        "worker_pool_queued", "Blocking jobs waiting for a worker thread",
        [&pool] { return static_cast<double>(pool.queued()); }
    );
    metrics.add_callback_gauge("db_pool_idle_connections", "Idle database connections", [&db] {
        return db.stats().idle;
    });
    metrics.add_callback_gauge(
        "db_pool_waiting", "Callers waiting for a database connection",
        [&db] { return static_cast<double>(db.stats().waiting); }
    );
    // Monotonic; rate(db_committed_writes) / rate(db_commits) is the average group (SQLite).
    metrics.add_callback_gauge(
        "db_commits", "Physical COMMITs of the SQLite writer since start",
        [&db] { return static_cast<double>(db.stats().commits); }
    );
    metrics.add_callback_gauge(
        "db_committed_writes", "Write transactions made durable by those COMMITs since start",
        [&db] { return static_cast<double>(db.stats().committed_writes); }
    );
    metrics.add_callback_gauge(
        "db_checkpoints", "WAL checkpoints of the SQLite database since start",
        [&db] { return static_cast<double>(db.stats().checkpoints); }
    );

    std::atomic<bool> stopping{false};
    server.on_shutdown([&events, &stopping] {
        events.stop();
        stopping.store(true, std::memory_order_release);
    });
    server.spawn([&events] { return events.run(); });
    auto jobs = parts->product.jobs();
    jobs.push_back(idempotency.purge_job());
    for (const auto& job : jobs) {
        server.spawn([&job, &stopping, &metrics] { return run_periodic(job, stopping, metrics); });
    }

    core::log::info("listening")
        .field("host", c.host)
        .field("port", static_cast<int>(server.port()))
        .field("threads", static_cast<int>(server.threads()))
        .field("database", db.kind() == infra::db::dialect::sqlite ? "sqlite" : "postgres")
        .field("version", app::version);
    core::log::flush();

    bool drained = server.run();
    core::log::info("stopped").field("drained", drained);
    core::log::flush();
    return 0;
}

}  // namespace app
