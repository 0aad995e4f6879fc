// SQL for catalog imports (vendor_imports, vendor_import_errors) and the catalog look-ups an
// import makes per chunk: products by handle, SKU owners.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/vendor/import_format.hpp"

namespace vendor {

// What an import has done so far.
struct import_counts {
    std::int64_t total_rows = 0;
    std::int64_t processed_rows = 0;
    std::int64_t created = 0;
    std::int64_t updated = 0;
    std::int64_t unchanged = 0;
    std::int64_t failed_rows = 0;
    std::int64_t error_count = 0;
    std::int64_t next_product = 0;
};

struct import_job {
    std::string id;  // imp_...
    std::string vendor_id;
    std::string user_id;
    std::string mode;    // all_or_nothing | skip_bad_rows
    std::string status;  // queued | running | succeeded | failed
    std::optional<std::string> filename;
    std::int64_t size_bytes = 0;
    import_counts counts;
    std::optional<std::string> failure;
    int attempts = 0;
    core::time_point created_at;
    core::time_point updated_at;
    std::optional<core::time_point> started_at;
    std::optional<core::time_point> finished_at;
};

class import_repo {
public:
    core::task<core::result<void>> insert(
        infra::db::transaction& tx, const import_job& job, std::string content
    );
    core::task<core::result<std::optional<import_job>>> find(
        infra::db::transaction& tx, std::string id
    );
    // A store's imports, newest first.
    core::task<core::result<std::vector<import_job>>> page(
        infra::db::transaction& tx,
        std::string vendor_id,
        std::optional<std::string> before_id,
        int limit
    );
    // Claims the oldest queued import, or a running one whose lease expired, for `owner` until
    // `lease_until`; returns it with its file.
    core::task<core::result<std::optional<std::pair<import_job, std::string>>>> claim(
        infra::db::transaction& tx,
        std::string owner,
        core::time_point now,
        core::time_point lease_until
    );
    // Progress of a claimed import; false when `owner` lost the lease.
    core::task<core::result<bool>> save_progress(
        infra::db::transaction& tx,
        std::string id,
        std::string owner,
        import_counts counts,
        core::time_point now,
        core::time_point lease_until
    );
    // Ends a claimed import (succeeded or failed); false when `owner` lost the lease.
    core::task<core::result<bool>> finish(
        infra::db::transaction& tx,
        std::string id,
        std::string owner,
        std::string status,
        std::optional<std::string> failure,
        import_counts counts,
        core::time_point now
    );
    // Report lines from position `first` on.
    core::task<core::result<void>> add_errors(
        infra::db::transaction& tx,
        std::string id,
        std::int64_t first,
        const std::vector<import_format::row_error>& errors
    );
    core::task<core::result<void>> clear_errors(infra::db::transaction& tx, std::string id);
    core::task<core::result<std::vector<import_format::row_error>>> errors(
        infra::db::transaction& tx, std::string id
    );

    // The store's products with these handles (any status): handle -> (id, status).
    core::task<core::result<std::unordered_map<std::string, std::pair<std::string, std::string>>>>
    products_by_handle(
        infra::db::transaction& tx, std::string vendor_id, std::vector<std::string> handles
    );
    // Which of the store's products use these SKUs: SKU -> product id.
    core::task<core::result<std::unordered_map<std::string, std::string>>> sku_owners(
        infra::db::transaction& tx, std::string vendor_id, std::vector<std::string> skus
    );
    // The store's status (active, suspended, ...); nullopt when there is no such store.
    core::task<core::result<std::optional<std::string>>> store_status(
        infra::db::transaction& tx, std::string vendor_id
    );
};

}  // namespace vendor
