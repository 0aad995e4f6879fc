// The vendor module: store applications and their review, store members, and the products vendors
// manage. Other modules read stores and products through vendor::catalog and its events.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "core/clock.hpp"
#include "core/http/router.hpp"
#include "core/jobs.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "infra/media/storage.hpp"
#include "modules/admin/categories.hpp"
#include "modules/identity/directory.hpp"
#include "modules/vendor/catalog.hpp"
#include "modules/vendor/inventory.hpp"

namespace vendor {

struct dependencies {
    infra::db::database& db;
    const core::clock& clock;
    infra::bus::dispatcher& events;
    identity::directory& directory;  // role grants on approval and membership changes
    admin::categories& categories;   // products are filed under the platform's categories
    infra::media::storage& media;    // uploaded product images
};

struct settings {
    // Largest accepted image upload (TRADER_MEDIA_MAX_BYTES).
    std::size_t image_max_bytes = std::size_t{5} * 1024 * 1024;
    // Largest catalog import file and most data rows in one (TRADER_IMPORT_MAX_BYTES, _ROWS).
    std::size_t import_max_bytes = std::size_t{32} * 1024 * 1024;
    std::size_t import_max_rows = 50'000;
};

class module {
public:
    // Registers the module's outbox handler with `deps.events` (before the dispatcher runs).
    explicit module(dependencies deps, settings s = {});
    ~module();
    module(const module&) = delete;
    module& operator=(const module&) = delete;
    module(module&&) = delete;
    module& operator=(module&&) = delete;

    void register_routes(core::http::router& r);
    vendor::catalog& catalog();
    // Stock reservations for checkout and orders.
    vendor::inventory& inventory();
    // Background work: running queued catalog imports.
    std::vector<core::periodic_job> jobs();

private:
    struct parts;
    std::unique_ptr<parts> parts_;
};

}  // namespace vendor
