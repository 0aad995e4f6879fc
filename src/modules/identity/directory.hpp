// What other modules may ask of the identity module. Role changes run inside the caller's
// transaction so that, for example, approving a store and granting its owner the vendor role
// commit together.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace identity {

struct user_contact {
    std::string id;
    std::string name;
    std::optional<std::string> email;
    std::optional<std::string> phone;
};

class directory {
public:
    virtual ~directory() = default;

    // Grants `role` (active) to the user and records it in the audit log with the actor; no-op when
    // the user has it already; not_found when there is no such user.
    virtual core::task<core::result<void>> grant_role(
        infra::db::transaction& tx, std::string user_id, std::string_view role, std::string actor_id
    ) = 0;
    // Removes `role`; no-op when the user does not have it. Access tokens already issued keep the
    // role until they expire, so modules check their own state (store status) on each request too.
    virtual core::task<core::result<void>> revoke_role(
        infra::db::transaction& tx, std::string user_id, std::string_view role, std::string actor_id
    ) = 0;
    virtual core::task<core::result<std::optional<user_contact>>> contact(
        infra::db::transaction& tx, std::string user_id
    ) = 0;
    // The account with this email address (normalised: trimmed, lower-case); nullopt when none.
    virtual core::task<core::result<std::optional<user_contact>>> find_by_email(
        infra::db::transaction& tx, std::string email
    ) = 0;
};

}  // namespace identity
