// Starts the real `trader` binary for a test, on a free port, against a fresh SQLite file or a
// fresh PostgreSQL database (TRADER_TEST_PROFILE), and talks HTTP to it.
#pragma once

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace test {

class pg_database;

struct http_response {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    std::string header(const std::string& lower_name) const;
    boost::json::value json() const;
};

// A series' value in a /metrics text, such as `cache_hits_total{cache="storefront"}` (0 when it is
// not there yet).
double metric_value(const std::string& text, const std::string& series);

// A keep-alive HTTP/1.1 client on 127.0.0.1 (reconnects when the server closed the connection).
class http_client {
public:
    explicit http_client(std::uint16_t port);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    http_response request(
        const std::string& method,
        const std::string& target,
        const std::string& body = "",
        const std::map<std::string, std::string>& headers = {}
    );
    http_response get(
        const std::string& target, const std::map<std::string, std::string>& headers = {}
    ) {
        return request("GET", target, "", headers);
    }
    http_response post_json(
        const std::string& target,
        const std::string& json,
        std::map<std::string, std::string> headers = {}
    );

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Sends raw bytes on a fresh connection and returns what the server answered before closing (or
// before `wait` passed). For malformed-HTTP and timeout tests.
std::string raw_exchange(
    std::uint16_t port,
    const std::string& bytes,
    std::chrono::milliseconds wait = std::chrono::seconds(5)
);

std::uint16_t free_port();

struct trader_options {
    std::map<std::string, std::string> env;  // extra TRADER_* settings
    bool wait_ready = true;
    // 0 = a free port; set it when a peer must know the server's URL before it starts.
    std::uint16_t port = 0;
};

class trader_process {
public:
    explicit trader_process(trader_options options = {});
    ~trader_process();
    trader_process(const trader_process&) = delete;
    trader_process& operator=(const trader_process&) = delete;

    std::uint16_t port() const { return port_; }
    const std::filesystem::path& dir() const { return dir_; }
    pid_t pid() const { return pid_; }
    bool postgres() const;
    // The database URL the server uses (postgres://... or the SQLite file path).
    std::string database() const;

    // Everything the process printed (stdout and stderr).
    std::string output() const;

    // Sends a signal; wait_exit() then returns the exit code (or 128 + signal).
    void signal(int sig);
    int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // Starts the binary again with the same data directory / database and port.
    void restart();

    // Runs `trader <args>` with the same environment and returns {exit code, output}.
    std::pair<int, std::string> run_command(const std::vector<std::string>& args) const;

    http_client& http();

private:
    void start();
    std::map<std::string, std::string> environment() const;

    trader_options options_;
    std::filesystem::path dir_;
    std::unique_ptr<pg_database> pg_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
    int runs_ = 0;
    std::unique_ptr<http_client> client_;
};

// Runs the trader binary with exactly `env` (plus PATH) and returns {exit code, output}.
std::pair<int, std::string> run_trader(
    const std::vector<std::string>& args, const std::map<std::string, std::string>& env
);

// Asserts an RFC 9457 problem: status, content type, `type` ending in `slug`, `instance` =
// X-Request-Id.
void expect_problem(const http_response& r, int status, const std::string& slug);

}  // namespace test
