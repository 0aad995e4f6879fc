// Keeps the storefront read model in step with the vendor module: outbox handlers re-read product
// and store snapshots through vendor::catalog and upsert or remove index rows, a full rebuild runs
// in batches, and after each commit the cache generations of what changed are bumped.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/cache/cache.hpp"
#include "infra/db/database.hpp"
#include "modules/shopping/index_repo.hpp"
#include "modules/shopping/search_sync.hpp"
#include "modules/vendor/catalog.hpp"

namespace shopping {

struct rebuild_report {
    std::int64_t products_read = 0;
    std::int64_t products_indexed = 0;  // the visible ones
    std::chrono::milliseconds took{0};
};

class indexer {
public:
    indexer(
        infra::db::database& db,
        const core::clock& clock,
        core::metrics::registry& metrics,
        vendor::catalog& catalog,
        infra::cache::cache& cache,
        int batch_size
    );

    // Registers the "shopping.index" handler for product, stock, vendor, category and re-index
    // events.
    void register_handlers(infra::bus::dispatcher& events);

    // Applies one event inside the dispatcher's transaction.
    core::task<core::result<void>> apply(infra::db::transaction& tx, const infra::bus::event& e);
    // After the commit: bumps the cache generations the change touched and records the lag.
    core::task<void> after_commit(const infra::bus::event& e);

    // A search engine to bring up to date after each commit, before caches are bumped.
    void follow_with(search_sync& sync) { follower_ = &sync; }

    // Replaces the whole index with what the catalog holds now, in the caller's transaction.
    core::task<core::result<rebuild_report>> rebuild(infra::db::transaction& tx);
    // rebuild() in its own transaction, which also writes a shopping.index_rebuilt event so that
    // serving instances drop their caches (`trader reindex`).
    core::task<core::result<rebuild_report>> rebuild_now();

    // One product or one store (with all its products), as the handlers do: exposed for tests.
    core::task<core::result<void>> index_product(
        infra::db::transaction& tx,
        std::string product_id,
        std::optional<vendor::store_snapshot> store,
        std::set<std::string>& touched
    );
    core::task<core::result<void>> index_store(
        infra::db::transaction& tx, std::string vendor_id, std::set<std::string>& touched
    );

private:
    core::task<core::result<rebuild_report>> rebuild_rows(infra::db::transaction& tx);
    core::task<core::result<rebuild_report>> rebuild_and_announce(infra::db::transaction& tx);
    void remember(const std::string& event_id, std::set<std::string> names);
    std::optional<std::set<std::string>> take(const std::string& event_id);

    infra::db::database& db_;
    const core::clock& clock_;
    vendor::catalog& catalog_;
    infra::cache::cache& cache_;
    index_repo repo_;
    int batch_size_;
    search_sync* follower_ = nullptr;

    // Generations to bump per applied event, handed from the handler to its after-commit step.
    std::mutex pending_mu_;
    std::unordered_map<std::string, std::set<std::string>> pending_;
    std::deque<std::string> pending_order_;

    core::metrics::histogram& lag_;
    core::metrics::counter& upserts_;
    core::metrics::counter& removals_;
    core::metrics::counter& rebuilds_;
    core::metrics::gauge& rebuild_ms_;
    core::metrics::gauge& rebuild_products_;
};

}  // namespace shopping
