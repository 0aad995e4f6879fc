// The customer module: the signed-in customer's own area under /api/v1/me (saved addresses,
// wishlist, reviews), the storefront's review pages and the stores' replies. It reads stores and
// products through vendor::catalog and purchases through shopping::purchases; rating aggregates
// leave it as review.* events that the vendor module copies onto products and stores.
#pragma once

#include <memory>

#include "core/clock.hpp"
#include "core/http/router.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "modules/shopping/purchases.hpp"
#include "modules/vendor/catalog.hpp"

namespace customer {

struct dependencies {
    infra::db::database& db;
    const core::clock& clock;
    infra::bus::dispatcher& events;
    vendor::catalog& catalog;        // products and stores (wishlist, storefront reviews, replies)
    shopping::purchases& purchases;  // only delivered items of one's own orders are reviewed
};

class module {
public:
    // Registers the module's outbox handler with `deps.events` (before the dispatcher runs).
    explicit module(dependencies deps);
    ~module();
    module(const module&) = delete;
    module& operator=(const module&) = delete;
    module(module&&) = delete;
    module& operator=(module&&) = delete;

    void register_routes(core::http::router& r);

private:
    struct parts;
    std::unique_ptr<parts> parts_;
};

}  // namespace customer
