// Admins' edits of the category tree, and the in-process snapshot of the tree other modules read.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "modules/admin/categories.hpp"
#include "modules/admin/category_repo.hpp"
#include "modules/admin/model.hpp"

namespace admin {

struct new_category {
    std::string name;
    std::optional<std::string> handle;  // generated from the name when absent
    std::optional<std::string> parent_id;
    std::optional<std::string> description;
    int position = 0;
};

struct category_patch {
    std::optional<std::string> name;
    std::optional<std::string> handle;
    core::json::patch<std::string> parent_id;  // null = make it a root
    core::json::patch<std::string> description;
    std::optional<int> position;
};

class category_service final : public categories {
public:
    category_service(
        infra::db::database& db, const core::clock& clock, infra::bus::dispatcher& events
    );

    // `invalid` naming /parent_id for a missing parent, `conflict` naming /handle for a taken one.
    core::task<core::result<category>> create(core::principal admin, new_category c);
    // As create; `invalid` on /parent_id when the new parent is the category or below it.
    core::task<core::result<category>> update(
        core::principal admin, std::string id, category_patch p
    );
    // `conflict` while the category has children.
    core::task<core::result<void>> remove(core::principal admin, std::string id);
    core::task<core::result<category>> get(std::string id);
    core::task<core::result<page<category>>> list(std::optional<std::string> before_id, int limit);

    core::task<core::result<std::shared_ptr<const category_tree>>> tree() override;

    // The tree changed elsewhere (another instance, a seed): the next tree() reloads it.
    void invalidate() noexcept { generation_.fetch_add(1, std::memory_order_acq_rel); }
    // Outbox handler: invalidates on category.* and catalog.reindex_requested events.
    core::task<core::result<void>> on_event(infra::db::transaction& tx, const infra::bus::event& e);

private:
    core::task<core::result<category>> create_tx(new_category c, infra::db::transaction& tx);
    core::task<core::result<category>> update_tx(
        std::string id, category_patch p, infra::db::transaction& tx
    );
    core::task<core::result<void>> remove_tx(std::string id, infra::db::transaction& tx);
    core::task<core::result<std::string>> free_handle(infra::db::transaction& tx, std::string name);
    core::task<core::result<void>> append(
        infra::db::transaction& tx, std::string_view type, const std::string& id
    );
    // Reloads the snapshot after a committed change and wakes the outbox dispatcher.
    core::task<void> changed();

    infra::db::database& db_;
    const core::clock& clock_;
    infra::bus::dispatcher& events_;
    category_repo repo_;

    std::atomic<std::uint64_t> generation_{1};  // bumped by every change
    std::mutex mutex_;                          // guards the two below, never across co_await
    std::shared_ptr<const category_tree> tree_;
    std::uint64_t tree_generation_ = 0;
};

}  // namespace admin
