// HTTP adapters of checkout and orders: POST /api/v1/store/carts/{id}/checkout, the customer's
// /api/v1/me/orders and the vendor's /api/v1/vendor/orders.
#pragma once

#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/http/router.hpp"
#include "core/task.hpp"
#include "modules/shopping/order_service.hpp"

namespace shopping {

class order_routes {
public:
    explicit order_routes(order_service& orders) : orders_(orders) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> checkout(core::http::request& req);
    core::task<core::http::response> my_orders(core::http::request& req);
    core::task<core::http::response> my_order(core::http::request& req);
    core::task<core::http::response> cancel(core::http::request& req);
    core::task<core::http::response> vendor_orders(core::http::request& req);
    core::task<core::http::response> vendor_order(core::http::request& req);
    core::task<core::http::response> act(core::http::request& req, vendor_action action);

    order_service& orders_;
};

}  // namespace shopping
