// The shopping module: the storefront's read model, search index and cached pages; carts,
// promotions and pricing. It reads the vendor module only through vendor::catalog (when vendor
// events arrive, and for the variants in carts) and the category tree through admin::categories;
// it never touches their tables.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/http/router.hpp"
#include "core/jobs.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/cache/cache.hpp"
#include "infra/db/database.hpp"
#include "modules/admin/categories.hpp"
#include "modules/shopping/checkout_cart.hpp"
#include "modules/shopping/delivery.hpp"
#include "modules/shopping/indexer.hpp"
#include "modules/shopping/order_service.hpp"
#include "modules/shopping/purchases.hpp"
#include "modules/vendor/catalog.hpp"
#include "modules/vendor/inventory.hpp"

namespace shopping {

struct settings {
    std::string default_currency = "EUR";        // of price filters, sorts and facets
    std::chrono::milliseconds cache_ttl{60000};  // cached pages expire even without an event
    std::chrono::seconds max_age{10};            // Cache-Control max-age of public pages
    int rebuild_batch = 500;                     // products read per catalog call in a rebuild
    bool search_in_memory = true;                // searches from the in-process engine
    std::chrono::milliseconds search_sync_interval{1000};
    // Carts: courier fee bands by distance from the store (empty = no courier delivery) and the
    // tax rate included in prices, in basis points (docs/pricing.md).
    std::vector<delivery_band> delivery_fees;
    std::int64_t tax_rate_bps = 0;
    order_settings orders;  // reservation expiry of unpaid orders
    // Offers the `test_deferred` payment method (TRADER_TEST_HOOKS): it leaves orders unpaid, as
    // card payments will, so reservation expiry is tested before the payments module exists.
    bool test_payments = false;
};

struct dependencies {
    infra::db::database& db;
    const core::clock& clock;
    core::metrics::registry& metrics;
    vendor::catalog& catalog;
    admin::categories& categories;
    infra::cache::cache& cache;
    infra::bus::dispatcher& events;  // woken when checkout and order changes wrote events
    vendor::inventory& inventory;    // stock reserved at checkout
};

class module {
public:
    module(dependencies deps, const settings& s);
    ~module();
    module(const module&) = delete;
    module& operator=(const module&) = delete;
    module(module&&) = delete;
    module& operator=(module&&) = delete;

    void register_routes(core::http::router& r);
    // The index handler ("shopping.index") for product, stock, vendor, category and re-index
    // events.
    void register_handlers(infra::bus::dispatcher& events);

    // Keeping the in-process search engine up to date: the first run loads it.
    std::vector<core::periodic_job> jobs();

    // Carts priced for checkout and closed once their order exists (the orders side calls it).
    checkout_cart& carts();
    // What customers bought, for reviews.
    shopping::purchases& purchases();

    // Rebuilds the whole index from the catalog in one transaction (`trader reindex`).
    core::task<core::result<rebuild_report>> rebuild();

private:
    struct parts;
    std::unique_ptr<parts> parts_;
};

}  // namespace shopping
