#include <functional>

#include "core/http/body.hpp"
#include "modules/vendor/routes.hpp"

namespace vendor {
namespace {

namespace http = core::http;

precondition if_match_of(const http::request& req) {
    auto h = req.header("if-match");
    return h ? precondition{std::string{*h}} : std::nullopt;
}

http::response with_etag(http::response res, const product& p) {
    res.header("ETag", etag_of(p));
    return res;
}

}  // namespace

void product_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    auto vendor = [](std::string summary) {
        return http::route_options{
            .who = access::role,
            .roles = {"vendor"},
            .body_limit = product_body_limit,
            .summary = std::move(summary)};
    };
    r.add(
        method::post, "/api/v1/vendor/products", std::bind_front(&product_routes::create, this),
        vendor("Create a draft product with its variants; the handle comes from the title.")
    );
    r.add(
        method::get, "/api/v1/vendor/products", std::bind_front(&product_routes::list, this),
        vendor("The store's products, newest first; filter by status.")
    );
    r.add(
        method::get, "/api/v1/vendor/products/{id}", std::bind_front(&product_routes::show, this),
        vendor("One of the store's products, with its ETag.")
    );
    r.add(
        method::patch, "/api/v1/vendor/products/{id}",
        std::bind_front(&product_routes::update, this),
        vendor("Edit a product; variants are matched by SKU. If-Match guards against lost updates.")
    );
    r.add(
        method::del, "/api/v1/vendor/products/{id}", std::bind_front(&product_routes::remove, this),
        vendor("Delete a product (soft: status deleted, SKUs stay reserved).")
    );
    r.add(
        method::post, "/api/v1/vendor/products/{id}/publish",
        std::bind_front(&product_routes::publish, this),
        vendor("Publish a product on the storefront.")
    );
    r.add(
        method::post, "/api/v1/vendor/products/{id}/archive",
        std::bind_front(&product_routes::archive, this),
        vendor("Take a product off the storefront, keeping it.")
    );
    r.add(
        method::put, "/api/v1/vendor/products/{id}/variants/{variant_id}/stock",
        std::bind_front(&product_routes::set_stock, this),
        vendor("Set a variant's stock on hand, or adjust it by a delta.")
    );
}

core::task<http::response> product_routes::create(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto draft = parse_product(*body);
    if (!draft) {
        co_return http::problem(draft);
    }
    auto made = co_await products_.create(*req.principal, std::move(*draft));
    if (!made) {
        co_return http::problem(made);
    }
    co_return with_etag(
        http::created(to_json(*made), "/api/v1/vendor/products/" + made->snapshot.id), *made
    );
}

core::task<http::response> product_routes::list(http::request& req) {
    auto q = page_of(req, "prod");
    if (!q) {
        co_return http::problem(q);
    }
    std::optional<std::string> status;
    if (auto raw = req.query("status")) {
        if (*raw != "draft" && *raw != "published" && *raw != "archived" && *raw != "deleted") {
            co_return http::problem(core::error{
                core::errc::bad_request,
                "status must be draft, published, archived or deleted",
                {{"/status", "enum", "must be draft, published, archived or deleted"}}});
        }
        status = std::move(*raw);
    }
    auto listed = co_await products_.list(
        *req.principal, std::move(status), std::move(q->position), q->limit
    );
    if (!listed) {
        co_return http::problem(listed);
    }
    boost::json::array items;
    for (const auto& p : listed->items) {
        items.push_back(to_json(p));
    }
    co_return http::ok(boost::json::object{
        {"object", "list"},
        {"items", std::move(items)},
        {"next_cursor", listed->next_cursor ? boost::json::value(*listed->next_cursor)
                                            : boost::json::value(nullptr)},
    });
}

core::task<http::response> product_routes::show(http::request& req) {
    auto found = co_await products_.get(*req.principal, std::string{req.param("id")});
    if (!found) {
        co_return http::problem(found);
    }
    co_return with_etag(http::ok(to_json(*found)), *found);
}

core::task<http::response> product_routes::update(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto patch = parse_product_patch(*body);
    if (!patch) {
        co_return http::problem(patch);
    }
    auto updated = co_await products_.update(
        *req.principal, std::string{req.param("id")}, std::move(*patch), if_match_of(req)
    );
    if (!updated) {
        co_return http::problem(updated);
    }
    co_return with_etag(http::ok(to_json(*updated)), *updated);
}

core::task<http::response> product_routes::remove(http::request& req) {
    auto removed =
        co_await products_.remove(*req.principal, std::string{req.param("id")}, if_match_of(req));
    if (!removed) {
        co_return http::problem(removed);
    }
    co_return http::no_content();
}

core::task<http::response> product_routes::publish(http::request& req) {
    auto body = http::json_body(req, true);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    v.root().done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done =
        co_await products_.publish(*req.principal, std::string{req.param("id")}, if_match_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return with_etag(http::ok(to_json(*done)), *done);
}

core::task<http::response> product_routes::archive(http::request& req) {
    auto body = http::json_body(req, true);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    v.root().done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done =
        co_await products_.archive(*req.principal, std::string{req.param("id")}, if_match_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return with_etag(http::ok(to_json(*done)), *done);
}

core::task<http::response> product_routes::set_stock(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto change = parse_stock_change(*body);
    if (!change) {
        co_return http::problem(change);
    }
    std::string variant_id{req.param("variant_id")};
    auto done = co_await products_.set_stock(
        *req.principal, std::string{req.param("id")}, variant_id, *change, if_match_of(req)
    );
    if (!done) {
        co_return http::problem(done);
    }
    const auto& variants = done->snapshot.variants;
    std::size_t index = 0;
    while (index < variants.size() && variants[index].id != variant_id) {
        ++index;
    }
    co_return with_etag(http::ok(variant_json(*done, index)), *done);
}

}  // namespace vendor
