// The HTTP/1.1 server: one io_context per thread, SO_REUSEPORT listeners, limits, graceful
// shutdown. Beast and Asio stay inside server.cpp; everything else sees this interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/http/pipeline.hpp"
#include "core/metrics.hpp"
#include "core/task.hpp"

namespace core::http {

struct server_settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;  // 0 = any free port (see server::port())
    unsigned threads = 0;       // 0 = hardware concurrency
    std::size_t header_limit = 16 * 1024;
    std::chrono::milliseconds read_timeout{15000};  // a request must arrive in full within this
    std::chrono::milliseconds idle_timeout{
        60000};  // keep-alive connections with no request are closed
    std::chrono::milliseconds shutdown_grace{10000};
    unsigned max_connections = 10000;
};

class websocket_service;

class server {
public:
    server(server_settings settings, pipeline& handler, core::metrics::registry& metrics);
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server();

    // Binds the listeners; throws std::runtime_error with the reason when it cannot (a startup
    // error).
    void listen();
    std::uint16_t port() const noexcept;
    unsigned threads() const noexcept;

    // Upgrades on the WebSocket path go here; without one they get 404.
    void set_websocket_service(websocket_service* ws);
    // Called when shutdown starts, before connections drain (close sockets, stop consumers).
    void on_shutdown(std::function<void()> fn);

    // Runs a background coroutine on one of the server's threads; it should watch for shutdown.
    void spawn(std::function<core::task<void>()> fn);

    // Serves until SIGTERM/SIGINT or stop(), then drains within the grace period. Returns true when
    // every in-flight request finished in time.
    bool run();
    // Thread-safe; returns at once.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace core::http
