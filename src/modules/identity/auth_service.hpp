// Signing in and staying signed in: registration, password sign-in, sessions and refresh-token
// rotation, email verification and password reset. The rules are in docs/security.md.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/http/middleware.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "core/worker_pool.hpp"
#include "infra/crypto/jwt.hpp"
#include "infra/db/database.hpp"
#include "modules/identity/audit_repo.hpp"
#include "modules/identity/model.hpp"
#include "modules/identity/notification_sender.hpp"
#include "modules/identity/revocation.hpp"
#include "modules/identity/session_repo.hpp"
#include "modules/identity/user_repo.hpp"

namespace identity {

// A token bucket: `burst` attempts, then one more per `interval`.
struct throttle {
    int burst = 5;
    std::chrono::milliseconds interval{60000};
};

struct auth_settings {
    std::chrono::seconds refresh_token_ttl{30L * 24 * 3600};
    std::chrono::seconds email_token_ttl{24L * 3600};
    std::chrono::seconds password_reset_ttl{3600};
    throttle login_account;  // per email address (and per user for password changes)
    throttle address{
        30, std::chrono::seconds{2}};  // per client address, over sign-in, registration and resets
};

// Input already checked for shape by the routes (core::json); the service applies the rules that
// need data.
struct registration {
    std::string email;  // normalised
    std::string password;
    std::string name;
    client_info client;
};

struct login_attempt {
    std::string email;  // normalised
    std::string password;
    client_info client;
};

struct password_change {
    std::string current_password;
    std::string new_password;
};

class auth_service {
public:
    auth_service(
        infra::db::database& db,
        const core::clock& clock,
        core::worker_pool& workers,
        core::metrics::registry& metrics,
        const infra::crypto::jwt_codec& codec,
        revocation_list& revoked,
        notification_sender& sender,
        auth_settings settings
    );

    // `conflict` when the email is taken.
    core::task<core::result<signed_in>> register_user(registration r);
    // The same `unauthenticated` error for an unknown email and a wrong password; `forbidden` for a
    // suspended account (only once the password is right); `rate_limited` when throttled.
    core::task<core::result<signed_in>> login(login_attempt a);
    // Rotates a refresh token. A token presented a second time revokes its session (the family) and
    // fails.
    core::task<core::result<signed_in>> refresh(std::string refresh_token, client_info client);
    core::task<core::result<void>> logout(core::principal who, client_info client);

    core::task<core::result<page<session>>> sessions(
        core::principal who, std::optional<std::string> before_id, int limit
    );
    // `not_found` unless it is an active session of the caller.
    core::task<core::result<void>> revoke_session(
        core::principal who, std::string session_id, client_info client
    );

    core::task<core::result<void>> request_email_verification(
        core::principal who, client_info client
    );
    core::task<core::result<void>> verify_email(std::string token, client_info client);
    // Succeeds whether or not the email belongs to an account (no enumeration).
    core::task<core::result<void>> request_password_reset(std::string email, client_info client);
    // Sets the password and revokes every session of the account.
    core::task<core::result<void>> reset_password(
        std::string token, std::string password, client_info client
    );
    // Sets the password and revokes every other session of the caller.
    core::task<core::result<void>> change_password(
        core::principal who, password_change change, client_info client
    );

    // A session with its first refresh token and an access token for it, in `tx`: for sign-ins
    // that proved who it is (password, phone code, social login; `method` names it).
    core::task<core::result<token_pair>> open_session(
        infra::db::transaction& tx,
        std::string user_id,
        std::vector<std::string> roles,
        std::string method,
        client_info client,
        core::time_point now
    );

private:
    struct refresh_outcome {
        std::optional<signed_in> renewed;
        std::optional<std::string> reused_session;  // set when a used token was presented
    };
    struct revoked_sessions {
        std::vector<std::string> ids;
    };

    core::task<core::result<signed_in>> register_tx(
        registration r, std::string hash, infra::db::transaction& tx
    );
    core::task<core::result<signed_in>> login_tx(
        std::string user_id,
        std::optional<std::string> new_hash,
        client_info client,
        infra::db::transaction& tx
    );
    core::task<core::result<refresh_outcome>> refresh_tx(
        std::string token_hash, client_info client, infra::db::transaction& tx
    );
    core::task<core::result<bool>> logout_tx(
        core::principal who, std::string reason, client_info client, infra::db::transaction& tx
    );
    core::task<core::result<void>> email_verification_tx(
        core::principal who, client_info client, infra::db::transaction& tx
    );
    core::task<core::result<void>> verify_email_tx(
        std::string token_hash, client_info client, infra::db::transaction& tx
    );
    core::task<core::result<void>> password_reset_request_tx(
        std::string email, client_info client, infra::db::transaction& tx
    );
    core::task<core::result<revoked_sessions>> reset_password_tx(
        std::string token_hash,
        std::string password,
        std::string hash,
        client_info client,
        infra::db::transaction& tx
    );
    core::task<core::result<revoked_sessions>> change_password_tx(
        core::principal who, std::string hash, client_info client, infra::db::transaction& tx
    );

    core::task<core::result<void>> send_verification(
        infra::db::transaction& tx, std::string user_id, std::string email, core::time_point now
    );
    core::result<void> take(core::http::rate_limiter& limiter, const std::string& key);
    token_pair access_for(
        std::string user_id,
        std::vector<std::string> roles,
        std::string session_id,
        std::string refresh
    ) const;

    infra::db::database& db_;
    const core::clock& clock_;
    core::worker_pool& workers_;
    const infra::crypto::jwt_codec& codec_;
    revocation_list& revoked_;
    notification_sender& sender_;
    auth_settings settings_;
    user_repo users_;
    session_repo sessions_;
    audit_repo audit_;
    core::http::token_bucket_limiter account_limiter_;
    core::http::token_bucket_limiter address_limiter_;
    // Verified against for unknown emails, so they cost the same time as a wrong password.
    std::string dummy_hash_;
    core::metrics::counter& login_failures_;
    core::metrics::counter& throttled_;
    core::metrics::counter& refresh_reuse_;
};

}  // namespace identity
