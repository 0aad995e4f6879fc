// The HTTP adapters of carts (/api/v1/store/carts) and of the admin's promotions
// (/api/v1/admin/promotions): decode and validate, call the cart service, answer the priced cart.
#pragma once

#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/http/router.hpp"
#include "core/task.hpp"
#include "modules/shopping/cart_service.hpp"

namespace shopping {

// Longest X-Cart-Token accepted (ours are 43 characters).
inline constexpr std::size_t max_cart_token_length = 128;

// Who calls a cart route: the request's principal and its X-Cart-Token. The checkout route uses
// it too.
cart_caller caller_of(const core::http::request& req);

class cart_routes {
public:
    explicit cart_routes(cart_service& carts) : carts_(carts) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> create(core::http::request& req);
    core::task<core::http::response> show(core::http::request& req);
    core::task<core::http::response> update(core::http::request& req);
    core::task<core::http::response> add_item(core::http::request& req);
    core::task<core::http::response> update_item(core::http::request& req);
    core::task<core::http::response> remove_item(core::http::request& req);
    core::task<core::http::response> claim(core::http::request& req);
    core::task<core::http::response> apply_code(core::http::request& req);
    core::task<core::http::response> remove_code(core::http::request& req);

    core::task<core::http::response> create_promotion(core::http::request& req);
    core::task<core::http::response> list_promotions(core::http::request& req);
    core::task<core::http::response> show_promotion(core::http::request& req);
    core::task<core::http::response> update_promotion(core::http::request& req);
    core::task<core::http::response> deactivate_promotion(core::http::request& req);

    cart_service& carts_;
};

}  // namespace shopping
