#include <functional>

#include "core/http/body.hpp"
#include "core/ids.hpp"
#include "modules/vendor/routes.hpp"

namespace vendor {
namespace {

namespace http = core::http;

boost::json::object members_json(const page<member>& p) {
    boost::json::array items;
    for (const auto& m : p.items) {
        items.push_back(to_json(m));
    }
    return {
        {"object", "list"},
        {"items", std::move(items)},
        {"next_cursor",
         p.next_cursor ? boost::json::value(*p.next_cursor) : boost::json::value(nullptr)},
    };
}

}  // namespace

core::result<page_query> page_of(const http::request& req, std::string_view prefix) {
    page_query out;
    auto raw_limit = req.query("limit");
    auto limit = core::parse_page_limit(
        raw_limit ? std::optional<std::string_view>{*raw_limit} : std::nullopt
    );
    if (!limit) {
        return std::move(limit).error();
    }
    out.limit = *limit;
    if (auto cursor = req.query("cursor")) {
        auto position = core::decode_cursor(*cursor);
        if (!position || !core::is_id(*position, prefix)) {
            return core::error{
                core::errc::bad_request,
                "cursor is not valid",
                {{"/cursor", "cursor", "is not a cursor of this list"}}};
        }
        out.position = std::move(*position);
    }
    return out;
}

void store_routes::register_routes(http::router& r) {
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
        method::post, "/api/v1/vendor/applications", std::bind_front(&store_routes::apply, this),
        signed_in("Apply to open a store; an admin approves or rejects it.")
    );
    r.add(
        method::get, "/api/v1/vendor/store", std::bind_front(&store_routes::show, this),
        signed_in("The caller's store, in any state (follow an application here).")
    );
    r.add(
        method::patch, "/api/v1/vendor/store", std::bind_front(&store_routes::update, this),
        signed_in("Edit the store's profile (owner; pending or active store).")
    );
    r.add(
        method::post, "/api/v1/vendor/members", std::bind_front(&store_routes::invite, this),
        vendor("Add an existing user as staff (owner).")
    );
    r.add(
        method::get, "/api/v1/vendor/members", std::bind_front(&store_routes::members, this),
        vendor("The store's members, oldest first.")
    );
    r.add(
        method::del, "/api/v1/vendor/members/{id}",
        std::bind_front(&store_routes::remove_member, this),
        vendor("Remove a staff member (owner); their vendor role is revoked.")
    );
}

core::task<http::response> store_routes::apply(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto a = parse_application(*body);
    if (!a) {
        co_return http::problem(a);
    }
    auto made = co_await stores_.apply(*req.principal, std::move(*a));
    if (!made) {
        co_return http::problem(made);
    }
    co_return http::created(to_json(*made, true), "/api/v1/vendor/store");
}

core::task<http::response> store_routes::show(http::request& req) {
    auto found = co_await stores_.mine(*req.principal);
    if (!found) {
        co_return http::problem(found);
    }
    co_return http::ok(to_json(*found, true));
}

core::task<http::response> store_routes::update(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto p = parse_store_patch(*body);
    if (!p) {
        co_return http::problem(p);
    }
    auto updated = co_await stores_.update_mine(*req.principal, std::move(*p));
    if (!updated) {
        co_return http::problem(updated);
    }
    co_return http::ok(to_json(*updated, true));
}

core::task<http::response> store_routes::invite(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    auto inv = parse_invitation(*body);
    if (!inv) {
        co_return http::problem(inv);
    }
    auto made = co_await stores_.invite(*req.principal, std::move(*inv));
    if (!made) {
        co_return http::problem(made);
    }
    co_return http::created(to_json(*made), "/api/v1/vendor/members/" + made->id);
}

core::task<http::response> store_routes::members(http::request& req) {
    auto q = page_of(req, "mbr");
    if (!q) {
        co_return http::problem(q);
    }
    auto listed = co_await stores_.members(*req.principal, std::move(q->position), q->limit);
    if (!listed) {
        co_return http::problem(listed);
    }
    co_return http::ok(members_json(*listed));
}

core::task<http::response> store_routes::remove_member(http::request& req) {
    auto removed = co_await stores_.remove_member(*req.principal, std::string{req.param("id")});
    if (!removed) {
        co_return http::problem(removed);
    }
    co_return http::no_content();
}

}  // namespace vendor
