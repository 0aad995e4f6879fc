#include "modules/shopping/module.hpp"

#include "modules/shopping/routes.hpp"
#include "modules/shopping/storefront_service.hpp"

namespace shopping {

struct module::parts {
    parts(dependencies d, const settings& s)
        : index(d.db, d.clock, d.metrics, d.catalog, d.cache, s.rebuild_batch),
          storefront(
              d.db, d.cache, d.categories, storefront_settings{s.default_currency, s.cache_ttl}
          ),
          http(storefront, s.max_age) {}

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

core::task<core::result<rebuild_report>> module::rebuild() { return parts_->index.rebuild_now(); }

}  // namespace shopping
