// The identity module: accounts, roles, sessions and access tokens. Builds its parts, registers its
// routes and exposes the token verifier every authenticated route relies on.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/http/router.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "core/worker_pool.hpp"
#include "infra/db/database.hpp"
#include "integrations/twilio/client.hpp"
#include "modules/identity/auth_service.hpp"
#include "modules/identity/otp_service.hpp"

namespace identity {

struct settings {
    std::filesystem::path key_dir;  // the signing key ring (<TRADER_DATA_DIR>/keys)
    std::string issuer;
    std::string audience;
    std::chrono::seconds access_token_ttl{900};
    auth_settings auth;
    otp_settings otp;
    // SMS: no account SID = the notifications log; a Verify service SID = Twilio Verify; else our
    // codes through Twilio's Messages API.
    integrations::twilio::settings twilio;
};

struct dependencies {
    infra::db::database& db;
    const core::clock& clock;
    core::worker_pool& workers;
    core::metrics::registry& metrics;
};

class module {
public:
    // Opens (or creates) the key ring; throws std::runtime_error when it cannot, which stops
    // start-up.
    module(dependencies deps, const settings& s);
    ~module();
    module(const module&) = delete;
    module& operator=(const module&) = delete;
    module(module&&) = delete;
    module& operator=(module&&) = delete;

    void register_routes(core::http::router& r);
    // JWT signature and claims, then the revocation list.
    const core::token_verifier& token_verifier() const;
    // Reloads revocations an earlier run made within the access-token lifetime (call once at
    // start-up).
    core::task<core::result<void>> restore_revocations();

private:
    struct parts;
    std::unique_ptr<parts> parts_;
};

}  // namespace identity
