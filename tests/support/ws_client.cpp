#include "support/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <functional>
#include <stdexcept>

namespace test {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

}  // namespace

struct ws_client::impl {
    net::io_context io;
    websocket::stream<beast::tcp_stream> ws{io};
    beast::flat_buffer buffer;
    std::string protocol;
    bool reading = false;
    bool read_done = false;
    beast::error_code read_ec;
    bool is_closed = false;
    int code = 0;
    std::string reason;
    int pings = 0;
    int received = 0;

    // Runs the event loop until `done` or the deadline; false on timeout.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            auto now = std::chrono::steady_clock::now();
            if (now >= deadline) {
                return false;
            }
            if (io.stopped()) {
                io.restart();
            }
            io.run_one_for(deadline - now);
        }
        return true;
    }

    void start_read() {
        if (reading || is_closed) {
            return;
        }
        reading = true;
        read_done = false;
        ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
            read_ec = ec;
            read_done = true;
        });
    }

    void note_closed() {
        is_closed = true;
        if (read_ec == websocket::error::closed) {
            code = ws.reason().code;
            reason = std::string{ws.reason().reason.data(), ws.reason().reason.size()};
        } else {
            code = ws_abnormal_close;
        }
    }
};

ws_client::ws_client(std::uint16_t port, const ws_options& options)
    : impl_(std::make_unique<impl>()) {
    auto& s = impl_->ws.next_layer();
    s.socket().open(tcp::v4());
    if (options.receive_buffer > 0) {
        s.socket().set_option(net::socket_base::receive_buffer_size(options.receive_buffer));
    }
    s.expires_after(std::chrono::seconds(10));
    s.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
    std::string offered;
    for (const auto& p : options.protocols) {
        offered += offered.empty() ? "" : ", ";
        offered += p;
    }
    impl_->ws.set_option(websocket::stream_base::decorator([offered](websocket::request_type& req) {
        if (!offered.empty()) {
            req.set(beast::http::field::sec_websocket_protocol, offered);
        }
    }));
    impl_->ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
        if (kind == websocket::frame_type::ping) {
            ++impl_->pings;
        }
    });
    websocket::response_type res;
    beast::error_code ec;
    impl_->ws.handshake(res, "127.0.0.1:" + std::to_string(port), options.target, ec);
    if (ec) {
        throw std::runtime_error(
            "WebSocket handshake failed: " + ec.message() + " (HTTP " +
            std::to_string(res.result_int()) + ")"
        );
    }
    s.expires_never();
    impl_->protocol = std::string{res[beast::http::field::sec_websocket_protocol]};
}

ws_client::~ws_client() {
    beast::error_code ignored;
    impl_->ws.next_layer().socket().close(ignored);
}

std::string ws_client::protocol() const { return impl_->protocol; }

void ws_client::send(const std::string& text) {
    bool done = false;
    beast::error_code result;
    impl_->ws.text(true);
    impl_->ws.async_write(net::buffer(text), [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    if (!impl_->run_until([&] { return done; }, std::chrono::seconds(10))) {
        throw std::runtime_error("WebSocket write timed out");
    }
    if (result) {
        throw std::runtime_error("WebSocket write failed: " + result.message());
    }
}

void ws_client::send_json(const boost::json::value& v) { send(boost::json::serialize(v)); }

std::optional<std::string> ws_client::receive(std::chrono::milliseconds timeout) {
    if (impl_->is_closed) {
        return std::nullopt;
    }
    impl_->start_read();
    if (!impl_->run_until([this] { return impl_->read_done; }, timeout)) {
        return std::nullopt;
    }
    impl_->reading = false;
    if (impl_->read_ec) {
        impl_->note_closed();
        return std::nullopt;
    }
    ++impl_->received;
    std::string text = beast::buffers_to_string(impl_->buffer.data());
    impl_->buffer.consume(impl_->buffer.size());
    return text;
}

std::optional<boost::json::value> ws_client::receive_json(std::chrono::milliseconds timeout) {
    auto text = receive(timeout);
    if (!text) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(*text, ec);
    if (ec) {
        throw std::runtime_error("WebSocket message is not JSON: " + *text);
    }
    return v;
}

std::optional<boost::json::value> ws_client::receive_op(
    const std::string& op, std::chrono::milliseconds timeout
) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (left.count() <= 0) {
            return std::nullopt;
        }
        auto v = receive_json(left);
        if (!v) {
            return std::nullopt;
        }
        if (v->is_object() && v->as_object().contains("op") &&
            v->as_object().at("op") == op.c_str()) {
            return v;
        }
    }
}

int ws_client::wait_close(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!impl_->is_closed) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (left.count() <= 0) {
            return 0;
        }
        (void)receive(left);
    }
    return impl_->code;
}

bool ws_client::closed() const { return impl_->is_closed; }
int ws_client::close_code() const { return impl_->code; }
std::string ws_client::close_reason() const { return impl_->reason; }
int ws_client::pings() const { return impl_->pings; }
int ws_client::received() const { return impl_->received; }

void ws_client::close(int code) {
    bool done = false;
    impl_->ws.async_close(
        websocket::close_reason{static_cast<std::uint16_t>(code)},
        [&](beast::error_code) { done = true; }
    );
    (void)impl_->run_until([&] { return done; }, std::chrono::seconds(10));
    impl_->is_closed = true;
}

}  // namespace test
