// Writes of the storefront read model (shop_* tables and the full-text index), per dialect: SQLite
// keeps full text in the FTS5 table shop_fts, PostgreSQL in the tsvector column of shop_products.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/shopping/model.hpp"
#include "modules/vendor/catalog.hpp"

namespace shopping {

// Where a product could be found before a change: its cached pages are keyed by these.
struct product_keys {
    std::string handle;
    std::string vendor_handle;
};

class index_repo {
public:
    explicit index_repo(infra::db::dialect kind) : kind_(kind) {}

    // Writes a visible product; answers the keys of the row it replaced, if any.
    core::task<core::result<std::optional<product_keys>>> upsert(
        infra::db::transaction& tx, index_document doc, std::int64_t now_ms
    );
    // Removes a product from the index; answers its keys when it was there.
    core::task<core::result<std::optional<product_keys>>> remove(
        infra::db::transaction& tx, std::string product_id
    );

    // Records that a product's rows changed ("*": every product, after a full rebuild), in the same
    // transaction, for the in-process search engines to follow (search_sync).
    core::task<core::result<void>> log_change(
        infra::db::transaction& tx, std::string product_id, std::int64_t now_ms
    );

    // Stores the store as the storefront shows it; answers the handle it had before.
    core::task<core::result<std::optional<std::string>>> upsert_store(
        infra::db::transaction& tx, vendor::store_snapshot store, std::int64_t now_ms
    );

    // Full rebuild: clear() everything but stores, append() batches of documents in id order,
    // write_vocabulary() once, then finish() (index merge and planner statistics).
    core::task<core::result<void>> clear(infra::db::transaction& tx);
    core::task<core::result<void>> append(
        infra::db::transaction& tx,
        std::vector<index_document> docs,
        std::int64_t first_doc,
        std::int64_t now_ms
    );
    core::task<core::result<void>> write_vocabulary(
        infra::db::transaction& tx, std::map<std::string, std::int64_t> terms
    );
    core::task<core::result<void>> finish(infra::db::transaction& tx);
    // SQLite: the writer's page cache for a rebuild (`wide`) or back to SQLite's default. A rebuild
    // touches every index page many times; spilling them to the WAL mid-transaction would write
    // each many times over.
    core::task<core::result<void>> rebuild_cache(infra::db::transaction& tx, bool wide);

private:
    struct existing;
    core::task<core::result<std::optional<existing>>> find(
        infra::db::transaction& tx, std::string product_id
    );
    core::task<core::result<void>> replace_children(
        infra::db::transaction& tx, index_document* doc
    );
    core::task<core::result<void>> count_terms(
        infra::db::transaction& tx, std::vector<std::string> terms, int delta
    );

    infra::db::dialect kind_;
};

}  // namespace shopping
