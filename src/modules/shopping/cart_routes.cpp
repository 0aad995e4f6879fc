#include "modules/shopping/cart_routes.hpp"

#include <algorithm>
#include <functional>

#include "core/http/body.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/money.hpp"

namespace shopping {
namespace {

namespace http = core::http;
namespace json = core::json;
using core::errc;

constexpr std::size_t body_limit = std::size_t{16} * 1024;
constexpr std::int64_t max_usage_limit = 1'000'000'000;

const json::string_rule currency_rule{.min_length = 3, .max_length = 3};
const json::string_rule email_rule{.min_length = 3, .max_length = 254};
const json::string_rule id_rule{.min_length = 1, .max_length = 64};
const json::string_rule code_rule{.min_length = 3, .max_length = max_code_length};
const json::string_rule name_rule{.min_length = 1, .max_length = max_promotion_name_length};
const json::string_rule time_rule{.min_length = 20, .max_length = 40};
const json::string_rule kind_rule{.one_of = {"percentage", "fixed_amount", "free_delivery"}};
const json::int_rule quantity_rule{.min = 1, .max = max_line_quantity};
const json::int_rule percent_rule{.min = 1, .max = 100};
const json::int_rule amount_rule{.min = 1, .max = max_promotion_amount};
const json::int_rule minimum_rule{.min = 0, .max = max_promotion_amount};
const json::int_rule usage_rule{.min = 1, .max = max_usage_limit};

core::error no_such_cart() { return core::error{errc::not_found, "no such cart"}; }

// Codes compare upper-cased: A-Z, 0-9, - and _.
std::optional<std::string> normalised_code(std::string_view raw) {
    if (raw.size() < 3 || raw.size() > max_code_length) {
        return std::nullopt;
    }
    std::string out;
    for (char c : raw) {
        auto u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!((u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '_')) {
            return std::nullopt;
        }
        out.push_back(u);
    }
    return out;
}

http::response answer(const core::result<priced_cart_view>& r) {
    if (!r) {
        return http::problem(r);
    }
    return http::ok(to_json(*r));
}

struct money_field {
    std::int64_t amount = 0;
    std::string currency;
};

// {amount, currency} under `key`.
std::optional<money_field> read_money(
    json::validator& v, json::object_reader& o, std::string_view key, const json::int_rule& rule
) {
    auto m = o.optional_object(key);
    if (!m) {
        return std::nullopt;
    }
    money_field out;
    out.amount = m->required_int("amount", rule);
    out.currency = m->required_string("currency", currency_rule);
    m->done();
    if (!m->valid()) {
        return std::nullopt;
    }
    if (!out.currency.empty() && !core::currency::parse(out.currency)) {
        v.add(m->pointer() + "/currency", "unknown", "is not a currency we know");
    }
    return out;
}

std::optional<core::time_point> read_time(
    json::validator& v, json::object_reader& o, std::string_view key
) {
    auto text = o.optional_string(key, time_rule);
    if (!text) {
        return std::nullopt;
    }
    auto t = core::parse_rfc3339(*text);
    if (!t) {
        v.add(
            "/" + std::string{key}, "format",
            "must be an RFC 3339 time such as 2026-12-31T23:59:59Z"
        );
    }
    return t;
}

bool is_null(const boost::json::value& body, std::string_view key) {
    const auto* o = body.if_object();
    if (o == nullptr) {
        return false;
    }
    auto it = o->find(key);
    return it != o->end() && it->value().is_null();
}

// `cursor` (a promotion id) and `limit`.
core::result<std::pair<std::optional<std::string>, int>> page_of(const http::request& req) {
    for (const auto& [name, value] : req.query_pairs()) {
        if (name != "cursor" && name != "limit") {
            return core::error{
                errc::bad_request,
                "unknown parameter " + name,
                {{"/" + name, "unknown", "is not a parameter of this list"}}};
        }
    }
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
        if (!position || !core::is_id(*position, "promo")) {
            return core::error{
                errc::bad_request,
                "cursor is not valid",
                {{"/cursor", "cursor", "is not a cursor of this list"}}};
        }
        before = std::move(*position);
    }
    return std::pair{std::move(before), *limit};
}

}  // namespace

cart_caller caller_of(const http::request& req) {
    cart_caller who;
    who.user = req.principal;
    if (auto token = req.header("x-cart-token");
        token && !token->empty() && token->size() <= max_cart_token_length) {
        who.cart_token = std::string{*token};
    }
    return who;
}

void cart_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    auto store = [](std::string summary) {
        return http::route_options{
            .who = access::anyone, .body_limit = body_limit, .summary = std::move(summary)};
    };
    auto admin = [](std::string summary) {
        return http::route_options{
            .who = access::role,
            .roles = {"admin"},
            .body_limit = body_limit,
            .summary = std::move(summary)};
    };
    r.add(
        method::post, "/api/v1/store/carts", std::bind_front(&cart_routes::create, this),
        store("Create a cart: a guest cart (answers its token once) or, signed in, the customer's.")
    );
    r.add(
        method::get, "/api/v1/store/carts/{id}", std::bind_front(&cart_routes::show, this),
        store("A cart priced now (X-Cart-Token for a guest cart).")
    );
    r.add(
        method::patch, "/api/v1/store/carts/{id}", std::bind_front(&cart_routes::update, this),
        store("Set or clear the cart's email.")
    );
    r.add(
        method::post, "/api/v1/store/carts/{id}/line-items",
        std::bind_front(&cart_routes::add_item, this),
        store("Add a variant (adds to its line when it is in the cart).")
    );
    r.add(
        method::patch, "/api/v1/store/carts/{id}/line-items/{item_id}",
        std::bind_front(&cart_routes::update_item, this), store("Set a line's quantity.")
    );
    r.add(
        method::del, "/api/v1/store/carts/{id}/line-items/{item_id}",
        std::bind_front(&cart_routes::remove_item, this), store("Remove a line.")
    );
    auto signed_in = store(
        "Signed in with the guest cart's X-Cart-Token: merge it into the open cart in its "
        "currency, or adopt it."
    );
    signed_in.who = access::user;
    r.add(
        method::post, "/api/v1/store/carts/{id}/claim", std::bind_front(&cart_routes::claim, this),
        std::move(signed_in)
    );
    r.add(
        method::post, "/api/v1/store/carts/{id}/promotions",
        std::bind_front(&cart_routes::apply_code, this), store("Apply a promotion code.")
    );
    r.add(
        method::del, "/api/v1/store/carts/{id}/promotions/{code}",
        std::bind_front(&cart_routes::remove_code, this), store("Remove a promotion code.")
    );
    r.add(
        method::post, "/api/v1/admin/promotions",
        std::bind_front(&cart_routes::create_promotion, this),
        admin("Create a promotion: a code or automatic; percentage, fixed amount or free delivery.")
    );
    r.add(
        method::get, "/api/v1/admin/promotions",
        std::bind_front(&cart_routes::list_promotions, this), admin("Promotions, newest first.")
    );
    r.add(
        method::get, "/api/v1/admin/promotions/{id}",
        std::bind_front(&cart_routes::show_promotion, this), admin("One promotion.")
    );
    r.add(
        method::patch, "/api/v1/admin/promotions/{id}",
        std::bind_front(&cart_routes::update_promotion, this),
        admin("Rename a promotion, change its window or usage limits.")
    );
    r.add(
        method::post, "/api/v1/admin/promotions/{id}/deactivate",
        std::bind_front(&cart_routes::deactivate_promotion, this),
        admin("Deactivate a promotion: it no longer applies to carts or checkouts.")
    );
}

core::task<http::response> cart_routes::create(http::request& req) {
    auto body = http::json_body(req, true);
    if (!body) {
        co_return http::problem(body);
    }
    json::validator v{*body};
    auto o = v.root();
    new_cart c;
    c.currency = o.required_string("currency", currency_rule);
    c.email = o.optional_string("email", email_rule);
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto made = co_await carts_.create(caller_of(req), std::move(c));
    if (!made) {
        co_return http::problem(made);
    }
    co_return http::created(to_json(*made), "/api/v1/store/carts/" + made->c.id);
}

core::task<http::response> cart_routes::show(http::request& req) {
    auto id = std::string{req.param("id")};
    if (!core::is_id(id, "cart")) {
        co_return http::problem(no_such_cart());
    }
    co_return answer(co_await carts_.get(caller_of(req), std::move(id)));
}

core::task<http::response> cart_routes::update(http::request& req) {
    auto id = std::string{req.param("id")};
    if (!core::is_id(id, "cart")) {
        co_return http::problem(no_such_cart());
    }
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    json::validator v{*body};
    auto o = v.root();
    auto email = o.patch_string("email", email_rule);
    o.done();
    if (v.ok() && !email.present) {
        v.add("/email", "required", "is the only field and must be given (null clears it)");
    }
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    co_return answer(
        co_await carts_.set_email(caller_of(req), std::move(id), std::move(email.value))
    );
}

core::task<http::response> cart_routes::add_item(http::request& req) {
    auto id = std::string{req.param("id")};
    if (!core::is_id(id, "cart")) {
        co_return http::problem(no_such_cart());
    }
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    json::validator v{*body};
    auto o = v.root();
    auto variant_id = o.required_string("variant_id", id_rule);
    auto quantity = o.required_int("quantity", quantity_rule);
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    co_return answer(
        co_await carts_.add_item(caller_of(req), std::move(id), std::move(variant_id), quantity)
    );
}

core::task<http::response> cart_routes::update_item(http::request& req) {
    auto id = std::string{req.param("id")};
    auto item_id = std::string{req.param("item_id")};
    if (!core::is_id(id, "cart")) {
        co_return http::problem(no_such_cart());
    }
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    json::validator v{*body};
    auto o = v.root();
    auto quantity = o.required_int("quantity", quantity_rule);
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    co_return answer(
        co_await carts_.set_quantity(caller_of(req), std::move(id), std::move(item_id), quantity)
    );
}

core::task<http::response> cart_routes::remove_item(http::request& req) {
    auto id = std::string{req.param("id")};
    auto item_id = std::string{req.param("item_id")};
    if (!core::is_id(id, "cart")) {
        co_return http::problem(no_such_cart());
    }
    co_return answer(co_await carts_.remove_item(caller_of(req), std::move(id), std::move(item_id))
    );
}

core::task<http::response> cart_routes::claim(http::request& req) {
    auto id = std::string{req.param("id")};
    if (!core::is_id(id, "cart")) {
        co_return http::problem(no_such_cart());
    }
    co_return answer(co_await carts_.claim(caller_of(req), std::move(id)));
}

core::task<http::response> cart_routes::apply_code(http::request& req) {
    auto id = std::string{req.param("id")};
    if (!core::is_id(id, "cart")) {
        co_return http::problem(no_such_cart());
    }
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    json::validator v{*body};
    auto o = v.root();
    auto raw = o.required_string("code", code_rule);
    o.done();
    std::optional<std::string> code;
    if (v.ok()) {
        code = normalised_code(raw);
        if (!code) {
            v.add("/code", "pattern", "must be letters, digits, - or _");
        }
    }
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    co_return answer(co_await carts_.apply_code(caller_of(req), std::move(id), std::move(*code)));
}

core::task<http::response> cart_routes::remove_code(http::request& req) {
    auto id = std::string{req.param("id")};
    if (!core::is_id(id, "cart")) {
        co_return http::problem(no_such_cart());
    }
    auto code = normalised_code(req.param("code"));
    if (!code) {
        co_return http::problem(core::error{errc::not_found, "the code is not applied to the cart"}
        );
    }
    co_return answer(co_await carts_.remove_code(caller_of(req), std::move(id), std::move(*code)));
}

core::task<http::response> cart_routes::create_promotion(http::request& req) {
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    json::validator v{*body};
    auto o = v.root();
    new_promotion p;
    if (auto raw = o.optional_string("code", code_rule)) {
        p.code = normalised_code(*raw);
        if (!p.code) {
            v.add("/code", "pattern", "must be letters, digits, - or _");
        }
    }
    p.name = o.required_string("name", name_rule);
    auto kind_text = o.required_string("kind", kind_rule);
    auto kind = parse_promotion_kind(kind_text);
    p.kind = kind.value_or(promotion_kind::percentage);
    p.percent_off = o.optional_int("percent_off", percent_rule);
    auto amount_off = read_money(v, o, "amount_off", amount_rule);
    auto minimum = read_money(v, o, "minimum_subtotal", minimum_rule);
    p.vendor_id = o.optional_string("vendor_id", id_rule);
    p.starts_at = read_time(v, o, "starts_at");
    p.ends_at = read_time(v, o, "ends_at");
    p.usage_limit = o.optional_int("usage_limit", usage_rule);
    p.usage_limit_per_customer = o.optional_int("usage_limit_per_customer", usage_rule);
    o.done();
    if (kind) {
        if (*kind == promotion_kind::percentage && !p.percent_off && !o.has("percent_off")) {
            v.add("/percent_off", "required", "is required for a percentage");
        }
        if (*kind != promotion_kind::percentage && o.has("percent_off")) {
            v.add("/percent_off", "forbidden", "only for a percentage");
        }
        if (*kind == promotion_kind::fixed_amount && !o.has("amount_off")) {
            v.add("/amount_off", "required", "is required for a fixed amount");
        }
        if (*kind != promotion_kind::fixed_amount && o.has("amount_off")) {
            v.add("/amount_off", "forbidden", "only for a fixed amount");
        }
    }
    if (amount_off) {
        p.amount_off = amount_off->amount;
        p.currency = amount_off->currency;
    }
    if (minimum) {
        if (p.currency && *p.currency != minimum->currency) {
            v.add("/minimum_subtotal/currency", "mismatch", "must be the currency of amount_off");
        }
        p.minimum_subtotal = minimum->amount;
        p.currency = minimum->currency;
    }
    if (p.vendor_id && !core::is_id(*p.vendor_id, "vnd")) {
        v.add("/vendor_id", "not_found", "is not a store");
    }
    if (p.starts_at && p.ends_at && *p.ends_at <= *p.starts_at) {
        v.add("/ends_at", "range", "must be after starts_at");
    }
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto made = co_await carts_.create_promotion(std::move(p));
    if (!made) {
        co_return http::problem(made);
    }
    co_return http::created(to_json(*made), "/api/v1/admin/promotions/" + made->id);
}

core::task<http::response> cart_routes::list_promotions(http::request& req) {
    auto q = page_of(req);
    if (!q) {
        co_return http::problem(q);
    }
    auto listed = co_await carts_.promotions(std::move(q->first), q->second);
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

core::task<http::response> cart_routes::show_promotion(http::request& req) {
    auto id = std::string{req.param("id")};
    if (!core::is_id(id, "promo")) {
        co_return http::problem(core::error{errc::not_found, "no such promotion"});
    }
    auto found = co_await carts_.get_promotion(std::move(id));
    if (!found) {
        co_return http::problem(found);
    }
    co_return http::ok(to_json(*found));
}

core::task<http::response> cart_routes::update_promotion(http::request& req) {
    auto id = std::string{req.param("id")};
    if (!core::is_id(id, "promo")) {
        co_return http::problem(core::error{errc::not_found, "no such promotion"});
    }
    auto body = http::json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    json::validator v{*body};
    auto o = v.root();
    promotion_patch p;
    if (is_null(*body, "name")) {
        v.add("/name", "type", "cannot be cleared");
    }
    p.name = o.optional_string("name", name_rule);
    auto times = [&](std::string_view key, core::json::patch<core::time_point>& out) {
        if (is_null(*body, key)) {
            out.present = true;
            (void)o.optional_any(key);
            return;
        }
        if (auto t = read_time(v, o, key)) {
            out.present = true;
            out.value = *t;
        }
    };
    times("starts_at", p.starts_at);
    times("ends_at", p.ends_at);
    auto limits = [&](std::string_view key, core::json::patch<std::int64_t>& out) {
        if (is_null(*body, key)) {
            out.present = true;
            (void)o.optional_any(key);
            return;
        }
        if (auto n = o.optional_int(key, usage_rule)) {
            out.present = true;
            out.value = *n;
        }
    };
    limits("usage_limit", p.usage_limit);
    limits("usage_limit_per_customer", p.usage_limit_per_customer);
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto updated = co_await carts_.update_promotion(std::move(id), std::move(p));
    if (!updated) {
        co_return http::problem(updated);
    }
    co_return http::ok(to_json(*updated));
}

core::task<http::response> cart_routes::deactivate_promotion(http::request& req) {
    auto id = std::string{req.param("id")};
    if (!core::is_id(id, "promo")) {
        co_return http::problem(core::error{errc::not_found, "no such promotion"});
    }
    auto done = co_await carts_.deactivate_promotion(std::move(id));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::ok(to_json(*done));
}

}  // namespace shopping
