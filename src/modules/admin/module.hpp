// The admin module: platform-wide settings admins manage. For now the category tree, which other
// modules read through admin::categories.
#pragma once

#include <memory>

#include "core/clock.hpp"
#include "core/http/router.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "modules/admin/categories.hpp"

namespace admin {

struct dependencies {
    infra::db::database& db;
    const core::clock& clock;
    infra::bus::dispatcher& events;
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
    admin::categories& categories();

private:
    struct parts;
    std::unique_ptr<parts> parts_;
};

}  // namespace admin
