#include <functional>

#include "core/http/body.hpp"
#include "core/json.hpp"
#include "modules/customer/routes.hpp"

namespace customer {
namespace {

namespace http = core::http;

boost::json::object entry_json(const wishlist_entry& e) {
    return to_json(e.item, e.product ? &*e.product : nullptr, e.store ? &*e.store : nullptr);
}

}  // namespace

void wishlist_routes::register_routes(http::router& r) {
    using http::method;
    auto signed_in = [](std::string summary) {
        return http::route_options{
            .who = http::access::user, .body_limit = body_limit, .summary = std::move(summary)};
    };
    r.add(
        method::get, "/api/v1/me/wishlist", std::bind_front(&wishlist_routes::list, this),
        signed_in("The caller's wishlist, newest first, with product summaries.")
    );
    r.add(
        method::put, "/api/v1/me/wishlist/{product_id}",
        std::bind_front(&wishlist_routes::add, this),
        signed_in("Add a storefront product to the wishlist (idempotent).")
    );
    r.add(
        method::del, "/api/v1/me/wishlist/{product_id}",
        std::bind_front(&wishlist_routes::remove, this),
        signed_in("Remove a product from the wishlist.")
    );
}

core::task<http::response> wishlist_routes::list(http::request& req) {
    auto q = page_of(req, "wish");
    if (!q) {
        co_return http::problem(q);
    }
    auto listed = co_await wishlist_.list(*req.principal, std::move(q->position), q->limit);
    if (!listed) {
        co_return http::problem(listed);
    }
    boost::json::array items;
    for (const auto& e : listed->items) {
        items.push_back(entry_json(e));
    }
    co_return http::ok(boost::json::object{
        {"object", "list"},
        {"items", std::move(items)},
        {"next_cursor", listed->next_cursor ? boost::json::value(*listed->next_cursor)
                                            : boost::json::value(nullptr)},
    });
}

core::task<http::response> wishlist_routes::add(http::request& req) {
    // No body, or an empty object: the product is in the path.
    auto raw = http::json_body(req, true);
    if (!raw) {
        co_return http::problem(raw);
    }
    core::json::validator v{*raw};
    v.root().done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    std::string product_id{req.param("product_id")};
    auto added = co_await wishlist_.add(*req.principal, product_id);
    if (!added) {
        co_return http::problem(added);
    }
    auto body = entry_json(added->entry);
    if (added->created) {
        co_return http::created(body, "/api/v1/me/wishlist/" + product_id);
    }
    co_return http::ok(body);
}

core::task<http::response> wishlist_routes::remove(http::request& req) {
    auto removed = co_await wishlist_.remove(*req.principal, std::string{req.param("product_id")});
    if (!removed) {
        co_return http::problem(removed);
    }
    co_return http::no_content();
}

}  // namespace customer
