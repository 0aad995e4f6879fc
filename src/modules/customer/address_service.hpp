// Saved addresses: a customer's own, at most limits::addresses, exactly one of them the default
// while any exist. Another customer's address is `not_found`.
#pragma once

#include <string>
#include <vector>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/customer/address_repo.hpp"
#include "modules/customer/customer_repo.hpp"
#include "modules/customer/validation.hpp"

namespace customer {

class address_service {
public:
    address_service(infra::db::database& db, const core::clock& clock) : db_(db), clock_(clock) {}

    core::task<core::result<std::vector<address>>> list(core::principal who);
    core::task<core::result<address>> get(core::principal who, std::string id);
    // The first address becomes the default whatever `is_default` says; `conflict` at the limit.
    core::task<core::result<address>> create(core::principal who, address_input in);
    // `is_default: true` moves the default here in the same transaction.
    core::task<core::result<address>> update(core::principal who, std::string id, address_patch p);
    // Deleting the default makes the newest remaining address the default.
    core::task<core::result<void>> remove(core::principal who, std::string id);

private:
    core::task<core::result<std::vector<address>>> list_tx(
        core::principal who, infra::db::transaction& tx
    );
    core::task<core::result<address>> get_tx(
        core::principal who, std::string id, infra::db::transaction& tx
    );
    core::task<core::result<address>> create_tx(
        core::principal who, address_input in, infra::db::transaction& tx
    );
    core::task<core::result<address>> update_tx(
        core::principal who, std::string id, address_patch p, infra::db::transaction& tx
    );
    core::task<core::result<void>> remove_tx(
        core::principal who, std::string id, infra::db::transaction& tx
    );

    infra::db::database& db_;
    const core::clock& clock_;
    address_repo repo_;
    customer_repo customers_;
};

}  // namespace customer
