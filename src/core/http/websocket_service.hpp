// The hand-off from the HTTP server to the WebSocket endpoint. Internal to src/core/http (it names
// Beast).
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "core/task.hpp"

namespace core::http {

class websocket_service {
public:
    virtual ~websocket_service() = default;
    // True for the paths this service upgrades (e.g. /api/v1/ws).
    virtual bool matches(std::string_view path) const = 0;
    // Owns the connection from the upgrade request on; returns when the socket is closed.
    virtual core::task<void> run(
        boost::beast::tcp_stream stream,
        boost::beast::http::request<boost::beast::http::string_body> upgrade,
        std::string remote_address
    ) = 0;
    // Shutdown: close every socket with 1001 (going away).
    virtual void close_all() = 0;
};

}  // namespace core::http
