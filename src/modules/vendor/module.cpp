#include "modules/vendor/module.hpp"

#include <functional>

#include "modules/vendor/catalog_reader.hpp"
#include "modules/vendor/image_service.hpp"
#include "modules/vendor/import_routes.hpp"
#include "modules/vendor/import_service.hpp"
#include "modules/vendor/product_service.hpp"
#include "modules/vendor/rating_sync.hpp"
#include "modules/vendor/routes.hpp"
#include "modules/vendor/store_service.hpp"

namespace vendor {

struct module::parts {
    parts(dependencies d, settings s)
        : stores(d.db, d.clock, d.events, d.directory),
          products(d.db, d.clock, d.events, stores, d.categories),
          images(d.db, d.clock, d.events, stores, d.media, s.image_max_bytes),
          imports(d.db, d.clock, d.events, stores, d.categories, import_settings_of(s)),
          ratings(d.clock),
          ledger(d.clock),
          store_http(stores),
          admin_http(stores),
          product_http(products),
          image_http(images),
          import_http(imports) {}

    static import_settings import_settings_of(const settings& s) {
        import_settings out;
        out.max_bytes = s.import_max_bytes;
        out.max_rows = s.import_max_rows;
        return out;
    }

    store_service stores;
    product_service products;
    image_service images;
    import_service imports;
    rating_sync ratings;
    catalog_reader reader;
    stock_ledger ledger;
    store_routes store_http;
    admin_routes admin_http;
    product_routes product_http;
    image_routes image_http;
    import_routes import_http;
};

module::module(dependencies deps, settings s) :parts_(std::make_unique<parts>(deps, s)) {
    // A deleted category leaves the products filed under it uncategorised.
    deps.events.add_handler(
        "vendor.category_cleanup", std::bind_front(&product_service::on_event, &parts_->products),
        {}, [](const infra::bus::event& e) { return e.type == "category.deleted"; }
    );
    // Ratings of products and stores follow the customer module's review events.
    deps.events.add_handler(
        "vendor.ratings", std::bind_front(&rating_sync::on_event, &parts_->ratings), {},
        [](const infra::bus::event& e) { return e.type.starts_with("review."); }
    );
}

module::~module() = default;

void module::register_routes(core::http::router& r) {
    parts_->store_http.register_routes(r);
    parts_->admin_http.register_routes(r);
    parts_->product_http.register_routes(r);
    parts_->image_http.register_routes(r);
    parts_->import_http.register_routes(r);
}

vendor::catalog& module::catalog() { return parts_->reader; }

vendor::inventory& module::inventory() { return parts_->ledger; }

std::vector<core::periodic_job> module::jobs() { return {parts_->imports.job()}; }

}  // namespace vendor
