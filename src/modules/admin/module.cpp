#include "modules/admin/module.hpp"

#include <functional>

#include "modules/admin/category_service.hpp"
#include "modules/admin/routes.hpp"

namespace admin {

struct module::parts {
    explicit parts(dependencies d) : service(d.db, d.clock, d.events), http(service) {}

    category_service service;
    category_routes http;
};

module::module(dependencies deps) :parts_(std::make_unique<parts>(deps)) {
    // Other instances and `trader seed` change the tree too: their events invalidate ours.
    deps.events.add_handler(
        "admin.category_tree", std::bind_front(&category_service::on_event, &parts_->service), {},
        [](const infra::bus::event& e) {
            return e.type.starts_with("category.") || e.type == "catalog.reindex_requested";
        }
    );
}

module::~module() = default;

void module::register_routes(core::http::router& r) { parts_->http.register_routes(r); }

admin::categories& module::categories() { return parts_->service; }

}  // namespace admin
