// Account deletion: a user asks, every session ends at once, and after a grace period (in which
// signing in again and cancelling keeps the account) the purge job erases the personal data.
#pragma once

#include <chrono>
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
#include "modules/identity/session_repo.hpp"
#include "modules/identity/user_repo.hpp"

namespace identity {

struct account_deletion {
    std::string user_id;
    core::time_point requested_at;
    core::time_point purge_after;
};

class deletion_service {
public:
    deletion_service(
        infra::db::database& db,
        const core::clock& clock,
        core::worker_pool& workers,
        revocation_list& revoked,
        std::chrono::seconds grace
    );

    // Accounts with a password must confirm it (`/password` mismatch otherwise); `conflict` when a
    // deletion is already scheduled. Revokes every session of the user, the caller's included.
    core::task<core::result<account_deletion>> request(
        core::principal who, std::optional<std::string> password, client_info client
    );
    // `not_found` when nothing is scheduled (or it has already been carried out).
    core::task<core::result<void>> cancel(core::principal who, client_info client);
    core::task<core::result<std::optional<account_deletion>>> scheduled(std::string user_id);

    // Anonymises up to `limit` accounts whose grace period is over; returns how many. Safe to run
    // on several instances at once: each account is claimed by one transaction.
    core::task<core::result<int>> purge_due(int limit = 50);

private:
    struct revoked_ids {
        account_deletion deletion;
        std::vector<std::string> sessions;
    };
    core::task<core::result<revoked_ids>> request_tx(
        core::principal who, client_info client, infra::db::transaction& tx
    );
    core::task<core::result<void>> cancel_tx(
        core::principal who, client_info client, infra::db::transaction& tx
    );
    core::task<core::result<int>> purge_tx(int limit, infra::db::transaction& tx);

    infra::db::database& db_;
    const core::clock& clock_;
    core::worker_pool& workers_;
    revocation_list& revoked_;
    std::chrono::seconds grace_;
    user_repo users_;
    session_repo sessions_;
    audit_repo audit_;
};

}  // namespace identity
