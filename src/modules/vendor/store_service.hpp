// Stores: applications, their profile, admins' decisions (approve, reject, suspend), members, and
// the per-request check of who may act for which store.
#pragma once

#include <optional>
#include <string>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "modules/identity/directory.hpp"
#include "modules/vendor/model.hpp"
#include "modules/vendor/store_repo.hpp"
#include "modules/vendor/validation.hpp"

namespace vendor {

// What a vendor route needs of the caller's store.
enum class store_access {
    any_status,  // reading one's own store (an applicant follows the application)
    editable,    // pending or active: the owner may still correct the application
    active,      // everything else under /api/v1/vendor
};

class store_service {
public:
    store_service(
        infra::db::database& db,
        const core::clock& clock,
        infra::bus::dispatcher& events,
        identity::directory& directory
    );

    // The caller's membership, checked against `need` inside the caller's transaction: `forbidden`
    // without a store, with a store in another state, or as staff where the owner is needed.
    core::task<core::result<membership>> require(
        infra::db::transaction& tx, std::string user_id, store_access need, bool owner_only
    );

    // One open application or store per user (`conflict`); a rejected applicant may apply again.
    core::task<core::result<store>> apply(core::principal who, application a);
    // The caller's store in any state; `not_found` when they have none.
    core::task<core::result<store>> mine(core::principal who);
    core::task<core::result<store>> update_mine(core::principal who, store_patch p);

    core::task<core::result<page<store>>> list(
        std::optional<store_status> status, std::optional<std::string> before_id, int limit
    );
    core::task<core::result<store>> get(std::string id);
    // pending or suspended -> active; grants the owner the vendor role in the same transaction.
    core::task<core::result<store>> approve(core::principal admin, std::string id);
    // pending -> rejected.
    core::task<core::result<store>> reject(
        core::principal admin, std::string id, std::string reason
    );
    // active -> suspended. Nothing is revoked: vendor routes check the store's state per request.
    core::task<core::result<store>> suspend(
        core::principal admin, std::string id, std::string reason
    );

    // The owner adds an existing user as staff and grants them the vendor role.
    core::task<core::result<member>> invite(core::principal owner, invitation inv);
    core::task<core::result<page<member>>> members(
        core::principal who, std::optional<std::string> after_id, int limit
    );
    // The owner removes a staff member, whose vendor role is revoked.
    core::task<core::result<void>> remove_member(core::principal owner, std::string member_id);

private:
    core::task<core::result<store>> apply_tx(
        core::principal who, application a, infra::db::transaction& tx
    );
    core::task<core::result<store>> mine_tx(core::principal who, infra::db::transaction& tx);
    core::task<core::result<store>> update_tx(
        core::principal who, store_patch p, infra::db::transaction& tx
    );
    core::task<core::result<store>> transition_tx(
        core::principal admin,
        std::string id,
        store_status target,
        std::optional<std::string> reason,
        infra::db::transaction& tx
    );
    core::task<core::result<store>> transition(
        core::principal admin,
        std::string id,
        store_status target,
        std::optional<std::string> reason
    );
    core::task<core::result<member>> invite_tx(
        core::principal owner, invitation inv, infra::db::transaction& tx
    );
    core::task<core::result<page<member>>> members_tx(
        core::principal who,
        std::optional<std::string> after_id,
        int limit,
        infra::db::transaction& tx
    );
    core::task<core::result<void>> remove_member_tx(
        core::principal owner, std::string member_id, infra::db::transaction& tx
    );
    core::task<core::result<std::string>> free_handle(infra::db::transaction& tx, std::string name);
    core::task<core::result<void>> append(
        infra::db::transaction& tx,
        std::string_view type,
        std::string aggregate_id,
        boost::json::object data
    );

    infra::db::database& db_;
    const core::clock& clock_;
    infra::bus::dispatcher& events_;
    identity::directory& directory_;
    store_repo repo_;
};

}  // namespace vendor
