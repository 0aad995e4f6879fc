// Erases a customer's personal data here when the identity module purges the account
// (user.deleted): saved addresses and the wishlist. Reviews stay, as published texts without any
// personal data (they name no author).
#pragma once

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "modules/customer/customer_repo.hpp"

namespace customer {

class account_cleanup {
public:
    // Outbox handler ("customer.account_cleanup"); deleting twice is harmless.
    core::task<core::result<void>> on_event(infra::db::transaction& tx, const infra::bus::event& e);

private:
    customer_repo customers_;
};

}  // namespace customer
