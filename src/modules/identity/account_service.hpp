// Accounts as their owners and admins see them: the profile, suspension, the admin role, the audit
// log.
#pragma once

#include <optional>
#include <string>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "core/worker_pool.hpp"
#include "infra/db/database.hpp"
#include "modules/identity/audit_repo.hpp"
#include "modules/identity/model.hpp"
#include "modules/identity/revocation.hpp"
#include "modules/identity/user_repo.hpp"

namespace identity {

struct status_change {
    std::string user_id;
    user_status status = user_status::active;
    std::optional<std::string> reason;
    client_info client;
};

class account_service {
public:
    account_service(infra::db::database& db, const core::clock& clock, revocation_list& revoked);

    core::task<core::result<user>> profile(core::principal who);
    core::task<core::result<user>> update_profile(core::principal who, profile_update update);

    // Admins suspend and reactivate users; a suspended user's tokens stop working at once (this
    // process) or at the next refresh (others). `not_found` for an unknown user, `conflict` for
    // suspending oneself.
    core::task<core::result<user>> set_status(core::principal admin, status_change change);

    core::task<core::result<page<audit_event>>> audit_events(audit_filter filter);

private:
    core::task<core::result<user>> update_profile_tx(
        core::principal who, profile_update update, infra::db::transaction& tx
    );
    core::task<core::result<user>> set_status_tx(
        core::principal admin, status_change change, infra::db::transaction& tx
    );

    infra::db::database& db_;
    const core::clock& clock_;
    revocation_list& revoked_;
    user_repo users_;
    audit_repo audit_;
};

// `trader create-admin`: creates an admin account, or grants the admin role to the account with
// that email.
struct admin_request {
    std::string email;
    std::optional<std::string>
        password;  // required to create; an existing account keeps its password
    std::string name = "Administrator";
};

struct admin_outcome {
    std::string user_id;
    bool created = false;
    bool granted = false;  // false when the account already was an admin
};

core::task<core::result<admin_outcome>> create_admin(
    infra::db::database& db,
    core::worker_pool& workers,
    const core::clock& clock,
    admin_request request
);

}  // namespace identity
