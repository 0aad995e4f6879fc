// The HTTP adapters of the vendor module: decode and validate, call a service, encode. The store
// is always the caller's (resolved from the token's user), never taken from the path.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/http/router.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "modules/vendor/image_service.hpp"
#include "modules/vendor/product_service.hpp"
#include "modules/vendor/store_service.hpp"

namespace vendor {

// Largest body of a store or member route, and of a product route (up to 100 variants).
inline constexpr std::size_t body_limit = std::size_t{16} * 1024;
inline constexpr std::size_t product_body_limit = std::size_t{256} * 1024;

// `cursor` (a position within `prefix` ids) and `limit` (1-100, default 20) query parameters.
struct page_query {
    std::optional<std::string> position;
    int limit = 20;
};
core::result<page_query> page_of(const core::http::request& req, std::string_view prefix);

// /api/v1/vendor/applications, /api/v1/vendor/store, /api/v1/vendor/members.
class store_routes {
public:
    explicit store_routes(store_service& stores) : stores_(stores) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> apply(core::http::request& req);
    core::task<core::http::response> show(core::http::request& req);
    core::task<core::http::response> update(core::http::request& req);
    core::task<core::http::response> invite(core::http::request& req);
    core::task<core::http::response> members(core::http::request& req);
    core::task<core::http::response> remove_member(core::http::request& req);

    store_service& stores_;
};

// /api/v1/admin/vendors: review applications and act on stores.
class admin_routes {
public:
    explicit admin_routes(store_service& stores) : stores_(stores) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> list(core::http::request& req);
    core::task<core::http::response> show(core::http::request& req);
    core::task<core::http::response> approve(core::http::request& req);
    core::task<core::http::response> reject(core::http::request& req);
    core::task<core::http::response> suspend(core::http::request& req);

    store_service& stores_;
};

// /api/v1/vendor/products.
class product_routes {
public:
    explicit product_routes(product_service& products) : products_(products) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> create(core::http::request& req);
    core::task<core::http::response> list(core::http::request& req);
    core::task<core::http::response> show(core::http::request& req);
    core::task<core::http::response> update(core::http::request& req);
    core::task<core::http::response> remove(core::http::request& req);
    core::task<core::http::response> publish(core::http::request& req);
    core::task<core::http::response> archive(core::http::request& req);
    core::task<core::http::response> set_stock(core::http::request& req);

    product_service& products_;
};

// /api/v1/vendor/products/{id}/images: multipart uploads, listed, re-captioned, reordered, deleted.
class image_routes {
public:
    explicit image_routes(image_service& images) : images_(images) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> upload(core::http::request& req);
    core::task<core::http::response> list(core::http::request& req);
    core::task<core::http::response> show(core::http::request& req);
    core::task<core::http::response> update(core::http::request& req);
    core::task<core::http::response> remove(core::http::request& req);

    image_service& images_;
};

}  // namespace vendor
