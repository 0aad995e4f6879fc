// The vendor module: store applications and their review, store members, and the products vendors
// manage. Other modules read stores and products through vendor::catalog and its events.
#pragma once

#include <memory>

#include "core/clock.hpp"
#include "core/http/router.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "modules/admin/categories.hpp"
#include "modules/identity/directory.hpp"
#include "modules/vendor/catalog.hpp"

namespace vendor {

struct dependencies {
    infra::db::database& db;
    const core::clock& clock;
    infra::bus::dispatcher& events;
    identity::directory& directory;  // role grants on approval and membership changes
    admin::categories& categories;   // products are filed under the platform's categories
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
    vendor::catalog& catalog();

private:
    struct parts;
    std::unique_ptr<parts> parts_;
};

}  // namespace vendor
