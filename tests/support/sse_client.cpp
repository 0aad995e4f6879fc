#include "support/sse_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <stdexcept>

namespace test {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

sse_block parse_block(std::string_view text) {
    sse_block b;
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        auto colon = line.find(':');
        auto name = line.substr(0, colon);
        auto value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
        if (value.starts_with(' ')) {
            value.remove_prefix(1);
        }
        if (name.empty()) {
            b.comment += b.comment.empty() ? "" : "\n";
            b.comment += value;
        } else if (name == "event") {
            b.event = value;
        } else if (name == "id") {
            b.id = value;
        } else if (name == "retry") {
            b.retry = value;
        } else if (name == "data") {
            b.data += b.data.empty() ? "" : "\n";
            b.data += value;
        }
    }
    return b;
}

}  // namespace

struct sse_client::impl {
    net::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    std::size_t consumed = 0;  // body bytes already returned as blocks
    bool reading = false;
    bool read_done = false;
    beast::error_code read_ec;
    bool is_ended = false;

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

    // Reads more of the response; false on timeout or end.
    bool read_more(std::chrono::milliseconds timeout) {
        if (is_ended) {
            return false;
        }
        if (!reading) {
            reading = true;
            read_done = false;
            bhttp::async_read_some(
                stream, buffer, parser,
                [this](beast::error_code ec, std::size_t) {
                    read_ec = ec;
                    read_done = true;
                }
            );
        }
        if (!run_until([this] { return read_done; }, timeout)) {
            return false;
        }
        reading = false;
        if (read_ec || parser.is_done()) {
            is_ended = true;
        }
        return !read_ec;
    }
};

sse_client::sse_client(
    std::uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers
)
    : impl_(std::make_unique<impl>()) {
    impl_->parser.body_limit(std::uint64_t{64} * 1024 * 1024);
    impl_->stream.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(bhttp::field::accept, "text/event-stream");
    for (const auto& [k, v] : headers) {
        req.set(k, v);
    }
    bhttp::write(impl_->stream, req);
    while (!impl_->parser.is_header_done()) {
        if (!impl_->read_more(std::chrono::seconds(10)) && !impl_->parser.is_header_done()) {
            throw std::runtime_error("no SSE response headers");
        }
    }
}

sse_client::~sse_client() {
    beast::error_code ignored;
    impl_->stream.socket().close(ignored);
}

int sse_client::status() const { return static_cast<int>(impl_->parser.get().result_int()); }

std::string sse_client::header(const std::string& lower_name) const {
    auto it = impl_->parser.get().find(lower_name);
    return it == impl_->parser.get().end() ? std::string{} : std::string{it->value()};
}

std::optional<sse_block> sse_client::next(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto& body = impl_->parser.get().body();
        auto end = body.find("\n\n", impl_->consumed);
        if (end != std::string::npos) {
            auto block =
                parse_block(std::string_view{body}.substr(impl_->consumed, end - impl_->consumed));
            impl_->consumed = end + 2;
            return block;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        if (left.count() <= 0 || !impl_->read_more(left)) {
            return std::nullopt;
        }
    }
}

std::optional<sse_block> sse_client::next_event(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()
        );
        auto b = next(left);
        if (!b || !b->data.empty()) {
            return b;
        }
    }
}

bool sse_client::ended() const { return impl_->is_ended; }

}  // namespace test
