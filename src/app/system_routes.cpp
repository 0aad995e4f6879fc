#include "app/system_routes.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "infra/db/migrations.hpp"

namespace app {

namespace http = core::http;

void system_routes::register_routes(http::router& r) {
    r.add(
        http::method::get, "/healthz",
        [](http::request&) -> core::task<http::response> {
            // Pre-rendered: this route is the load balancer's heartbeat and the benchmark's
            // reference.
            co_return http::text(200, R"({"status":"ok"})", "application/json");
        },
        {.summary = "The process is alive."}
    );
    r.add(
        http::method::get, "/readyz", std::bind_front(&system_routes::readyz, this),
        {.summary = "Database reachable, migrations applied."}
    );
    r.add(
        http::method::get, "/metrics",
        [this](http::request&) -> core::task<http::response> {
            co_return http::text(
                200, metrics_.render(), "text/plain; version=0.0.4; charset=utf-8"
            );
        },
        {.summary = "Prometheus metrics."}
    );
}

void system_routes::register_test_routes(http::router& r) {
    r.add(
        http::method::get, "/api/v1/_test/sleep",
        [](http::request& req) -> core::task<http::response> {
            auto ms = req.query_int("ms", 0, 30000);
            if (!ms) {
                co_return http::problem(ms);
            }
            boost::asio::steady_timer t{co_await boost::asio::this_coro::executor};
            t.expires_after(std::chrono::milliseconds{ms->value_or(0)});
            co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            co_return http::ok(boost::json::object{{"slept_ms", ms->value_or(0)}});
        },
        {.summary = "Test hook: answers after `ms` milliseconds."}
    );
}

core::task<http::response> system_routes::readyz(http::request&) {
    boost::json::object checks;
    bool ready = true;

    auto ping = co_await db_.ping();
    checks["database"] = ping ? "ok" : "unreachable";
    ready = ready && ping.has_value();

    if (ping) {
        auto files = infra::db::load_migrations(infra::db::embedded_migration_files(), db_.kind());
        if (files) {
            infra::db::migrator m{db_, *files};
            auto pending = co_await m.pending();
            if (!pending) {
                checks["migrations"] =
                    pending.error().code == core::errc::conflict ? "checksum_mismatch" : "unknown";
                ready = false;
            } else if (*pending > 0) {
                checks["migrations"] = std::to_string(*pending) + " pending";
                ready = false;
            } else {
                checks["migrations"] = "ok";
            }
        }
    }

    if (!ready) {
        std::string detail;
        for (const auto& [k, v] : checks) {
            if (v.as_string() != "ok") {
                detail += detail.empty() ? "" : ", ";
                detail += std::string{k} + ": " + std::string{v.as_string()};
            }
        }
        co_return http::problem(core::error{core::errc::unavailable, detail});
    }
    co_return http::ok(boost::json::object{{"status", "ready"}, {"checks", checks}});
}

}  // namespace app
