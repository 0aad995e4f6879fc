#include "app/runtime.hpp"

#include <filesystem>
#include <thread>

#include "app/modules.hpp"
#include "app/system_routes.hpp"
#include "app/version.hpp"
#include "core/clock.hpp"
#include "core/http/middleware.hpp"
#include "core/http/pipeline.hpp"
#include "core/http/router.hpp"
#include "core/http/server.hpp"
#include "core/http/sse.hpp"
#include "core/http/websocket.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/realtime/hub.hpp"
#include "core/realtime/topic_policy.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/migrations.hpp"
#include "infra/db/postgres.hpp"
#include "infra/db/sqlite.hpp"

namespace app {

unsigned worker_threads(const config& c) {
    if (c.workers > 0) {
        return c.workers;
    }
    return std::max(4U, 2 * std::max(1U, std::thread::hardware_concurrency()));
}

core::result<std::unique_ptr<infra::db::database>> open_database(const config& c, core::worker_pool& pool) {
    if (c.uses_postgres()) {
        infra::db::postgres_settings s;
        s.url = c.database_url;
        s.pool_size = c.db_pool_size;
        return run_sync<core::result<std::unique_ptr<infra::db::database>>>([&] { return infra::db::open_postgres(s); });
    }
    infra::db::sqlite_settings s;
    s.path = c.sqlite_path();
    s.readers = c.sqlite_readers;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path{s.path}.parent_path(), ec);
    return infra::db::open_sqlite(s, pool);
}

namespace {

// Applies migrations on the embedded profile; on PostgreSQL only when asked (several instances share it).
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
        core::log::error("pending migrations: run `trader migrate` or set TRADER_AUTO_MIGRATE=1").field("pending", *pending);
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

// Live channel (WebSocket at /api/v1/ws, SSE at /api/v1/events): the in-process hub fed by the outbox, the
// topic policy modules add rules to, and the identity module's access-token verifier, which the pipeline
// shares.
class live_channel {
public:
    live_channel(
        const config& c,
        const core::clock& clock,
        core::metrics::registry& metrics,
        infra::db::database& db,
        infra::bus::dispatcher& events,
        const core::token_verifier& verifier
    )
        : clock_(clock),
          db_(db),
          events_(events),
          verifier_(verifier),
          hub_(metrics),
          ws_(websocket_settings_of(c), verifier_, policy_, hub_, metrics),
          sse_({.send_queue = c.ws_send_queue}, policy_, hub_, metrics) {
        events.add_listener([this](const infra::bus::event& e) { publish(e); });
    }

    void register_routes(core::http::router& r, bool test_hooks) {
        r.add(
            core::http::method::get, "/api/v1/ws", &core::http::refuse_plain_websocket_request,
            {.summary = "The live channel: upgrade to a WebSocket."}
        );
        r.add(
            core::http::method::get, "/api/v1/events", std::bind_front(&core::http::sse_endpoint::handle, &sse_),
            {.who = core::http::access::user, .summary = "Server-Sent Events on the topics named by `topic`."}
        );
        if (test_hooks) {
            r.add(
                core::http::method::post, "/api/v1/_test/events", std::bind_front(&live_channel::append_events_for_test, this),
                {.summary = "Test hook: writes events to the outbox."}
            );
        }
    }

    void attach(core::http::pipeline& p, core::http::server& s) {
        p.set_token_verifier(&verifier_);
        s.set_websocket_service(&ws_);
        s.on_shutdown([this] { sse_.close_all(); });
    }

    // Modules add the rules for their topic kinds (`order:`, `delivery:`) here before serving.
    core::realtime::prefix_topic_policy& policy() { return policy_; }

private:
    static core::http::websocket_settings websocket_settings_of(const config& c) {
        core::http::websocket_settings s;
        s.max_message = c.ws_max_message;
        s.send_queue = c.ws_send_queue;
        s.ping_interval = c.ws_ping_interval;
        // A peer that does not finish the close handshake is cut off well within the shutdown grace.
        s.close_timeout = std::min(s.close_timeout, std::chrono::duration_cast<std::chrono::milliseconds>(c.shutdown_grace) / 2);
        return s;
    }

    // An event goes to its user's topic (`user:<data.user_id>`) and to its aggregate's topic, named by the
    // noun of its type: `order.placed` about `ord_1` goes to `order:ord_1`.
    void publish(const infra::bus::event& e) {
        auto json = boost::json::serialize(e.envelope());
        if (const auto* data = e.data.if_object()) {
            const auto* user = data->if_contains("user_id");
            if (user != nullptr && user->is_string()) {
                publish_to("user:" + std::string{user->get_string()}, json);
            }
        }
        auto dot = e.type.find('.');
        if (dot != std::string::npos && !e.aggregate_id.empty()) {
            publish_to(e.type.substr(0, dot) + ":" + e.aggregate_id, json);
        }
    }

    void publish_to(std::string topic, const std::string& json) {
        if (core::realtime::check_topic(topic)) {
            hub_.publish(std::move(topic), json);
        }
    }

    // POST /api/v1/_test/events {type, aggregate_id, data, count}: `count` copies of one event, in one
    // transaction, as a module's service would write them.
    core::task<core::http::response> append_events_for_test(core::http::request& req) {
        auto body = core::json::parse(req.body);
        if (!body) {
            co_return core::http::problem(body.error());
        }
        core::json::validator v{*body};
        auto root = v.root();
        auto type = root.required_string("type", {.min_length = 3, .max_length = 100});
        auto aggregate_id = root.required_string("aggregate_id", {.min_length = 1, .max_length = 100});
        auto data = root.optional_any("data", std::size_t{256} * 1024);
        auto count = root.optional_int("count", {.min = 1, .max = 1000});
        root.done();
        if (!v.ok()) {
            co_return core::http::problem(v.error());
        }
        auto write = std::bind_front(
            &live_channel::append_in, this, std::move(type), std::move(aggregate_id),
            data.value_or(boost::json::object{}), count.value_or(1)
        );
        auto ids = co_await infra::db::transact(db_, std::move(write));
        if (!ids) {
            co_return core::http::problem(ids.error());
        }
        events_.notify();
        co_return core::http::json(201, boost::json::object{{"ids", std::move(*ids)}});
    }

    core::task<core::result<boost::json::array>> append_in(
        std::string type, std::string aggregate_id, boost::json::value data, std::int64_t count, infra::db::transaction& tx
    ) {
        boost::json::array ids;
        for (std::int64_t i = 0; i < count; ++i) {
            auto id = co_await infra::bus::append(tx, clock_, type, aggregate_id, data);
            if (!id) {
                co_return std::move(id).error();
            }
            ids.emplace_back(*id);
        }
        co_return ids;
    }

    const core::clock& clock_;
    infra::db::database& db_;
    infra::bus::dispatcher& events_;
    const core::token_verifier& verifier_;
    core::realtime::in_process_hub hub_;
    core::realtime::prefix_topic_policy policy_;
    core::http::websocket_endpoint ws_;
    core::http::sse_endpoint sse_;
};

}  // namespace

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

    infra::bus::dispatcher events{db, clock, metrics, {c.outbox_poll_interval, c.outbox_batch_size, c.outbox_claim_timeout}};
    if (c.test_hooks) {
        // Applies nothing beyond the processed-events row; lets tests observe exactly-once handling.
        events.add_handler("deliveries_for_test", [](infra::db::transaction&, const infra::bus::event&) -> core::task<core::result<void>> {
            co_return core::ok();
        });
    }

    core::http::router routes;
    system_routes system{db, metrics};
    system.register_routes(routes);
    modules product{{c, clock, metrics, pool, db, events}};
    product.register_routes(routes);
    if (c.test_hooks) {
        system.register_test_routes(routes);
    }

    live_channel live{c, clock, metrics, db, events, *product.token_verifier()};
    live.register_routes(routes, c.test_hooks);

    core::http::pipeline pipeline{{c.body_limit, c.access_log, "trader"}, routes, metrics};
    if (!c.cors_origins.empty()) {
        pipeline.use(std::make_unique<core::http::cors>(core::http::cors_settings{c.cors_origins}));
    }
    std::unique_ptr<core::http::token_bucket_limiter> limiter;
    if (c.rate_limit_rps > 0) {
        limiter = std::make_unique<core::http::token_bucket_limiter>(c.rate_limit_rps, c.rate_limit_burst, clock);
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

    metrics.get_gauge("trader_build_info", "Build of the running binary", {{"version", app::version}}).set(1);
    metrics.add_callback_gauge("worker_pool_queued", "Blocking jobs waiting for a worker thread", [&pool] { return static_cast<double>(pool.queued()); });
    metrics.add_callback_gauge("db_pool_idle_connections", "Idle database connections", [&db] { return db.stats().idle; });
    metrics.add_callback_gauge("db_pool_waiting", "Callers waiting for a database connection", [&db] { return static_cast<double>(db.stats().waiting); });

    server.on_shutdown([&events] { events.stop(); });
    server.spawn([&events] { return events.run(); });

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
