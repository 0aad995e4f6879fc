// Stores and products for tests: an admin, approved stores with signed-in owners, product bodies,
// and reads of the outbox. Shared by the vendor, admin and storefront suites.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
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

// Types of the outbox events about `aggregate_id`, oldest first.
std::vector<std::string> event_types(trader_process& server, const std::string& aggregate_id);

}  // namespace test
