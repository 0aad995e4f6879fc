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
    // Runs `<shared peers>/<script> args...` (which prints only the peer's PID) with `env` added,
    // after `scripts/peers` made sure the peers are installed. Throws when it does not start.
    peer_process(
        const std::string& script,
        std::vector<std::string> args,
        std::uint16_t port,
        const std::map<std::string, std::string>& env = {}
    );
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

// Twilio-shaped test credentials (Prism checks their form, not their value).
inline const std::string twilio_account_sid = "AC0123456789abcdef0123456789abcdef";
inline const std::string twilio_verify_sid = "VA0123456789abcdef0123456789abcdef";

}  // namespace test
