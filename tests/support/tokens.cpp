#include "support/tokens.hpp"

#include <stdexcept>

#include "core/clock.hpp"
#include "infra/crypto/jwt.hpp"
#include "support/trader.hpp"

namespace test {
namespace {

std::string sign_at(
    const trader_process& server,
    core::time_point now,
    const std::string& user_id,
    const std::vector<std::string>& roles
) {
    core::manual_clock clock{now};
    auto ring = infra::crypto::key_ring::open(server.dir() / "keys", clock);
    if (!ring) {
        throw std::runtime_error("cannot open the server's key ring: " + ring.error().detail);
    }
    infra::crypto::jwt_settings settings;
    settings.issuer = "trader";
    settings.audience = "trader-api";
    settings.key_dir = server.dir() / "keys";
    infra::crypto::jwt_codec codec{**ring, clock, settings};
    return codec.sign(codec.issue(user_id, roles, "ses_test"));
}

}  // namespace

std::string access_token(
    const trader_process& server, const std::string& user_id, const std::vector<std::string>& roles
) {
    return sign_at(server, std::chrono::system_clock::now(), user_id, roles);
}

std::string expired_access_token(const trader_process& server, const std::string& user_id) {
    return sign_at(server, std::chrono::system_clock::now() - std::chrono::hours{2}, user_id, {});
}

}  // namespace test
