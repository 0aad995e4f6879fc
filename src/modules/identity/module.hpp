// The identity module: accounts, roles, sessions and access tokens. Builds its parts, registers its
// routes and exposes the token verifier every authenticated route relies on.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/auth.hpp"
#include "core/jobs.hpp"
#include "core/clock.hpp"
#include "core/http/router.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "core/worker_pool.hpp"
#include "infra/db/database.hpp"
#include "integrations/twilio/client.hpp"
#include "modules/identity/auth_service.hpp"
#include "modules/identity/directory.hpp"
#include "modules/identity/oauth_provider.hpp"
#include "modules/identity/otp_service.hpp"

namespace identity {

struct settings {
    std::filesystem::path key_dir;  // the signing key ring (<TRADER_DATA_DIR>/keys)
    std::string issuer;
    std::string audience;
    std::chrono::seconds access_token_ttl{900};
    // 0 = never rotate on age (rotate with POST /api/v1/admin/keys/rotate or `trader keys rotate`).
    std::chrono::seconds key_rotation_interval{std::chrono::hours{24 * 30}};
    // How often an instance re-reads the key directory (rotations by others, retirements).
    std::chrono::milliseconds key_check_interval{60000};
    std::chrono::seconds deletion_grace{std::chrono::hours{24 * 30}};
    std::chrono::milliseconds purge_interval{60000};
    auth_settings auth;
    otp_settings otp;
    // SMS: no account SID = the notifications log; a Verify service SID = Twilio Verify; else our
    // codes through Twilio's Messages API.
    integrations::twilio::settings twilio;
    // Social sign-in: Google, Facebook and another OpenID provider, each off without a client id.
    oauth_settings oauth;
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
    // Key maintenance (reload, rotation by age, retirement) and the account purge.
    std::vector<core::periodic_job> jobs();
    // What other modules may ask of identity (roles granted on approval, contacts).
    identity::directory& directory();
    // Reloads revocations an earlier run made within the access-token lifetime (call once at
    // start-up).
    core::task<core::result<void>> restore_revocations();

private:
    core::task<core::result<void>> maintain_keys();
    core::task<core::result<void>> purge_accounts();

    struct parts;
    std::unique_ptr<parts> parts_;
};

}  // namespace identity
