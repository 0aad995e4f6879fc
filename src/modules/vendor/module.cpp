#include "modules/vendor/module.hpp"

#include <functional>

#include "modules/vendor/catalog_reader.hpp"
#include "modules/vendor/product_service.hpp"
#include "modules/vendor/routes.hpp"
#include "modules/vendor/store_service.hpp"

namespace vendor {

struct module::parts {
    explicit parts(dependencies d)
        : stores(d.db, d.clock, d.events, d.directory),
          products(d.db, d.clock, d.events, stores, d.categories),
          store_http(stores),
          admin_http(stores),
          product_http(products) {}

    store_service stores;
    product_service products;
    catalog_reader reader;
    store_routes store_http;
    admin_routes admin_http;
    product_routes product_http;
};

module::module(dependencies deps) :parts_(std::make_unique<parts>(deps)) {
    // A deleted category leaves the products filed under it uncategorised.
    deps.events.add_handler(
        "vendor.category_cleanup", std::bind_front(&product_service::on_event, &parts_->products)
    );
}

module::~module() = default;

void module::register_routes(core::http::router& r) {
    parts_->store_http.register_routes(r);
    parts_->admin_http.register_routes(r);
    parts_->product_http.register_routes(r);
}

vendor::catalog& module::catalog() { return parts_->reader; }

}  // namespace vendor
