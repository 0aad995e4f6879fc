// bench_hello: the smallest honest Boost.Beast HTTP/1.1 server, the ceiling `trader serve` is
// measured against. Same shape as our server: one io_context per thread, each with its own
// SO_REUSEPORT acceptor on the same port, one coroutine per connection, keep-alive, idle timeout.
// Answers every request with 200 {"status":"ok"}.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr auto no_throw = asio::as_tuple(asio::use_awaitable);
constexpr auto idle_timeout = std::chrono::seconds(30);
constexpr std::string_view body = R"({"status":"ok"})";

struct options {
    unsigned short port = 8081;
    unsigned threads = std::max(1U, std::thread::hardware_concurrency());
};

void log_exception(std::exception_ptr failure) {
    if (!failure) {
        return;
    }
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        std::cerr << "bench_hello: " << e.what() << "\n";
    }
}

asio::awaitable<void> session(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        stream.expires_after(idle_timeout);
        auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, req, no_throw);
        if (read_error) {
            break;  // end of stream, timeout or a malformed request: close
        }
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.set(http::field::content_type, "application/json");
        res.keep_alive(req.keep_alive());
        res.body() = body;
        res.prepare_payload();
        auto [write_error, write_bytes] = co_await http::async_write(stream, res, no_throw);
        if (write_error || !res.keep_alive()) {
            break;
        }
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> listen(tcp::acceptor acceptor) {
    for (;;) {
        auto [error, socket] = co_await acceptor.async_accept(no_throw);
        if (error == asio::error::operation_aborted) {
            co_return;
        }
        if (error) {
            continue;  // EMFILE and friends: keep accepting
        }
        socket.set_option(tcp::no_delay(true), error);
        auto executor = socket.get_executor();
        asio::co_spawn(executor, session(beast::tcp_stream(std::move(socket))), log_exception);
    }
}

tcp::acceptor bind_acceptor(asio::io_context& ctx, const tcp::endpoint& endpoint) {
    tcp::acceptor acceptor(ctx);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.set_option(reuse_port(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    return acceptor;
}

bool parse_number(std::string_view text, unsigned& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
}

bool parse_options(int argc, char** argv, options& opts) {
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (i + 1 >= argc) {
            return false;
        }
        unsigned value = 0;
        if (!parse_number(argv[++i], value)) {
            return false;
        }
        if (arg == "--port" && value <= 65535) {
            opts.port = static_cast<unsigned short>(value);
        } else if (arg == "--threads" && value >= 1 && value <= 1024) {
            opts.threads = value;
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    options opts;
    if (!parse_options(argc, argv, opts)) {
        std::cerr << "usage: bench_hello [--port P] [--threads N]\n";
        return EXIT_FAILURE;
    }
    try {
        std::vector<std::unique_ptr<asio::io_context>> contexts;
        // Port 0: the first acceptor picks the port and the others join it.
        tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), opts.port);
        for (unsigned i = 0; i < opts.threads; ++i) {
            auto& ctx = *contexts.emplace_back(std::make_unique<asio::io_context>(1));
            auto acceptor = bind_acceptor(ctx, endpoint);
            endpoint = acceptor.local_endpoint();
            asio::co_spawn(ctx, listen(std::move(acceptor)), log_exception);
        }
        asio::signal_set signals(*contexts.front(), SIGINT, SIGTERM);
        signals.async_wait([&contexts](const beast::error_code&, int) {
            for (auto& ctx : contexts) {
                ctx->stop();
            }
        });
        std::cout << "bench_hello listening on http://" << endpoint << " with " << opts.threads
                  << " threads" << std::endl;
        std::vector<std::jthread> threads;
        for (unsigned i = 1; i < opts.threads; ++i) {
            threads.emplace_back([&ctx = *contexts[i]] { ctx.run(); });
        }
        contexts.front()->run();
    } catch (const std::exception& e) {
        std::cerr << "bench_hello: " << e.what() << "\n";
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
