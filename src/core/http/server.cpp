#include "core/http/server.hpp"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <ctime>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/http/websocket_service.hpp"
#include "core/log.hpp"

namespace core::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

using reuse_port = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// Beast's parser errors: the client sent something that is not HTTP/1.1 (end_of_stream is a clean
// close).
bool is_parse_error(const boost::system::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
           ec != bhttp::error::end_of_stream;
}

// The Date header, formatted once per second per thread.
std::string_view http_date() {
    thread_local std::time_t cached_at = 0;
    thread_local char buf[64] = {};
    std::time_t now = std::time(nullptr);
    if (now != cached_at) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached_at = now;
    }
    return buf;
}

// Read deadlines without closing the socket (a tcp_stream timeout closes it, and then no 408 can be
// sent). Shared with the timer's handler, which may run after the session has ended.
struct read_deadline {
    explicit read_deadline(net::any_io_executor ex, tcp::socket& s)
        : timer(std::move(ex)), socket(&s) {}
    net::steady_timer timer;
    tcp::socket* socket;
    bool expired = false;
};

void arm(const std::shared_ptr<read_deadline>& d, std::chrono::milliseconds after) {
    d->expired = false;
    d->timer.expires_after(after);
    d->timer.async_wait([d](const boost::system::error_code& ec) {
        if (!ec && d->socket) {
            d->expired = true;
            boost::system::error_code ignored;
            d->socket->cancel(ignored);
        }
    });
}

// A connection the worker knows about, so shutdown can close the idle ones.
struct session_entry {
    beast::tcp_stream* stream = nullptr;
    bool idle = true;
};

struct worker {
    net::io_context ioc{1};
    std::optional<tcp::acceptor> acceptor;
    std::list<session_entry> sessions;  // touched only on this worker's thread
    bool stopping = false;
};

// Streams chunks of a response body with chunked transfer encoding.
class chunk_writer final : public body_writer {
public:
    explicit chunk_writer(beast::tcp_stream& s) : stream_(s) {}
    core::task<bool> write(std::string chunk) override {
        if (broken_) {
            co_return false;
        }
        stream_.expires_never();
        auto [ec, n] =
            co_await net::async_write(stream_, bhttp::make_chunk(net::buffer(chunk)), use_tuple);
        broken_ = static_cast<bool>(ec);
        co_return !broken_;
    }
    bool broken() const { return broken_; }

private:
    beast::tcp_stream& stream_;
    bool broken_ = false;
};

}  // namespace

struct server::impl {
    server_settings settings;
    pipeline& handler;
    core::metrics::gauge& open_connections;
    core::metrics::counter& rejected_connections;
    core::metrics::counter& transport_errors;
    std::vector<std::unique_ptr<worker>> workers;
    std::vector<std::thread> threads;
    websocket_service* ws = nullptr;
    std::vector<std::function<void()>> shutdown_hooks;
    std::vector<std::function<core::task<void>()>> background;
    std::atomic<int> connections{0};
    std::atomic<int> background_running{0};
    std::atomic<bool> stopping{false};
    std::uint16_t bound_port = 0;
    std::once_flag stop_once;
    bool drained_in_time = true;

    impl(server_settings s, pipeline& h, core::metrics::registry& m)
        : settings(std::move(s)),
          handler(h),
          open_connections(
              m.get_gauge("http_open_connections", "Open client connections (HTTP and WebSocket)")
          ),
          rejected_connections(m.get_counter(
              "http_rejected_connections_total", "Connections refused at the max_connections limit"
          )),
          transport_errors(m.get_counter(
              "http_transport_errors_total",
              "Requests answered by the transport: bad framing, limits, timeouts"
          )) {}

    net::awaitable<void> accept_loop(worker& w);
    net::awaitable<void> session(worker& w, tcp::socket socket);
    net::awaitable<void> refuse(tcp::socket socket);
    net::awaitable<void> drain();
    net::awaitable<bool> write_response(
        beast::tcp_stream& stream, request& req, response& res, bool keep_alive
    );
    net::awaitable<void> answer_transport_error(
        beast::tcp_stream& stream, request& req, core::error err
    );
    void begin_stop();
};

server::server(server_settings settings, pipeline& handler, core::metrics::registry& metrics)
    : impl_(std::make_unique<impl>(std::move(settings), handler, metrics)) {
    unsigned n = impl_->settings.threads;
    if (n == 0) {
        n = std::max(1U, std::thread::hardware_concurrency());
    }
    for (unsigned i = 0; i < n; ++i) {
        impl_->workers.push_back(std::make_unique<worker>());
    }
}

server::~server() {
    for (auto& w : impl_->workers) {
        w->ioc.stop();
    }
    for (auto& t : impl_->threads) {
        if (t.joinable()) {
            t.join();
        }
    }
}

void server::listen() {
    boost::system::error_code ec;
    auto address = net::ip::make_address(impl_->settings.host, ec);
    if (ec) {
        throw std::runtime_error(
            "cannot listen on host '" + impl_->settings.host + "': not an IP address"
        );
    }
    std::uint16_t port = impl_->settings.port;
    for (auto& w : impl_->workers) {
        tcp::endpoint ep{address, port};
        tcp::acceptor a{w->ioc};
        a.open(ep.protocol());
        a.set_option(net::socket_base::reuse_address(true));
        // Every worker accepts on its own socket; the kernel spreads connections across them.
        a.set_option(reuse_port(true));
        a.bind(ep, ec);
        if (ec) {
            throw std::runtime_error(
                "cannot bind " + impl_->settings.host + ":" + std::to_string(port) + ": " +
                ec.message()
            );
        }
        a.listen(net::socket_base::max_listen_connections);
        port = a.local_endpoint().port();
        w->acceptor.emplace(std::move(a));
    }
    impl_->bound_port = port;
}

std::uint16_t server::port() const noexcept { return impl_->bound_port; }
unsigned server::threads() const noexcept { return static_cast<unsigned>(impl_->workers.size()); }
void server::set_websocket_service(websocket_service* ws) { impl_->ws = ws; }
void server::on_shutdown(std::function<void()> fn) {
    impl_->shutdown_hooks.push_back(std::move(fn));
}

void server::spawn(std::function<core::task<void>()> fn) {
    impl_->background_running.fetch_add(1);
    net::co_spawn(
        impl_->workers.front()->ioc,
        [fn = std::move(fn), self = impl_.get()]() -> net::awaitable<void> {
            try {
                co_await fn();
            } catch (const std::exception& e) {
                log::error("background task failed").field("cause", e.what());
            }
            self->background_running.fetch_sub(1);
        },
        net::detached
    );
}

bool server::run() {
    auto& first = *impl_->workers.front();
    for (auto& w : impl_->workers) {
        net::co_spawn(w->ioc, impl_->accept_loop(*w), net::detached);
    }
    net::signal_set signals{first.ioc, SIGINT, SIGTERM};
    signals.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (!ec) {
            log::info("shutting down").field("signal", sig);
            stop();
        }
    });
    for (std::size_t i = 1; i < impl_->workers.size(); ++i) {
        impl_->threads.emplace_back([w = impl_->workers[i].get()] { w->ioc.run(); });
    }
    first.ioc.run();
    for (auto& t : impl_->threads) {
        t.join();
    }
    impl_->threads.clear();
    return impl_->drained_in_time;
}

void server::stop() {
    std::call_once(impl_->stop_once, [this] {
        net::post(impl_->workers.front()->ioc, [self = impl_.get()] { self->begin_stop(); });
    });
}

void server::impl::begin_stop() {
    stopping = true;
    for (auto& hook : shutdown_hooks) {
        hook();
    }
    if (ws) {
        ws->close_all();
    }
    for (auto& w : workers) {
        net::post(w->ioc, [wp = w.get()] {
            wp->stopping = true;
            boost::system::error_code ignored;
            if (wp->acceptor) {
                wp->acceptor->close(ignored);
            }
            for (auto& s : wp->sessions) {
                if (s.idle) {
                    s.stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
                    s.stream->cancel();
                }
            }
        });
    }
    net::co_spawn(workers.front()->ioc, drain(), net::detached);
}

net::awaitable<void> server::impl::drain() {
    auto deadline = std::chrono::steady_clock::now() + settings.shutdown_grace;
    net::steady_timer timer{co_await net::this_coro::executor};
    while (connections.load() > 0 || background_running.load() > 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
            drained_in_time = false;
            log::warn("shutdown grace expired").field("open_connections", connections.load());
            break;
        }
        timer.expires_after(std::chrono::milliseconds(10));
        co_await timer.async_wait(use_tuple);
    }
    for (auto& w : workers) {
        w->ioc.stop();
    }
}

net::awaitable<void> server::impl::accept_loop(worker& w) {
    for (;;) {
        auto [ec, socket] = co_await w.acceptor->async_accept(use_tuple);
        if (ec) {
            if (ec == net::error::operation_aborted || w.stopping) {
                co_return;
            }
            // Out of descriptors and the like: back off briefly instead of spinning.
            log::warn("accept failed").field("cause", ec.message());
            net::steady_timer t{w.ioc, std::chrono::milliseconds(50)};
            co_await t.async_wait(use_tuple);
            continue;
        }
        if (connections.load(std::memory_order_relaxed) >=
            static_cast<int>(settings.max_connections)) {
            rejected_connections.inc();
            net::co_spawn(w.ioc, refuse(std::move(socket)), net::detached);
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        net::co_spawn(w.ioc, session(w, std::move(socket)), net::detached);
    }
}

net::awaitable<void> server::impl::refuse(tcp::socket socket) {
    static constexpr std::string_view busy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
        "application/problem+json\r\nRetry-After: 1\r\n"
        "Connection: close\r\nContent-Length: 114\r\n\r\n"
        R"({"type":"https://docs.trader.dev/problems/unavailable","title":"Service unavailable","status":503,"detail":"busy"})";
    static_assert(busy.size() - busy.find("\r\n\r\n") - 4 == 114);
    co_await net::async_write(socket, net::buffer(busy), use_tuple);
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
}

net::awaitable<void> server::impl::answer_transport_error(
    beast::tcp_stream& stream, request& req, core::error err
) {
    transport_errors.inc();
    response res = handler.transport_error(req, std::move(err));
    co_await write_response(stream, req, res, false);
}

net::awaitable<bool> server::impl::write_response(
    beast::tcp_stream& stream, request& req, response& res, bool keep_alive
) {
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), 11};
    out.set(bhttp::field::server, "trader");
    out.set(bhttp::field::date, http_date());
    if (!res.content_type.empty()) {
        out.set(bhttp::field::content_type, res.content_type);
    }
    for (auto& [name, value] : res.headers) {
        out.insert(name, value);
    }
    out.keep_alive(keep_alive);
    stream.expires_after(settings.read_timeout);

    if (res.shared && req.verb != method::head) {
        // The same head, and the body written straight from the shared bytes.
        bhttp::response<bhttp::span_body<const char>> shared_out{std::move(out.base())};
        shared_out.body() = {res.shared_body.data(), res.shared_body.size()};
        shared_out.prepare_payload();
        auto [ec, written] = co_await bhttp::async_write(stream, shared_out, use_tuple);
        handler.record(req, res, written);
        co_return !ec && keep_alive;
    }

    if (res.stream) {
        out.chunked(true);
        out.keep_alive(false);
        bhttp::response_serializer<bhttp::string_body> sr{out};
        auto [ec, n] = co_await bhttp::async_write_header(stream, sr, use_tuple);
        if (ec) {
            handler.record(req, res, 0);
            co_return false;
        }
        chunk_writer writer{stream};
        co_await res.stream(writer);
        if (!writer.broken()) {
            co_await net::async_write(stream, bhttp::make_chunk_last(), use_tuple);
        }
        handler.record(req, res, 0);
        co_return false;
    }

    std::size_t body_size = res.shared ? res.shared_body.size() : res.body.size();
    if (req.verb == method::head) {
        out.content_length(body_size);
    } else {
        out.body() = std::move(res.body);
        out.prepare_payload();
    }
    auto [ec, written] = co_await bhttp::async_write(stream, out, use_tuple);
    handler.record(req, res, written);
    co_return !ec && keep_alive;
}

net::awaitable<void> server::impl::session(worker& w, tcp::socket socket) {
    connections.fetch_add(1, std::memory_order_relaxed);
    open_connections.add();
    boost::system::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    std::string remote_address = ec ? std::string{} : remote.address().to_string();

    beast::tcp_stream stream{std::move(socket)};
    auto deadline = std::make_shared<read_deadline>(stream.get_executor(), stream.socket());
    auto entry = w.sessions.insert(w.sessions.end(), session_entry{&stream, true});
    beast::flat_buffer buffer;
    bool handed_off = false;

    for (;;) {
        if (w.stopping) {
            break;
        }
        entry->idle = true;
        bhttp::request_parser<bhttp::empty_body> head;
        head.header_limit(static_cast<std::uint32_t>(settings.header_limit));
        head.body_limit(boost::none);  // the route's limit is applied below, once the path is known
        stream.expires_never();
        arm(deadline, buffer.size() > 0 ? settings.read_timeout : settings.idle_timeout);
        auto [rec, rn] = co_await bhttp::async_read_header(stream, buffer, head, use_tuple);
        deadline->timer.cancel();
        entry->idle = false;

        request req;
        req.remote_address = remote_address;
        req.received_at = std::chrono::steady_clock::now();
        if (rec) {
            if (rec == bhttp::error::header_limit) {
                co_await answer_transport_error(
                    stream, req,
                    core::error{
                        core::errc::headers_too_large, "request headers exceed " +
                                                           std::to_string(settings.header_limit) +
                                                           " bytes"}
                );
            } else if (deadline->expired && (head.got_some() || buffer.size() > 0)) {
                co_await answer_transport_error(
                    stream, req,
                    core::error{core::errc::timeout, "the request did not arrive in time"}
                );
            } else if (is_parse_error(rec)) {
                co_await answer_transport_error(
                    stream, req,
                    core::error{core::errc::bad_request, "malformed HTTP request: " + rec.message()}
                );
            }
            break;
        }

        auto& h = head.get();
        req.verb =
            parse_method(std::string_view{h.method_string().data(), h.method_string().size()});
        req.target = std::string{h.target()};
        if (req.target.empty() || req.target.front() != '/') {
            co_await answer_transport_error(
                stream, req,
                core::error{core::errc::bad_request, "request target must be an absolute path"}
            );
            break;
        }

        // The body limit depends on the route, so it is chosen between header and body.
        std::size_t limit = handler.body_limit_for(req.verb, req.path());
        bhttp::request_parser<bhttp::string_body> parser{std::move(head)};
        parser.body_limit(limit);
        if (auto len = parser.content_length(); len && *len > limit) {
            co_await answer_transport_error(
                stream, req,
                core::error{
                    core::errc::payload_too_large,
                    "request body exceeds " + std::to_string(limit) + " bytes"}
            );
            break;
        }
        if (!parser.is_done()) {
            arm(deadline, settings.read_timeout);
            auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
            deadline->timer.cancel();
            if (bec) {
                if (bec == bhttp::error::body_limit) {
                    co_await answer_transport_error(
                        stream, req,
                        core::error{
                            core::errc::payload_too_large,
                            "request body exceeds " + std::to_string(limit) + " bytes"}
                    );
                } else if (deadline->expired) {
                    co_await answer_transport_error(
                        stream, req,
                        core::error{core::errc::timeout, "the request body did not arrive in time"}
                    );
                } else if (is_parse_error(bec)) {
                    co_await answer_transport_error(
                        stream, req,
                        core::error{
                            core::errc::bad_request, "malformed HTTP request: " + bec.message()}
                    );
                }
                break;
            }
        }

        auto msg = parser.release();
        if (ws && beast::websocket::is_upgrade(msg) && ws->matches(req.path())) {
            entry->idle = false;
            stream.expires_never();
            w.sessions.erase(entry);
            entry = w.sessions.end();
            handed_off = true;
            deadline->socket = nullptr;
            co_await ws->run(std::move(stream), std::move(msg), remote_address);
            break;
        }

        req.headers.reserve(16);
        for (const auto& f : msg) {
            std::string name{f.name_string()};
            for (auto& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            req.headers.emplace_back(std::move(name), std::string{f.value()});
        }
        req.body = std::move(msg.body());
        bool keep_alive = msg.keep_alive();

        response res = co_await handler.handle(req);
        keep_alive = keep_alive && !w.stopping && !stopping.load(std::memory_order_relaxed);
        bool again = co_await write_response(stream, req, res, keep_alive);
        if (!again) {
            break;
        }
    }

    if (entry != w.sessions.end()) {
        w.sessions.erase(entry);
    }
    deadline->socket = nullptr;
    deadline->timer.cancel();
    if (!handed_off) {
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream.close();
    }
    open_connections.sub();
    connections.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace core::http
