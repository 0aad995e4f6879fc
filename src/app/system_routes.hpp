// Platform routes: liveness, readiness and metrics.
#pragma once

#include "core/http/router.hpp"
#include "core/metrics.hpp"
#include "infra/db/database.hpp"

namespace app {

class system_routes {
public:
    system_routes(infra::db::database& db, core::metrics::registry& metrics)
        : db_(db), metrics_(metrics) {}
    void register_routes(core::http::router& r);
    // Routes that exist only with TRADER_TEST_HOOKS=1: a slow request for shutdown and timeout
    // tests.
    void register_test_routes(core::http::router& r);

private:
    core::task<core::http::response> readyz(core::http::request& req);

    infra::db::database& db_;
    core::metrics::registry& metrics_;
};

}  // namespace app
