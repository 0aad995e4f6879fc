// Stores and products for tests: an admin, approved stores with signed-in owners, product bodies,
// and reads of the outbox. Shared by the vendor, admin and storefront suites.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "support/roles.hpp"
#include "support/trader.hpp"

namespace test {

// An admin made by `trader create-admin`, signed in.
test_user make_admin(trader_process& server);

// A valid application body for a store called `name`, picking up in Berlin.
boost::json::object application_body(const std::string& name);

struct store_account {
    test_user owner;  // signed in after approval: the token carries the vendor role
    std::string vendor_id;
    std::string handle;
};

// Registers a user, applies as them and (when `approve`) approves as `admin`, then signs the owner
// in again. Fails the test (and throws) when a step does not answer as expected.
store_account open_store(
    trader_process& server, const test_user& admin, const std::string& name, bool approve = true
);

// A valid product body: `variants` variants with SKUs <sku_prefix>-1..n, sizes S/M/L/XL/XXL,
// EUR prices from `price`.
boost::json::object product_body(
    const std::string& title,
    const std::string& sku_prefix,
    int variants = 2,
    std::int64_t price = 2500
);

// POST /api/v1/vendor/products as `owner`; fails the test (and throws) unless 201.
boost::json::object create_product(
    http_client& http, const test_user& owner, const boost::json::object& body
);

// A root category made by `admin`; answers its id (fails the test unless 201).
std::string make_category(trader_process& server, const test_user& admin, const std::string& name);

// A suite's shared server (outbox polled every 20 ms, many sign-ins allowed) and admin. `Suite`
// may define a public `static void configure(std::map<std::string, std::string>& env)` for more
// settings.
template <class Suite>
class admin_suite : public testing::Test {
protected:
    static void SetUpTestSuite() {
        auto env = many_sign_ins_env();
        env["TRADER_OUTBOX_POLL_INTERVAL"] = "20ms";
        if constexpr (requires { Suite::configure(env); }) {
            Suite::configure(env);
        }
        server_ = new trader_process(trader_options{env});
        admin_ = new test_user(make_admin(*server_));
    }
    static void TearDownTestSuite() {
        delete admin_;
        delete server_;
        admin_ = nullptr;
        server_ = nullptr;
    }

    http_client& http() { return server_->http(); }
    std::string category(const std::string& name) { return make_category(*server_, *admin_, name); }

    static inline trader_process* server_ = nullptr;
    static inline test_user* admin_ = nullptr;
};

// Types of the outbox events about `aggregate_id`, oldest first.
std::vector<std::string> event_types(trader_process& server, const std::string& aggregate_id);

}  // namespace test
