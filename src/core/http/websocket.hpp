// The live channel at /api/v1/ws: authenticates a socket, subscribes it to the topics the policy
// allows and pushes hub messages through a bounded per-socket send queue.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/auth.hpp"
#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/http/websocket_service.hpp"
#include "core/metrics.hpp"
#include "core/realtime/hub.hpp"
#include "core/realtime/topic_policy.hpp"

namespace core::http {

struct websocket_settings {
    std::string path = "/api/v1/ws";
    // A larger client message closes the socket with 1009.
    std::size_t max_message = std::size_t{64} * 1024;
    // Messages waiting for one socket; a consumer further behind is closed with
    // close_slow_consumer.
    std::size_t send_queue = 256;
    // A protocol ping goes out every interval; a peer that leaves two unanswered is disconnected.
    std::chrono::milliseconds ping_interval{20000};
    // Without a token on the upgrade, the first message must authenticate within this (else 1008).
    std::chrono::milliseconds auth_timeout{10000};
    // Longest wait for the close handshake, or for a stalled write before a requested close.
    std::chrono::milliseconds close_timeout{5000};
    std::size_t max_subscriptions = 100;
};

// Close code for a socket whose send queue overflowed (the 4000-4999 range is the application's).
inline constexpr std::uint16_t close_slow_consumer = 4000;

// The route for a GET on the WebSocket path without an upgrade: 400 naming the upgrade. As a route,
// the path is in the route table like any other.
core::task<response> refuse_plain_websocket_request(request& req);

class websocket_endpoint final : public websocket_service {
public:
    websocket_endpoint(
        websocket_settings settings,
        const core::token_verifier& verifier,
        const realtime::topic_policy& policy,
        realtime::hub& hub,
        core::metrics::registry& metrics
    );
    websocket_endpoint(const websocket_endpoint&) = delete;
    websocket_endpoint& operator=(const websocket_endpoint&) = delete;
    websocket_endpoint(websocket_endpoint&&) = delete;
    websocket_endpoint& operator=(websocket_endpoint&&) = delete;
    ~websocket_endpoint() override;

    bool matches(std::string_view path) const override;
    core::task<void> run(
        boost::beast::tcp_stream stream,
        boost::beast::http::request<boost::beast::http::string_body> upgrade,
        std::string remote_address
    ) override;
    // Thread-safe: asks every socket, on its own thread, to close with 1001; later upgrades close
    // at once.
    void close_all() override;

    class connection;  // one socket; websocket.cpp

private:
    friend class connection;
    struct counters {
        core::metrics::gauge& open;
        core::metrics::counter& received;
        core::metrics::counter& sent;
        core::metrics::counter& slow_consumers;
        core::metrics::counter& auth_failures;
        core::metrics::counter& heartbeat_timeouts;
        core::metrics::counter& oversized;
        core::metrics::counter& refused_subscriptions;
    };

    // A socket as close_all() sees it: it posts to the executor and never holds the socket itself,
    // so a socket is always destroyed on its own thread.
    struct live_socket {
        boost::asio::any_io_executor executor;
        std::weak_ptr<connection> socket;
    };

    // Registers a socket for close_all(); true when shutdown has already begun.
    bool enroll(std::uint64_t id, live_socket entry);
    void withdraw(std::uint64_t id);

    websocket_settings settings_;
    const core::token_verifier& verifier_;
    const realtime::topic_policy& policy_;
    realtime::hub& hub_;
    counters counters_;
    std::atomic<std::uint64_t> next_id_{1};
    std::mutex mutex_;
    std::unordered_map<std::uint64_t, live_socket> live_;
    bool stopping_ = false;  // under mutex_
};

}  // namespace core::http
