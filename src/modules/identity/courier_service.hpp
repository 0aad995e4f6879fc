// Couriers: a user with a verified phone asks for the courier role, which stays pending until an
// admin approves it. The delivery module learns of both through courier.* events.
#pragma once

#include <optional>
#include <string>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/identity/audit_repo.hpp"
#include "modules/identity/model.hpp"

namespace identity {

struct courier_application {
    std::string user_id;
    std::string name;
    std::optional<std::string> phone;
    std::string status;  // pending | active
    core::time_point requested_at;
    core::time_point updated_at;
};

class courier_service {
public:
    courier_service(infra::db::database& db, const core::clock& clock)
        : db_(db), clock_(clock), audit_(db, clock) {}

    // `conflict` without a verified phone, or when the user already is or has asked to be one.
    core::task<core::result<courier_application>> apply(core::principal who, client_info client);
    // The caller's own application; not_found when there is none.
    core::task<core::result<courier_application>> mine(core::principal who);

    // Admins: newest first; `status` pending or active.
    core::task<core::result<page<courier_application>>> list(
        std::string status, std::optional<std::string> before_id, int limit
    );
    // `not_found` without an application; `conflict` naming the state when it is not pending.
    core::task<core::result<courier_application>> approve(
        core::principal admin, std::string user_id, client_info client
    );
    core::task<core::result<void>> reject(
        core::principal admin, std::string user_id, std::string reason, client_info client
    );

private:
    core::task<core::result<courier_application>> apply_tx(
        core::principal who, client_info client, infra::db::transaction& tx
    );
    core::task<core::result<courier_application>> approve_tx(
        core::principal admin, std::string user_id, client_info client, infra::db::transaction& tx
    );
    core::task<core::result<void>> reject_tx(
        core::principal admin,
        std::string user_id,
        std::string reason,
        client_info client,
        infra::db::transaction& tx
    );

    infra::db::database& db_;
    const core::clock& clock_;
    audit_repo audit_;
};

}  // namespace identity
