// A synchronous WebSocket client for tests: connects to the server's /api/v1/ws on 127.0.0.1, sends
// and receives text with timeouts, and reports how the server closed the socket.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace test {

struct ws_options {
    std::string target = "/api/v1/ws";
    // Sec-WebSocket-Protocol values offered, e.g. {"bearer", "bearer.<token>"}.
    std::vector<std::string> protocols;
    // Receive buffer of the socket in bytes (0 = the system's), so a client that stops reading
    // backs up fast.
    int receive_buffer = 0;
};

// Close code reported when the connection ended without a close frame (as browsers report it).
inline constexpr int ws_abnormal_close = 1006;

class ws_client {
public:
    // Connects and completes the handshake; throws std::runtime_error when either fails.
    ws_client(std::uint16_t port, const ws_options& options = {});
    ~ws_client();
    ws_client(const ws_client&) = delete;
    ws_client& operator=(const ws_client&) = delete;

    // The protocol the server chose (empty when none).
    std::string protocol() const;

    void send(const std::string& text);
    void send_json(const boost::json::value& v);

    // The next text message; nullopt on timeout (the read stays pending for the next call) or when
    // the socket closed (see close_code()).
    std::optional<std::string> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    std::optional<boost::json::value> receive_json(
        std::chrono::milliseconds timeout = std::chrono::seconds(5)
    );
    // The next message whose "op" is `op`, skipping others; nullopt on timeout or close.
    std::optional<boost::json::value> receive_op(
        const std::string& op, std::chrono::milliseconds timeout = std::chrono::seconds(5)
    );

    // Reads and discards messages until the server closes; returns the close code, or 0 on timeout.
    int wait_close(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    bool closed() const;
    // The server's close code (ws_abnormal_close when the connection dropped without one); 0 while
    // open.
    int close_code() const;
    std::string close_reason() const;
    // Protocol-level pings received so far (the client answers them while it reads).
    int pings() const;
    // Messages received so far.
    int received() const;

    // Sends a close frame with `code` and waits for the server's answer.
    void close(int code = 1000);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace test
