#include <functional>

#include "core/http/body.hpp"
#include "core/ids.hpp"
#include "modules/customer/routes.hpp"

namespace customer {
namespace {

namespace http = core::http;

boost::json::object list_json(const boost::json::array& items) {
    return {{"object", "list"}, {"items", items}, {"next_cursor", nullptr}};
}

}  // namespace

void address_routes::register_routes(http::router& r) {
    using http::method;
    auto signed_in = [](std::string summary) {
        return http::route_options{
            .who = http::access::user, .body_limit = body_limit, .summary = std::move(summary)};
    };
    r.add(
        method::get, "/api/v1/me/addresses", std::bind_front(&address_routes::list, this),
        signed_in("The caller's saved addresses, oldest first (at most 20).")
    );
    r.add(
        method::post, "/api/v1/me/addresses", std::bind_front(&address_routes::create, this),
        signed_in("Save an address; the first one becomes the default.")
    );
    r.add(
        method::get, "/api/v1/me/addresses/{id}", std::bind_front(&address_routes::show, this),
        signed_in("One of the caller's addresses.")
    );
    r.add(
        method::patch, "/api/v1/me/addresses/{id}", std::bind_front(&address_routes::update, this),
        signed_in("Edit an address; is_default true makes it the default.")
    );
    r.add(
        method::del, "/api/v1/me/addresses/{id}", std::bind_front(&address_routes::remove, this),
        signed_in("Delete an address; the newest remaining one becomes the default.")
    );
}

core::task<http::response> address_routes::list(http::request& req) {
    auto listed = co_await addresses_.list(*req.principal);
    if (!listed) {
        co_return http::problem(listed);
    }
    boost::json::array items;
    for (const auto& a : *listed) {
        items.push_back(to_json(a));
    }
    co_return http::ok(list_json(items));
}

core::task<http::response> address_routes::create(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto in = parse_address(*body);
    if (!in) {
        co_return http::problem(in);
    }
    auto made = co_await addresses_.create(*req.principal, std::move(*in));
    if (!made) {
        co_return http::problem(made);
    }
    co_return http::created(to_json(*made), "/api/v1/me/addresses/" + made->id);
}

core::task<http::response> address_routes::show(http::request& req) {
    auto found = co_await addresses_.get(*req.principal, std::string{req.param("id")});
    if (!found) {
        co_return http::problem(found);
    }
    co_return http::ok(to_json(*found));
}

core::task<http::response> address_routes::update(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto p = parse_address_patch(*body);
    if (!p) {
        co_return http::problem(p);
    }
    auto updated =
        co_await addresses_.update(*req.principal, std::string{req.param("id")}, std::move(*p));
    if (!updated) {
        co_return http::problem(updated);
    }
    co_return http::ok(to_json(*updated));
}

core::task<http::response> address_routes::remove(http::request& req) {
    auto removed = co_await addresses_.remove(*req.principal, std::string{req.param("id")});
    if (!removed) {
        co_return http::problem(removed);
    }
    co_return http::no_content();
}

}  // namespace customer
