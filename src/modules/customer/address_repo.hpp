// SQL for saved addresses (customer_addresses).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/customer/model.hpp"

namespace customer {

class address_repo {
public:
    // The customer's addresses, oldest first.
    core::task<core::result<std::vector<address>>> list(
        infra::db::transaction& tx, std::string user_id
    );
    // nullopt when there is no such address or it is another customer's.
    core::task<core::result<std::optional<address>>> find(
        infra::db::transaction& tx, std::string user_id, std::string id
    );
    core::task<core::result<std::int64_t>> count(infra::db::transaction& tx, std::string user_id);
    core::task<core::result<void>> insert(infra::db::transaction& tx, const address& a);
    // Every field but the default flag, which set_default() moves.
    core::task<core::result<void>> update(infra::db::transaction& tx, const address& a);
    core::task<core::result<void>> remove(infra::db::transaction& tx, std::string id);
    // Makes `id` the customer's one default address (the old default is unset first).
    core::task<core::result<void>> set_default(
        infra::db::transaction& tx, std::string user_id, std::string id, core::time_point now
    );
    // The id of the customer's newest address; nullopt when none is left.
    core::task<core::result<std::optional<std::string>>> newest(
        infra::db::transaction& tx, std::string user_id
    );
};

}  // namespace customer
