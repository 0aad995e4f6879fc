#include <boost/json/serialize.hpp>
#include <functional>

#include "core/http/body.hpp"
#include "core/http/conditional.hpp"
#include "core/ids.hpp"
#include "modules/customer/routes.hpp"

namespace customer {
namespace {

namespace http = core::http;

boost::json::object list_json(const page<review>& p, review_view view) {
    boost::json::array items;
    for (const auto& r : p.items) {
        items.push_back(to_json(r, view));
    }
    return {
        {"object", "list"},
        {"items", std::move(items)},
        {"next_cursor",
         p.next_cursor ? boost::json::value(*p.next_cursor) : boost::json::value(nullptr)},
    };
}

}  // namespace

void review_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    auto signed_in = [](std::string summary) {
        return http::route_options{
            .who = access::user, .body_limit = body_limit, .summary = std::move(summary)};
    };
    auto vendor = [](std::string summary) {
        return http::route_options{
            .who = access::role,
            .roles = {"vendor"},
            .body_limit = body_limit,
            .summary = std::move(summary)};
    };
    r.add(
        method::post, "/api/v1/me/reviews", std::bind_front(&review_routes::create, this),
        signed_in("Review a delivered product of one of your orders (once per product per order).")
    );
    r.add(
        method::get, "/api/v1/me/reviews", std::bind_front(&review_routes::mine, this),
        signed_in("The caller's reviews, newest first.")
    );
    r.add(
        method::get, "/api/v1/me/reviews/{id}", std::bind_front(&review_routes::show, this),
        signed_in("One of the caller's reviews.")
    );
    r.add(
        method::patch, "/api/v1/me/reviews/{id}", std::bind_front(&review_routes::update, this),
        signed_in("Edit a review's rating, title or body.")
    );
    r.add(
        method::del, "/api/v1/me/reviews/{id}", std::bind_front(&review_routes::remove, this),
        signed_in("Delete a review; the ratings follow.")
    );
    r.add(
        method::get, "/api/v1/store/products/{id_or_handle}/reviews",
        std::bind_front(&review_routes::of_product, this),
        http::route_options{
            .who = access::anyone,
            .summary = "A product's reviews, newest first, with store replies and its ratings."}
    );
    r.add(
        method::post, "/api/v1/vendor/reviews/{id}/reply",
        std::bind_front(&review_routes::reply, this),
        vendor("Answer a review of one of the store's products (replaces an earlier reply).")
    );
    r.add(
        method::get, "/api/v1/vendor/reviews", std::bind_front(&review_routes::of_store, this),
        vendor("Reviews of the store's products, newest first.")
    );
}

core::task<http::response> review_routes::create(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto in = parse_review(*body);
    if (!in) {
        co_return http::problem(in);
    }
    auto made = co_await reviews_.create(*req.principal, std::move(*in));
    if (!made) {
        co_return http::problem(made);
    }
    co_return http::created(to_json(*made, review_view::author), "/api/v1/me/reviews/" + made->id);
}

core::task<http::response> review_routes::mine(http::request& req) {
    auto q = page_of(req, "rev");
    if (!q) {
        co_return http::problem(q);
    }
    auto listed = co_await reviews_.mine(*req.principal, std::move(q->position), q->limit);
    if (!listed) {
        co_return http::problem(listed);
    }
    co_return http::ok(list_json(*listed, review_view::author));
}

core::task<http::response> review_routes::show(http::request& req) {
    auto found = co_await reviews_.get_mine(*req.principal, std::string{req.param("id")});
    if (!found) {
        co_return http::problem(found);
    }
    co_return http::ok(to_json(*found, review_view::author));
}

core::task<http::response> review_routes::update(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto p = parse_review_patch(*body);
    if (!p) {
        co_return http::problem(p);
    }
    auto updated =
        co_await reviews_.update(*req.principal, std::string{req.param("id")}, std::move(*p));
    if (!updated) {
        co_return http::problem(updated);
    }
    co_return http::ok(to_json(*updated, review_view::author));
}

core::task<http::response> review_routes::remove(http::request& req) {
    auto removed = co_await reviews_.remove(*req.principal, std::string{req.param("id")});
    if (!removed) {
        co_return http::problem(removed);
    }
    co_return http::no_content();
}

core::task<http::response> review_routes::of_product(http::request& req) {
    auto q = page_of(req, "rev");
    if (!q) {
        co_return http::problem(q);
    }
    auto found = co_await reviews_.of_product(
        std::string{req.param("id_or_handle")}, std::move(q->position), q->limit
    );
    if (!found) {
        co_return http::problem(found);
    }
    auto body = list_json(found->reviews, review_view::storefront);
    body["rating"] = to_json(found->rating);
    http::response res;
    res.content_type = "application/json";
    res.body = boost::json::serialize(body);
    auto etag = http::strong_etag(res.body);
    if (http::none_match(req.header("if-none-match"), etag)) {
        res.status = 304;
        res.body.clear();
    }
    res.header("ETag", etag);
    // Revalidate on every use: a new review or reply changes the page at once.
    res.header("Cache-Control", "public, no-cache");
    co_return res;
}

core::task<http::response> review_routes::reply(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto text = parse_reply(*body);
    if (!text) {
        co_return http::problem(text);
    }
    auto replied =
        co_await reviews_.reply(*req.principal, std::string{req.param("id")}, std::move(*text));
    if (!replied) {
        co_return http::problem(replied);
    }
    co_return http::ok(to_json(*replied, review_view::vendor));
}

core::task<http::response> review_routes::of_store(http::request& req) {
    auto q = page_of(req, "rev");
    if (!q) {
        co_return http::problem(q);
    }
    std::optional<std::string> product_id;
    if (auto raw = req.query("product_id")) {
        if (!core::is_id(*raw, "prod")) {
            co_return http::problem(core::error{
                core::errc::bad_request,
                "product_id is not a product id",
                {{"/product_id", "format", "must be a product id (prod_...)"}}});
        }
        product_id = std::move(*raw);
    }
    auto replied = req.query_bool("replied");
    if (!replied) {
        co_return http::problem(replied);
    }
    auto listed = co_await reviews_.of_store(
        *req.principal, std::move(product_id), *replied, std::move(q->position), q->limit
    );
    if (!listed) {
        co_return http::problem(listed);
    }
    co_return http::ok(list_json(*listed, review_view::vendor));
}

}  // namespace customer
