#include "modules/customer/module.hpp"

#include <functional>

#include "modules/customer/account_cleanup.hpp"
#include "modules/customer/address_service.hpp"
#include "modules/customer/review_service.hpp"
#include "modules/customer/routes.hpp"
#include "modules/customer/wishlist_service.hpp"

namespace customer {

struct module::parts {
    explicit parts(dependencies d)
        : addresses(d.db, d.clock),
          wishlist(d.db, d.clock, d.catalog),
          reviews(d.db, d.clock, d.events, d.catalog, d.purchases),
          address_http(addresses),
          wishlist_http(wishlist),
          review_http(reviews) {}

    address_service addresses;
    wishlist_service wishlist;
    review_service reviews;
    account_cleanup cleanup;
    address_routes address_http;
    wishlist_routes wishlist_http;
    review_routes review_http;
};

module::module(dependencies deps) :parts_(std::make_unique<parts>(deps)) {
    // A purged account's addresses and wishlist go with it.
    deps.events.add_handler(
        "customer.account_cleanup", std::bind_front(&account_cleanup::on_event, &parts_->cleanup),
        {}, [](const infra::bus::event& e) { return e.type == "user.deleted"; }
    );
}

module::~module() = default;

void module::register_routes(core::http::router& r) {
    parts_->address_http.register_routes(r);
    parts_->wishlist_http.register_routes(r);
    parts_->review_http.register_routes(r);
}

}  // namespace customer
