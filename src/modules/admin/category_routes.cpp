#include <boost/json/serialize.hpp>
#include <functional>

#include "core/http/body.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/slug.hpp"
#include "modules/admin/routes.hpp"

namespace admin {
namespace {

namespace http = core::http;
namespace json = core::json;

const json::string_rule name_rule{.min_length = 1, .max_length = max_name_length};
const json::string_rule handle_rule{.min_length = 1, .max_length = max_handle_length};
const json::string_rule description_rule{.max_length = max_description_length};
const json::int_rule position_rule{.min = 0, .max = max_position};
const json::string_rule id_rule{.min_length = 1, .max_length = 64};

void check_handle(json::validator& v, const std::string& pointer, const std::string& handle) {
    if (!core::is_handle(handle, max_handle_length)) {
        v.add(pointer, "pattern", "must be lower-case letters and digits joined by single dashes");
    }
}

void check_category_id(json::validator& v, const std::string& pointer, const std::string& id) {
    if (!core::is_id(id, "cat")) {
        v.add(pointer, "not_found", "is not a category");
    }
}

// `cursor` (a category id) and `limit` query parameters.
core::result<std::pair<std::optional<std::string>, int>> page_of(const http::request& req) {
    auto raw_limit = req.query("limit");
    auto limit = core::parse_page_limit(
        raw_limit ? std::optional<std::string_view>{*raw_limit} : std::nullopt
    );
    if (!limit) {
        return std::move(limit).error();
    }
    std::optional<std::string> before;
    if (auto cursor = req.query("cursor")) {
        auto position = core::decode_cursor(*cursor);
        if (!position || !core::is_id(*position, "cat")) {
            return core::error{
                core::errc::bad_request,
                "cursor is not valid",
                {{"/cursor", "cursor", "is not a cursor of this list"}}};
        }
        before = std::move(*position);
    }
    return std::pair{std::move(before), *limit};
}

// 64-bit FNV-1a: a content hash for the ETag of a public document.
std::string content_etag(std::string_view body) {
    std::uint64_t h = 14695981039346656037ULL;
    for (char c : body) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    static constexpr std::string_view hex = "0123456789abcdef";
    std::string out = "\"";
    for (int shift = 60; shift >= 0; shift -= 4) {
        out.push_back(hex[(h >> static_cast<unsigned>(shift)) & 0xFU]);
    }
    out.push_back('"');
    return out;
}

// True when an If-None-Match list names `etag` (weak comparison, RFC 9110 13.1.2) or is `*`.
bool none_match_hits(std::string_view header, std::string_view etag) {
    while (!header.empty()) {
        auto comma = header.find(',');
        auto item = header.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
            item.remove_prefix(1);
        }
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
            item.remove_suffix(1);
        }
        if (item.starts_with("W/")) {
            item.remove_prefix(2);
        }
        if (item == "*" || item == etag) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        header.remove_prefix(comma + 1);
    }
    return false;
}

constexpr std::string_view tree_cache_control = "public, max-age=60";

}  // namespace

void category_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    auto admin = [](std::string summary) {
        return http::route_options{
            .who = access::role,
            .roles = {"admin"},
            .body_limit = body_limit,
            .summary = std::move(summary)};
    };
    r.add(
        method::post, "/api/v1/admin/categories", std::bind_front(&category_routes::create, this),
        admin("Create a category; the handle is generated from the name when absent.")
    );
    r.add(
        method::get, "/api/v1/admin/categories", std::bind_front(&category_routes::list, this),
        admin("Categories, newest first.")
    );
    r.add(
        method::get, "/api/v1/admin/categories/{id}", std::bind_front(&category_routes::show, this),
        admin("One category.")
    );
    r.add(
        method::patch, "/api/v1/admin/categories/{id}",
        std::bind_front(&category_routes::update, this),
        admin("Rename, re-handle, move or reorder a category.")
    );
    r.add(
        method::del, "/api/v1/admin/categories/{id}",
        std::bind_front(&category_routes::remove, this),
        admin("Delete a category without subcategories.")
    );
    r.add(
        method::get, "/api/v1/store/categories",
        std::bind_front(&category_routes::store_tree, this),
        http::route_options{
            .who = access::anyone,
            .body_limit = body_limit,
            .summary = "The category tree, nested, with ETag and Cache-Control."}
    );
}

core::task<http::response> category_routes::create(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    json::validator v{*body};
    auto o = v.root();
    new_category c;
    c.name = o.required_string("name", name_rule);
    c.handle = o.optional_string("handle", handle_rule);
    if (c.handle) {
        check_handle(v, "/handle", *c.handle);
    }
    c.parent_id = o.optional_string("parent_id", id_rule);
    if (c.parent_id) {
        check_category_id(v, "/parent_id", *c.parent_id);
    }
    c.description = o.optional_string("description", description_rule);
    c.position = static_cast<int>(o.optional_int("position", position_rule).value_or(0));
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto made = co_await categories_.create(*req.principal, std::move(c));
    if (!made) {
        co_return http::problem(made);
    }
    co_return http::created(to_json(*made), "/api/v1/admin/categories/" + made->id);
}

core::task<http::response> category_routes::list(http::request& req) {
    auto q = page_of(req);
    if (!q) {
        co_return http::problem(q);
    }
    auto listed = co_await categories_.list(std::move(q->first), q->second);
    if (!listed) {
        co_return http::problem(listed);
    }
    boost::json::array items;
    for (const auto& c : listed->items) {
        items.push_back(to_json(c));
    }
    co_return http::ok(boost::json::object{
        {"object", "list"},
        {"items", std::move(items)},
        {"next_cursor", listed->next_cursor ? boost::json::value(*listed->next_cursor)
                                            : boost::json::value(nullptr)},
    });
}

core::task<http::response> category_routes::show(http::request& req) {
    auto found = co_await categories_.get(std::string{req.param("id")});
    if (!found) {
        co_return http::problem(found);
    }
    co_return http::ok(to_json(*found));
}

core::task<http::response> category_routes::update(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    json::validator v{*body};
    auto o = v.root();
    category_patch p;
    if (o.has("name") && o.valid() && body->as_object().at("name").is_null()) {
        v.add("/name", "type", "cannot be cleared");
    }
    p.name = o.optional_string("name", name_rule);
    if (o.has("handle") && o.valid() && body->as_object().at("handle").is_null()) {
        v.add("/handle", "type", "cannot be cleared");
    }
    p.handle = o.optional_string("handle", handle_rule);
    if (p.handle) {
        check_handle(v, "/handle", *p.handle);
    }
    p.parent_id = o.patch_string("parent_id", id_rule);
    if (p.parent_id.value) {
        check_category_id(v, "/parent_id", *p.parent_id.value);
    }
    p.description = o.patch_string("description", description_rule);
    if (auto position = o.optional_int("position", position_rule)) {
        p.position = static_cast<int>(*position);
    }
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto updated =
        co_await categories_.update(*req.principal, std::string{req.param("id")}, std::move(p));
    if (!updated) {
        co_return http::problem(updated);
    }
    co_return http::ok(to_json(*updated));
}

core::task<http::response> category_routes::remove(http::request& req) {
    auto removed = co_await categories_.remove(*req.principal, std::string{req.param("id")});
    if (!removed) {
        co_return http::problem(removed);
    }
    co_return http::no_content();
}

core::task<http::response> category_routes::store_tree(http::request& req) {
    auto tree = co_await categories_.tree();
    if (!tree) {
        co_return http::problem(tree);
    }
    std::string body;
    std::string etag;
    {
        std::lock_guard lock{rendered_mutex_};
        if (rendered_.tree != *tree) {
            boost::json::object doc{
                {"object", "list"},
                {"items", nested_json(**tree)},
                {"next_cursor", nullptr},
            };
            rendered_.body = boost::json::serialize(doc);
            rendered_.etag = content_etag(rendered_.body);
            rendered_.tree = *tree;
        }
        body = rendered_.body;
        etag = rendered_.etag;
    }
    http::response res;
    if (auto match = req.header("if-none-match"); match && none_match_hits(*match, etag)) {
        res.status = 304;
    } else {
        res = http::text(200, std::move(body), "application/json");
    }
    res.header("ETag", etag);
    res.header("Cache-Control", std::string{tree_cache_control});
    co_return res;
}

}  // namespace admin
