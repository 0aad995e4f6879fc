// The HTTP adapters of catalog imports and exports: /api/v1/vendor/imports and
// /api/v1/vendor/products/export. The store is the caller's, never taken from the path.
#pragma once

#include <boost/json/object.hpp>

#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/http/router.hpp"
#include "core/task.hpp"
#include "modules/vendor/import_service.hpp"

namespace vendor {

// {id, object: "product_import", status, mode, counts..., errors_url, timestamps}
boost::json::object to_json(const import_job& j);

class import_routes {
public:
    explicit import_routes(import_service& imports) : imports_(imports) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> upload(core::http::request& req);
    core::task<core::http::response> list(core::http::request& req);
    core::task<core::http::response> show(core::http::request& req);
    core::task<core::http::response> errors(core::http::request& req);
    core::task<core::http::response> export_products(core::http::request& req);

    import_service& imports_;
};

}  // namespace vendor
