#include "modules/shopping/module.hpp"

#include "modules/shopping/cart_routes.hpp"
#include "modules/shopping/cart_service.hpp"
#include "modules/shopping/order_routes.hpp"
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
          http(storefront, s.max_age),
          carts(d.db, d.clock, d.catalog, cart_settings{s.delivery_fees, s.tax_rate_bps}),
          cart_http(carts),
          orders(d.db, d.clock, d.events, carts, d.inventory, d.catalog, payments, s.orders),
          order_http(orders) {
        payments.add(std::make_unique<cash_on_delivery>());
        if (s.test_payments) {
            payments.add(std::make_unique<deferred_test_payment>());
        }
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
    cart_service carts;
    cart_routes cart_http;
    payment_methods payments;  // filled before the first checkout
    order_service orders;
    order_routes order_http;
};

module::module(dependencies deps, const settings& s) :parts_(std::make_unique<parts>(deps, s)) {}
module::~module() = default;

void module::register_routes(core::http::router& r) {
    parts_->http.register_routes(r);
    parts_->cart_http.register_routes(r);
    parts_->order_http.register_routes(r);
}

checkout_cart& module::carts() { return parts_->carts; }

shopping::purchases& module::purchases() { return parts_->orders; }

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
    out.push_back(parts_->orders.expiry_job());
    return out;
}

core::task<core::result<rebuild_report>> module::rebuild() { return parts_->index.rebuild_now(); }

}  // namespace shopping
