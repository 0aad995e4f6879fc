// Bulk writes of demo stores and products for `trader seed`: many rows per prepared statement,
// inside the caller's transaction, and no per-row events. The seed announces one
// catalog.reindex_requested instead, so the storefront rebuilds its read model in bulk.
#pragma once

#include <cstdint>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/vendor/model.hpp"

namespace vendor::seed {

// Stores and products already stored: the seed only fills an empty catalog.
core::task<core::result<std::int64_t>> count_catalog(infra::db::transaction& tx);
// Stores with their owners (`owners[i]` belongs to `stores[i]`).
core::task<core::result<void>> insert_stores(
    infra::db::transaction& tx, const std::vector<store>& stores, const std::vector<member>& owners
);
// Products with their variants and prices; images are left to the upload step.
core::task<core::result<void>> insert_products(
    infra::db::transaction& tx, const std::vector<product>& products
);
// One catalog.reindex_requested event (data {}).
core::task<core::result<void>> request_reindex(
    infra::db::transaction& tx, const core::clock& clock
);

}  // namespace vendor::seed
