// SQL for the category tree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/admin/model.hpp"

namespace admin {

class category_repo {
public:
    core::task<core::result<std::vector<category>>> all(infra::db::transaction& tx);
    core::task<core::result<std::optional<category>>> find(
        infra::db::transaction& tx, std::string id
    );
    // Newest first, before `before_id` when given; one more than `limit` tells there is a next
    // page.
    core::task<core::result<std::vector<category>>> page(
        infra::db::transaction& tx, std::optional<std::string> before_id, int limit
    );
    // Handles equal to `base` or `base`-<suffix>: what a generated handle must avoid.
    core::task<core::result<std::vector<std::string>>> handles_like(
        infra::db::transaction& tx, std::string base
    );
    core::task<core::result<bool>> handle_taken(
        infra::db::transaction& tx, std::string handle, std::string except_id
    );
    core::task<core::result<bool>> has_children(infra::db::transaction& tx, std::string id);
    // The parent of `id`; nullopt for a root or a missing category.
    core::task<core::result<std::optional<std::string>>> parent_of(
        infra::db::transaction& tx, std::string id
    );

    // `conflict` when the handle is taken.
    core::task<core::result<void>> insert(infra::db::transaction& tx, category c);
    core::task<core::result<void>> update(infra::db::transaction& tx, category c);
    core::task<core::result<void>> remove(infra::db::transaction& tx, std::string id);
};

}  // namespace admin
