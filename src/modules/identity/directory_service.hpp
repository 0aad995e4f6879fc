// identity::directory over the identity tables: role changes audited in the caller's transaction.
#pragma once

#include "core/clock.hpp"
#include "modules/identity/audit_repo.hpp"
#include "modules/identity/directory.hpp"
#include "modules/identity/user_repo.hpp"

namespace identity {

class directory_service final : public directory {
public:
    directory_service(infra::db::database& db, const core::clock& clock)
        : clock_(clock), users_(db), audit_(db, clock) {}

    core::task<core::result<void>> grant_role(
        infra::db::transaction& tx, std::string user_id, std::string_view role, std::string actor_id
    ) override;
    core::task<core::result<void>> revoke_role(
        infra::db::transaction& tx, std::string user_id, std::string_view role, std::string actor_id
    ) override;
    core::task<core::result<std::optional<user_contact>>> contact(
        infra::db::transaction& tx, std::string user_id
    ) override;
    core::task<core::result<std::optional<user_contact>>> find_by_email(
        infra::db::transaction& tx, std::string email
    ) override;

private:
    const core::clock& clock_;
    user_repo users_;
    audit_repo audit_;
};

}  // namespace identity
