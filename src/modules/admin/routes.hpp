// The HTTP adapters of the admin module: decode and validate, call the service, encode.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/http/router.hpp"
#include "core/task.hpp"
#include "modules/admin/category_service.hpp"

namespace admin {

// Largest body an admin route reads; larger gets 413 before it is read.
inline constexpr std::size_t body_limit = std::size_t{16} * 1024;

// /api/v1/admin/categories (admins) and /api/v1/store/categories (anyone).
class category_routes {
public:
    explicit category_routes(category_service& categories) : categories_(categories) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> create(core::http::request& req);
    core::task<core::http::response> list(core::http::request& req);
    core::task<core::http::response> show(core::http::request& req);
    core::task<core::http::response> update(core::http::request& req);
    core::task<core::http::response> remove(core::http::request& req);
    core::task<core::http::response> store_tree(core::http::request& req);

    category_service& categories_;

    // The storefront tree rendered once per snapshot.
    struct rendered {
        std::shared_ptr<const category_tree> tree;
        std::string body;
        std::string etag;
    };
    std::mutex rendered_mutex_;
    rendered rendered_;
};

}  // namespace admin
