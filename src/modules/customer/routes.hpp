// The HTTP adapters of the customer module: decode and validate, call a service, encode. The
// customer is always the caller (resolved from the token), never taken from the path.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "core/http/paging.hpp"
#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/http/router.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "modules/customer/address_service.hpp"
#include "modules/customer/review_service.hpp"
#include "modules/customer/wishlist_service.hpp"

namespace customer {

// Largest body of a customer route (a review body is at most 5000 characters).
inline constexpr std::size_t body_limit = std::size_t{32} * 1024;

using core::http::page_of;

// /api/v1/me/addresses.
class address_routes {
public:
    explicit address_routes(address_service& addresses) : addresses_(addresses) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> list(core::http::request& req);
    core::task<core::http::response> create(core::http::request& req);
    core::task<core::http::response> show(core::http::request& req);
    core::task<core::http::response> update(core::http::request& req);
    core::task<core::http::response> remove(core::http::request& req);

    address_service& addresses_;
};

// /api/v1/me/wishlist.
class wishlist_routes {
public:
    explicit wishlist_routes(wishlist_service& wishlist) : wishlist_(wishlist) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> list(core::http::request& req);
    core::task<core::http::response> add(core::http::request& req);
    core::task<core::http::response> remove(core::http::request& req);

    wishlist_service& wishlist_;
};

// /api/v1/me/reviews, /api/v1/store/products/{id_or_handle}/reviews, /api/v1/vendor/reviews.
class review_routes {
public:
    explicit review_routes(review_service& reviews) : reviews_(reviews) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> create(core::http::request& req);
    core::task<core::http::response> mine(core::http::request& req);
    core::task<core::http::response> show(core::http::request& req);
    core::task<core::http::response> update(core::http::request& req);
    core::task<core::http::response> remove(core::http::request& req);
    core::task<core::http::response> of_product(core::http::request& req);
    core::task<core::http::response> reply(core::http::request& req);
    core::task<core::http::response> of_store(core::http::request& req);

    review_service& reviews_;
};

}  // namespace customer
