// Carts for tests: published products with stock in approved stores, guest and customer carts,
// line items and promotions, all through the HTTP API. Shared by the cart, promotion and checkout
// suites.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/roles.hpp"
#include "support/trader.hpp"
#include "support/vendors.hpp"

namespace test {

struct sale_product {
    std::string id;
    std::string vendor_id;
    std::vector<std::string> variant_ids;  // prices `price`, `price + 100`, ... in EUR
    std::vector<std::string> skus;         // of the variants, in the same order
};

// A product of `store` with `variants` variants, each with `stock` units and an EUR price from
// `price`, published. Fails the test (and throws) when a step does not answer as expected.
sale_product make_sale_product(
    trader_process& server,
    const store_account& store,
    const std::string& title,
    std::int64_t price = 1000,
    std::int64_t stock = 10,
    int variants = 1
);

struct test_cart {
    std::string id;
    std::string token;                  // guest carts; empty for a customer's cart
    std::optional<test_user> customer;  // customer carts: the owner
};

// POST /api/v1/store/carts as a guest (or as `customer`); fails unless 201.
test_cart create_cart(
    http_client& http, const std::string& currency = "EUR", const test_user* customer = nullptr
);

// The headers that open `cart`: X-Cart-Token for a guest cart, the customer's bearer token.
std::map<std::string, std::string> cart_headers(const test_cart& cart);

// POST .../line-items; answers the cart; fails unless 200.
boost::json::object add_to_cart(
    http_client& http,
    const test_cart& cart,
    const std::string& variant_id,
    std::int64_t quantity = 1
);

// GET the cart; fails unless 200.
boost::json::object read_cart(http_client& http, const test_cart& cart);

// POST /api/v1/admin/promotions as `admin`; answers the promotion; fails unless 201.
boost::json::object create_promotion(
    http_client& http, const test_user& admin, const boost::json::object& body
);

}  // namespace test
