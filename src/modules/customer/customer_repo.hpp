// SQL for the per-customer row that serialises one customer's writes (limits, default address).
#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace customer {

class customer_repo {
public:
    // Creates or touches the customer's row, holding its lock until the transaction ends.
    core::task<core::result<void>> lock(
        infra::db::transaction& tx, std::string user_id, core::time_point now
    );
    // Erases the customer's addresses and wishlist (account deletion); reviews stay, anonymous.
    core::task<core::result<void>> forget(infra::db::transaction& tx, std::string user_id);
};

}  // namespace customer
