// SQL for stores (the vendors table) and their members.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/vendor/model.hpp"

namespace vendor {

class store_repo {
public:
    core::task<core::result<std::optional<store>>> find(infra::db::transaction& tx, std::string id);
    // Newest first, before `before_id` when given, of one status when given; `limit` rows at most.
    core::task<core::result<std::vector<store>>> page(
        infra::db::transaction& tx,
        std::optional<store_status> status,
        std::optional<std::string> before_id,
        int limit
    );
    // `conflict` when the handle is taken.
    core::task<core::result<void>> insert(infra::db::transaction& tx, const store& s);
    core::task<core::result<void>> update_profile(infra::db::transaction& tx, const store& s);
    core::task<core::result<void>> set_status(
        infra::db::transaction& tx,
        std::string id,
        store_status status,
        std::optional<std::string> reason,
        core::time_point now
    );
    // Handles equal to `base` or starting with `base-`.
    core::task<core::result<std::vector<std::string>>> handles_like(
        infra::db::transaction& tx, std::string base
    );
    core::task<core::result<bool>> handle_taken(
        infra::db::transaction& tx, std::string handle, std::string except_id
    );

    // The store the user works for, with its status; nullopt when none.
    core::task<core::result<std::optional<membership>>> membership_of(
        infra::db::transaction& tx, std::string user_id
    );
    // `conflict` when the user works for a store already.
    core::task<core::result<void>> insert_member(infra::db::transaction& tx, const member& m);
    core::task<core::result<std::optional<member>>> find_member(
        infra::db::transaction& tx, std::string vendor_id, std::string member_id
    );
    // Oldest first, after `after_id` when given.
    core::task<core::result<std::vector<member>>> members(
        infra::db::transaction& tx,
        std::string vendor_id,
        std::optional<std::string> after_id,
        int limit
    );
    core::task<core::result<void>> remove_member(infra::db::transaction& tx, std::string member_id);
};

}  // namespace vendor
