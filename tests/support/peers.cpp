#include "support/peers.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "support/trader.hpp"

namespace test {
namespace {

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out.push_back(c);
        }
    }
    return out + "'";
}

std::filesystem::path source_dir() { return TRADER_SOURCE_DIR; }

std::filesystem::path shared_peers() {
    if (const char* dir = std::getenv("TRADER_PEERS_SOURCE"); dir != nullptr && *dir != '\0') {
        return dir;
    }
    return source_dir() / ".." / "shared" / "peers";
}

std::string run_output(const std::string& command) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) {
        throw std::runtime_error("cannot run: " + command);
    }
    std::array<char, 256> buf{};
    while (std::fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr) {
        out += buf.data();
    }
    int status = ::pclose(p);
    if (status != 0) {
        throw std::runtime_error("failed (" + std::to_string(status) + "): " + command);
    }
    return out;
}

// `scripts/peers` once per test process: a no-op when `make test` already installed them.
void ensure_installed() {
    static std::once_flag once;
    std::call_once(once, [] {
        run_output(
            "cd " + shell_quote(source_dir().string()) + " && scripts/peers >/dev/null 2>&1"
        );
    });
}

}  // namespace

peer_process::peer_process(
    const std::string& script,
    std::vector<std::string> args,
    std::uint16_t port,
    const std::map<std::string, std::string>& env
)
    : port_(port) {
    ensure_installed();
    std::string command = "cd " + shell_quote(source_dir().string()) + " && ";
    command += "PEERS_DIR=" + shell_quote((source_dir() / ".peers").string()) + " ";
    for (const auto& [name, value] : env) {
        command += name + "=" + shell_quote(value) + " ";
    }
    // One start at a time: parallel test processes would race on the prepared-spec cache.
    auto lock = source_dir() / ".peers" / ".start.lock";
    command += "flock -o " + shell_quote(lock.string()) + " ";
    std::filesystem::path path{script};
    command += shell_quote((path.is_absolute() ? path : shared_peers() / path).string());
    for (const auto& a : args) {
        command += " " + shell_quote(a);
    }
    auto out = run_output(command);
    pid_ = static_cast<pid_t>(std::stol(out));
    if (pid_ <= 0) {
        throw std::runtime_error(script + " printed no PID");
    }
}

peer_process::~peer_process() {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGTERM);
    // Not our child (the start script detached it): poll until it is gone.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (::kill(pid_, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::unique_ptr<peer_process> start_twilio_messages_mock() {
    auto port = free_port();
    auto spec = (source_dir() / ".." / "shared" / "contracts" / "twilio" / "twilio_api_v2010.json");
    return std::make_unique<peer_process>(
        "start-prism.sh",
        std::vector<std::string>{spec.string(), std::to_string(port), "/Messages\\.json$"}, port
    );
}

std::unique_ptr<peer_process> start_twilio_verify_mock() {
    auto port = free_port();
    auto spec = (source_dir() / ".." / "shared" / "contracts" / "twilio" / "twilio_verify_v2.json");
    return std::make_unique<peer_process>(
        "start-prism.sh",
        std::vector<std::string>{spec.string(), std::to_string(port), "/Verification"}, port
    );
}

std::unique_ptr<peer_process> start_oidc_provider(const oidc_peer_options& options) {
    auto port = options.port != 0 ? options.port : free_port();
    std::string uris;
    for (const auto& u : options.redirect_uris) {
        uris += uris.empty() ? u : "," + u;
    }
    return std::make_unique<peer_process>(
        "start-oidc.sh", std::vector<std::string>{std::to_string(port)}, port,
        std::map<std::string, std::string>{
            {"OIDC_CLIENT_ID", options.client_id},
            {"OIDC_CLIENT_SECRET", options.client_secret},
            {"OIDC_TOKEN_AUTH", options.token_auth},
            {"OIDC_REDIRECT_URIS", uris},
        }
    );
}

std::unique_ptr<peer_process> start_graph_fixture(const graph_fixture_options& options) {
    auto port = free_port();
    auto script = source_dir() / "tests" / "peers" / "start-graph.sh";
    return std::make_unique<peer_process>(
        script.string(), std::vector<std::string>{std::to_string(port)}, port,
        std::map<std::string, std::string>{
            {"GRAPH_APP_ID", options.app_id},
            {"GRAPH_APP_SECRET", options.app_secret},
            {"GRAPH_USERINFO", options.userinfo_url},
            {"GRAPH_TOKEN_APP_ID", options.token_app_id},
        }
    );
}

}  // namespace test
