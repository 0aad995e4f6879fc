// Phone one-time codes: sign in (or sign up) by phone, or verify the signed-in user's phone. Codes
// expire, allow a few checks, and are resent only after a cooldown; starts are throttled per phone
// and per client address (docs/security.md).
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
#include "infra/db/database.hpp"
#include "modules/identity/audit_repo.hpp"
#include "modules/identity/auth_service.hpp"
#include "modules/identity/model.hpp"
#include "modules/identity/sms_provider.hpp"
#include "modules/identity/user_repo.hpp"

namespace identity {

struct otp_settings {
    std::chrono::seconds code_ttl{600};
    int max_attempts = 5;  // checks of one code; then it is locked
    std::chrono::milliseconds resend_cooldown{30000};
    throttle phone{5, std::chrono::minutes{10}};     // codes sent to one phone
    throttle address{20, std::chrono::seconds{30}};  // starts and checks per client address
};

struct otp_started {
    std::chrono::seconds expires_in{0};
    std::chrono::seconds resend_after{0};
};

// A checked code: a sign-in (`signed_in` set, `created` when it registered the account) or a
// verified phone of the caller (`account` set).
struct otp_verified {
    std::optional<signed_in> session;
    bool created = false;
    std::optional<user> account;
};

class otp_service {
public:
    otp_service(
        infra::db::database& db,
        const core::clock& clock,
        core::metrics::registry& metrics,
        auth_service& auth,
        sms_provider& sms,
        otp_settings settings
    );

    // `phone` is valid E.164. With `who`, the code verifies that user's phone; without, it signs
    // in. `rate_limited` (with retry_after) within the cooldown or when throttled; `unavailable`
    // when the SMS provider cannot be reached.
    core::task<core::result<otp_started>> start(
        std::string phone, std::optional<core::principal> who, client_info client
    );
    // `invalid` for a wrong, expired or used code; `rate_limited` once the code is locked.
    core::task<core::result<otp_verified>> verify(
        std::string phone, std::string code, std::optional<core::principal> who, client_info client
    );

private:
    // One code's row as a check claimed it.
    struct claim {
        std::optional<std::string> user_id;
        std::optional<std::string> code_hash;
        std::int64_t sent_at_ms = 0;
        int attempts = 0;  // including this one
    };

    core::task<core::result<void>> start_tx(
        std::string phone,
        std::optional<std::string> user_id,
        std::optional<std::string> code_hash,
        client_info client,
        infra::db::transaction& tx
    );
    core::task<core::result<claim>> claim_tx(std::string phone, infra::db::transaction& tx);
    core::task<core::result<otp_verified>> complete_tx(
        std::string phone,
        claim c,
        std::optional<core::principal> who,
        client_info client,
        infra::db::transaction& tx
    );
    core::task<core::result<otp_verified>> sign_in_tx(
        std::string phone, client_info client, infra::db::transaction& tx
    );
    core::task<core::result<otp_verified>> verify_phone_tx(
        std::string phone, core::principal who, client_info client, infra::db::transaction& tx
    );
    core::task<core::result<void>> forget_code(std::string phone, std::int64_t sent_at_ms);
    core::result<void> take(core::http::rate_limiter& limiter, const std::string& key);
    core::error locked_error(std::int64_t sent_at_ms) const;

    infra::db::database& db_;
    const core::clock& clock_;
    auth_service& auth_;
    sms_provider& sms_;
    otp_settings settings_;
    user_repo users_;
    audit_repo audit_;
    core::http::token_bucket_limiter phone_limiter_;
    core::http::token_bucket_limiter address_limiter_;
    core::metrics::counter& sent_;
    core::metrics::counter& failed_;
    core::metrics::counter& throttled_;
    core::metrics::counter& send_errors_;
};

}  // namespace identity
