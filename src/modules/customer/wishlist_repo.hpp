// SQL for wishlist items.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/customer/model.hpp"

namespace customer {

class wishlist_repo {
public:
    // Newest first, before `before_id` when given; `limit` rows at most.
    core::task<core::result<std::vector<wishlist_item>>> page(
        infra::db::transaction& tx,
        std::string user_id,
        std::optional<std::string> before_id,
        int limit
    );
    core::task<core::result<std::optional<wishlist_item>>> find(
        infra::db::transaction& tx, std::string user_id, std::string product_id
    );
    core::task<core::result<std::int64_t>> count(infra::db::transaction& tx, std::string user_id);
    core::task<core::result<void>> insert(
        infra::db::transaction& tx, std::string user_id, const wishlist_item& w
    );
    // True when the item was there.
    core::task<core::result<bool>> remove(
        infra::db::transaction& tx, std::string user_id, std::string product_id
    );
};

}  // namespace customer
