#include "modules/shopping/module.hpp"

#include "modules/shopping/routes.hpp"
#include "modules/shopping/search_engine.hpp"
#include "modules/shopping/search_sync.hpp"
#include "modules/shopping/storefront_service.hpp"

namespace shopping {
namespace {

// Changes are kept this long for instances to apply; pruned this often.
constexpr std::chrono::hours changes_kept{1};
constexpr std::chrono::minutes prune_interval{10};

}  // namespace

struct module::parts {
    parts(dependencies d, const settings& s)
        : config(s),
          sync(d.db, engine, d.clock, d.metrics),
          index(d.db, d.clock, d.metrics, d.catalog, d.cache, s.rebuild_batch),
          storefront(
              d.db, d.cache, d.categories,
              storefront_settings{s.default_currency, s.cache_ttl},
              s.search_in_memory ? &engine : nullptr, &sync
          ),
          http(storefront, s.max_age) {
        if (s.search_in_memory) {
            index.follow_with(sync);
        }
    }

    settings config;
    search_engine engine;
    search_sync sync;
    indexer index;
    storefront_service storefront;
    storefront_routes http;
};

module::module(dependencies deps, const settings& s) :parts_(std::make_unique<parts>(deps, s)) {}
module::~module() = default;

void module::register_routes(core::http::router& r) { parts_->http.register_routes(r); }

void module::register_handlers(infra::bus::dispatcher& events) {
    parts_->index.register_handlers(events);
}

std::vector<core::periodic_job> module::jobs() {
    auto& sync = parts_->sync;
    std::vector<core::periodic_job> out;
    if (parts_->config.search_in_memory) {
        out.push_back({"shopping_search_sync", parts_->config.search_sync_interval,
                       [&sync] { return sync.catch_up(); }});
    }
    // Pruned even when this instance does not search in memory: others may.
    out.push_back({"shopping_search_changes_prune", prune_interval,
                   [&sync] { return sync.prune(changes_kept); }});
    return out;
}

core::task<core::result<rebuild_report>> module::rebuild() { return parts_->index.rebuild_now(); }

}  // namespace shopping
