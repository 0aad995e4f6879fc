// Wiring of the product modules: the one place each module is built from the platform's parts.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "app/config.hpp"
#include "core/auth.hpp"
#include "core/jobs.hpp"
#include "core/clock.hpp"
#include "core/http/router.hpp"
#include "core/metrics.hpp"
#include "core/worker_pool.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "infra/media/storage.hpp"

namespace vendor {
class catalog;
}
namespace shopping {
class module;
}
namespace admin {
class categories;
}

namespace app {

// What the platform hands to modules when the process starts.
struct platform {
    const config& cfg;
    const core::clock& clock;
    core::metrics::registry& metrics;
    core::worker_pool& workers;
    infra::db::database& db;
    infra::bus::dispatcher& events;
};

// The modules of one process; they live as long as the server.
class modules {
public:
    // Throws std::runtime_error when a module cannot start (the signing keys cannot be opened).
    explicit modules(platform p);
    ~modules();
    modules(const modules&) = delete;
    modules& operator=(const modules&) = delete;
    modules(modules&&) = delete;
    modules& operator=(modules&&) = delete;

    void register_routes(core::http::router& r);
    // Periodic work of every module; the server runs each while it is up.
    std::vector<core::periodic_job> jobs();
    // The identity module's verifier of access tokens (signature, claims, revocation list).
    const core::token_verifier* token_verifier() const;
    // Stores and products (vendor module) and the category tree (admin module), for readers such as
    // the storefront.
    vendor::catalog& catalog();
    admin::categories& categories();
    // The storefront (its index rebuild, for `trader reindex`).
    shopping::module& shopping();

private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace app
