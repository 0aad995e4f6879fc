// Keeps this instance's search engine equal to the read model: a full load at start, then the
// changes of shop_changes in order (written by the indexer in the same transaction as each
// change). The instance that indexed a change applies it before it drops the cached pages the
// change affects; other instances follow within the sync interval.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/shopping/search_engine.hpp"

namespace shopping {

class search_sync {
public:
    search_sync(
        infra::db::database& db,
        search_engine& engine,
        const core::clock& clock,
        core::metrics::registry& metrics
    );

    // True once the first full load is done: until then searches go to the database.
    bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }

    // Applies every change committed before the call (a full load the first time). Concurrent
    // callers share one pass.
    core::task<core::result<void>> catch_up();

    // Deletes changes older than `keep` (every instance has long applied them).
    core::task<core::result<void>> prune(std::chrono::milliseconds keep);

private:
    core::task<core::result<void>> pass();
    core::task<core::result<void>> load_all();
    core::task<core::result<void>> reload(std::vector<std::string> ids);

    infra::db::database& db_;
    search_engine& engine_;
    const core::clock& clock_;
    core::metrics::gauge& documents_;
    core::metrics::counter& loads_;
    core::metrics::counter& applied_;

    std::atomic<bool> ready_{false};
    std::atomic<bool> busy_{false};
    std::atomic<std::uint64_t> requested_{0};
    std::atomic<std::uint64_t> completed_{0};
    // Touched only by the pass in progress.
    std::int64_t last_seq_ = 0;
    std::map<std::int64_t, std::int64_t> gaps_;  // missing seq -> when first missed (ms)
};

}  // namespace shopping
