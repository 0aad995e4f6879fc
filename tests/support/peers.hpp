// Third-party stand-ins for tests (../shared/peers): a validating Prism mock of a vendor's OpenAPI
// spec, the OpenID provider. Each peer is started on a free port and stopped when it goes away.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace test {

class peer_process {
public:
    // Runs `<shared peers>/<script> args...` (or `script` itself when it is an absolute path),
    // which prints only the peer's PID, with `env` added, after `scripts/peers` made sure the peers
    // are installed. Throws when it does not start.
    peer_process(
        const std::string& script,
        std::vector<std::string> args,
        std::uint16_t port,
        const std::map<std::string, std::string>& env = {}
    );
    // Stops the peer and waits (up to 5 s) until it is gone, so its port can be used again.
    ~peer_process();
    peer_process(const peer_process&) = delete;
    peer_process& operator=(const peer_process&) = delete;

    std::uint16_t port() const { return port_; }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    std::uint16_t port_;
    pid_t pid_ = -1;
};

// Prism mocking Twilio's Messages API (2010-04-01) on a free port.
std::unique_ptr<peer_process> start_twilio_messages_mock();
// Prism mocking Twilio Verify v2 on a free port.
std::unique_ptr<peer_process> start_twilio_verify_mock();

// The OpenID provider peer (../shared/peers/start-oidc.sh): a real node-oidc-provider with one
// client, issuer = base_url(). Its signing key (and kid) is new at every start.
struct oidc_peer_options {
    std::uint16_t port = 0;  // 0 = a free port
    std::string client_id = "trader-test";
    std::string client_secret = "trader-test-secret";
    std::string token_auth = "client_secret_basic";  // or client_secret_post
    std::vector<std::string> redirect_uris;          // exact callback URLs it accepts
};
std::unique_ptr<peer_process> start_oidc_provider(const oidc_peer_options& options);

// The Graph API fixture (tests/peers/start-graph.sh): /me and /debug_token, answering for the user
// tokens the OpenID provider peer at `userinfo_url` accepts. A fixture, as no Graph peer exists.
struct graph_fixture_options {
    std::string app_id;
    std::string app_secret;
    std::string userinfo_url;  // the OpenID provider peer's /me
    std::string token_app_id;  // the app debug_token names as the tokens' owner; empty = app_id
};
std::unique_ptr<peer_process> start_graph_fixture(const graph_fixture_options& options);

// Twilio-shaped test credentials (Prism checks their form, not their value).
inline const std::string twilio_account_sid = "AC0123456789abcdef0123456789abcdef";
inline const std::string twilio_verify_sid = "VA0123456789abcdef0123456789abcdef";

}  // namespace test
