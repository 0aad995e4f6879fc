#include "support/trader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/env.hpp"
#include "support/pg_database.hpp"

namespace test {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

// fork + exec with an exact environment; stdout and stderr appended to `log`.
pid_t spawn(
    const std::vector<std::string>& args,
    const std::map<std::string, std::string>& env,
    const std::string& log
) {
    std::vector<std::string> env_strings;
    if (const char* path = std::getenv("PATH")) {
        env_strings.push_back(std::string{"PATH="} + path);
    }
    for (const auto& [k, v] : env) {
        env_strings.push_back(k + "=" + v);
    }
    std::vector<char*> argv;
    std::vector<std::string> all_args{TRADER_BINARY};
    all_args.insert(all_args.end(), args.begin(), args.end());
    for (auto& a : all_args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_strings) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);

    pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
            ::close(fd);
        }
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    return pid;
}

int exit_code_of(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in{p};
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

double metric_value(const std::string& text, const std::string& series) {
    auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) {
        return 0;
    }
    return std::stod(text.substr(at + series.size() + 2));
}

std::string http_response::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
}

boost::json::value http_response::json() const {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec) {
        ADD_FAILURE() << "response body is not JSON: " << body;
        return {};
    }
    return v;
}

struct http_client::impl {
    std::uint16_t port;
    net::io_context io;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;

    void connect() {
        stream.emplace(io);
        stream->connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
        buffer.clear();
    }
};

http_client::http_client(std::uint16_t port) : impl_(std::make_unique<impl>()) {
    impl_->port = port;
}
http_client::~http_client() = default;

http_response http_client::request(
    const std::string& method,
    const std::string& target,
    const std::string& body,
    const std::map<std::string, std::string>& headers
) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!impl_->stream) {
            impl_->connect();
        }
        bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
        req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(impl_->port));
        for (const auto& [k, v] : headers) {
            req.set(k, v);
        }
        if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
            req.body() = body;
            req.prepare_payload();
        }
        if (method == "CUSTOM") {
            req.method_string("BREW");
        }
        beast::error_code ec;
        impl_->stream->expires_after(std::chrono::seconds(30));
        bhttp::write(*impl_->stream, req, ec);
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        if (method == "HEAD") {
            parser.skip(true);
        }
        if (!ec) {
            bhttp::read(*impl_->stream, impl_->buffer, parser, ec);
        }
        if (ec) {
            // A keep-alive connection the server closed: retry once on a new one.
            impl_->stream.reset();
            if (attempt == 0) {
                continue;
            }
            throw std::runtime_error("HTTP request failed: " + ec.message());
        }
        auto res = parser.release();
        http_response out;
        out.status = static_cast<int>(res.result_int());
        for (const auto& f : res) {
            std::string name{f.name_string()};
            for (auto& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            out.headers[name] = std::string{f.value()};
        }
        out.body = res.body();
        if (!res.keep_alive()) {
            impl_->stream.reset();
        }
        return out;
    }
    throw std::runtime_error("unreachable");
}

http_response http_client::post_json(
    const std::string& target, const std::string& json, std::map<std::string, std::string> headers
) {
    headers.emplace("Content-Type", "application/json");
    return request("POST", target, json, headers);
}

std::string raw_exchange(
    std::uint16_t port, const std::string& bytes, std::chrono::milliseconds wait
) {
    net::io_context io;
    tcp::socket s{io};
    s.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
    net::write(s, net::buffer(bytes));
    // Read until the server closes, or the deadline passes.
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + wait;
    s.non_blocking(true);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        boost::system::error_code ec;
        auto n = s.read_some(net::buffer(buf), ec);
        if (ec == net::error::would_block) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        if (ec) {
            break;
        }
        out.append(buf, n);
    }
    return out;
}

std::uint16_t free_port() {
    net::io_context io;
    tcp::acceptor a{io, tcp::endpoint{net::ip::make_address("127.0.0.1"), 0}};
    return a.local_endpoint().port();
}

trader_process::trader_process(trader_options options) : options_(std::move(options)) {
    dir_ = make_temp_dir("trader");
    if (profile() == "pg") {
        pg_ = std::make_unique<pg_database>();
    }
    port_ = options_.port != 0 ? options_.port : free_port();
    start();
}

trader_process::~trader_process() {
    client_.reset();
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        if (wait_exit(std::chrono::seconds(20)) < 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    std::error_code ec;
    if (!::testing::Test::HasFailure()) {
        std::filesystem::remove_all(dir_, ec);
    }
}

bool trader_process::postgres() const { return pg_ != nullptr; }

std::string trader_process::database() const {
    return pg_ ? pg_->url() : (dir_ / "trader.db").string();
}

std::map<std::string, std::string> trader_process::environment() const {
    std::map<std::string, std::string> env{
        {"TRADER_HOST", "127.0.0.1"},
        {"TRADER_PORT", std::to_string(port_)},
        {"TRADER_DATA_DIR", dir_.string()},
        {"TRADER_THREADS", "2"},
        {"TRADER_WORKERS", "4"},
        {"TRADER_LOG_LEVEL", "info"},
        {"TRADER_SHUTDOWN_GRACE", "5s"},
        {"ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0"},
    };
    if (pg_) {
        env["TRADER_DATABASE_URL"] = pg_->url();
        env["TRADER_AUTO_MIGRATE"] = "1";
        env["TRADER_DB_POOL_SIZE"] = "8";
    }
    for (const auto& [k, v] : options_.env) {
        env[k] = v;
    }
    return env;
}

void trader_process::start() {
    ++runs_;
    pid_ = spawn({"serve"}, environment(), (dir_ / "trader.log").string());
    if (!options_.wait_ready) {
        return;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error(
                "trader exited during start-up (" + std::to_string(exit_code_of(status)) + "):\n" +
                output()
            );
        }
        try {
            http_client probe{port_};
            if (probe.get("/healthz").status == 200) {
                return;
            }
        } catch (const std::exception&) {
            // not listening yet
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("trader did not answer /healthz within 30 s:\n" + output());
}

std::string trader_process::output() const { return read_file(dir_ / "trader.log"); }

void trader_process::signal(int sig) {
    if (pid_ > 0) {
        ::kill(pid_, sig);
    }
}

int trader_process::wait_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) {
        return -1;
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return exit_code_of(status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

void trader_process::restart() {
    client_.reset();
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        wait_exit();
    }
    start();
}

std::pair<int, std::string> trader_process::run_command(const std::vector<std::string>& args
) const {
    auto env = environment();
    return run_trader(args, env);
}

http_client& trader_process::http() {
    if (!client_) {
        client_ = std::make_unique<http_client>(port_);
    }
    return *client_;
}

std::pair<int, std::string> run_trader(
    const std::vector<std::string>& args, const std::map<std::string, std::string>& env
) {
    auto log = make_temp_dir("cmd") / "out.log";
    pid_t pid = spawn(args, env, log.string());
    int status = 0;
    ::waitpid(pid, &status, 0);
    auto out = read_file(log);
    std::filesystem::remove_all(log.parent_path());
    return {exit_code_of(status), out};
}

void expect_problem(const http_response& r, int status, const std::string& slug) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json") << r.body;
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    ASSERT_FALSE(ec) << "problem body is not JSON: " << r.body;
    ASSERT_TRUE(v.is_object()) << r.body;
    const auto& o = v.as_object();
    ASSERT_TRUE(o.contains("type") && o.at("type").is_string()) << r.body;
    std::string type{o.at("type").as_string()};
    EXPECT_TRUE(type.ends_with("/" + slug)) << "type " << type << " does not end in " << slug;
    ASSERT_TRUE(o.contains("status")) << r.body;
    EXPECT_EQ(o.at("status").to_number<int>(), status);
    ASSERT_TRUE(o.contains("title")) << r.body;
    ASSERT_TRUE(o.contains("instance")) << r.body;
    EXPECT_EQ(std::string{o.at("instance").as_string()}, r.header("x-request-id"));
}

}  // namespace test
