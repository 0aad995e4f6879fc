// Bulk writes of demo categories for `trader seed`: many rows per statement, inside the caller's
// transaction, without per-row events (the seed announces one catalog.reindex_requested instead).
#pragma once

#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/admin/categories.hpp"

namespace admin::seed {

// Number of categories already stored.
core::task<core::result<std::int64_t>> count_categories(infra::db::transaction& tx);
// Inserts `all` (parents before children); `conflict` when a handle is taken.
core::task<core::result<void>> insert_categories(
    infra::db::transaction& tx, std::vector<category> all
);

}  // namespace admin::seed
