// Bulk CSV import and export of a store's catalog. An upload is checked (CSV syntax, header,
// limits) and stored as a queued job; a background job claims it with a lease, validates it row
// by row and writes products a chunk per transaction, recording progress, the error report and
// an outbox event per product changed in the same transaction.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/jobs.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "modules/admin/categories.hpp"
#include "modules/vendor/import_format.hpp"
#include "modules/vendor/import_repo.hpp"
#include "modules/vendor/product_repo.hpp"
#include "modules/vendor/store_service.hpp"

namespace vendor {

struct import_settings {
    std::size_t max_bytes = std::size_t{32} * 1024 * 1024;  // per file
    std::size_t max_rows = 50'000;                          // data rows per file
    std::size_t rows_per_chunk = 500;                       // rows written per transaction
    std::size_t max_report_lines = 10'000;                  // error lines kept per import
    std::chrono::milliseconds lease{60'000};  // a claimed import is taken over after this
    // How often an instance without uploads of its own looks for queued or abandoned imports.
    std::chrono::milliseconds scan_interval{5'000};
    int max_attempts = 3;  // claims of one import before it is failed (a file that crashes us)
};

enum class import_mode { all_or_nothing, skip_bad_rows };
std::string_view to_string(import_mode m) noexcept;

struct import_upload {
    std::string content;
    std::optional<std::string> filename;
    import_mode mode = import_mode::all_or_nothing;
};

class import_service {
public:
    import_service(
        infra::db::database& db,
        const core::clock& clock,
        infra::bus::dispatcher& events,
        store_service& stores,
        admin::categories& categories,
        import_settings settings
    );

    const import_settings& settings() const noexcept { return settings_; }

    // Checks the file (`invalid` naming the row and cell of a CSV syntax error, or each bad header
    // column; `payload_too_large` over max_bytes) and queues it for the caller's active store.
    core::task<core::result<import_job>> upload(core::principal who, import_upload file);
    // The caller's store's imports; another store's is `not_found`.
    core::task<core::result<import_job>> get(core::principal who, std::string id);
    core::task<core::result<page<import_job>>> list(
        core::principal who, std::optional<std::string> before_id, int limit
    );
    core::task<core::result<std::vector<import_format::row_error>>> errors(
        core::principal who, std::string id
    );
    // Every product of the caller's store that is not deleted, one row per variant, in the
    // format upload accepts.
    core::task<core::result<std::string>> export_catalog(core::principal who);

    // The periodic job that runs queued imports (and those whose worker died).
    core::periodic_job job();
    // Claims and runs imports until none is left; the job's body.
    core::task<core::result<void>> run_pending();

private:
    struct run_state;
    struct chunk_plan;
    struct chunk_written;

    core::task<core::result<import_job>> upload_tx(
        core::principal who, import_job job, std::string content, infra::db::transaction& tx
    );
    core::task<core::result<import_job>> get_tx(
        core::principal who, std::string id, infra::db::transaction& tx
    );
    core::task<core::result<page<import_job>>> list_tx(
        core::principal who,
        std::optional<std::string> before_id,
        int limit,
        infra::db::transaction& tx
    );
    core::task<core::result<std::vector<import_format::row_error>>> errors_tx(
        core::principal who, std::string id, infra::db::transaction& tx
    );
    core::task<core::result<std::vector<product>>> export_tx(
        core::principal who, infra::db::transaction& tx
    );
    core::task<core::result<std::optional<std::pair<import_job, std::string>>>> claim_tx(
        std::string owner, infra::db::transaction& tx
    );
    core::task<core::result<void>> process(import_job job, std::string content, std::string owner);
    // Validates products [begin, end) of the file against the catalog as `tx` sees it.
    core::task<core::result<chunk_plan>> plan_chunk(
        const run_state* st, std::size_t begin, std::size_t end, infra::db::transaction& tx
    );
    // Writes products [begin, end) with their events, report lines and progress.
    core::task<core::result<chunk_written>> write_chunk_tx(
        const run_state* st,
        std::size_t begin,
        std::size_t end,
        import_counts counts,
        infra::db::transaction& tx
    );
    core::task<core::result<void>> add_report(
        infra::db::transaction& tx,
        const std::string& id,
        import_counts& counts,
        const std::vector<import_format::row_error>& lines
    );
    core::task<core::result<bool>> finish_tx(
        const run_state* st,
        std::string status,
        std::optional<std::string> failure,
        import_counts counts,
        std::vector<import_format::row_error> report,
        infra::db::transaction& tx
    );
    core::task<core::result<void>> fail(
        const run_state* st,
        std::string failure,
        import_counts counts,
        std::vector<import_format::row_error> report
    );

    infra::db::database& db_;
    const core::clock& clock_;
    infra::bus::dispatcher& events_;
    store_service& stores_;
    admin::categories& categories_;
    import_settings settings_;
    import_repo repo_;
    product_repo products_;
    std::atomic<bool> wake_{true};
    std::atomic<std::int64_t> last_scan_ms_{0};
};

}  // namespace vendor
