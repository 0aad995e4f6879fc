// Bulk creation of demo accounts for `trader seed` (vendors' owners): one password hash shared by
// all, many rows per statement, inside the caller's transaction, without per-user events or
// audit entries (demo data, not sign-ups).
#pragma once

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace identity::seed {

struct account {
    std::string id;     // usr_...
    std::string email;  // normalised, unused
    std::string name;
};

// Inserts the accounts, email verified, with `password_hash` (secrets::hash_password) and each of
// `roles` active; `conflict` when an email is taken.
core::task<core::result<void>> insert_accounts(
    infra::db::transaction& tx,
    std::vector<account> accounts,
    std::string password_hash,
    std::vector<std::string> roles,
    core::time_point now
);

}  // namespace identity::seed
