#include <functional>

#include "core/json.hpp"
#include "modules/identity/policy.hpp"
#include "modules/identity/routes.hpp"

namespace identity {
namespace {

namespace http = core::http;
using core::json::string_rule;

bool is_null_field(const boost::json::value& body, std::string_view key) {
    const auto* v = body.is_object() ? body.get_object().if_contains(key) : nullptr;
    return v != nullptr && v->is_null();
}

}  // namespace

void me_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    auto user = [](std::string summary) {
        return http::route_options{
            .who = access::user, .body_limit = body_limit, .summary = std::move(summary)};
    };
    r.add(
        method::get, "/api/v1/me", std::bind_front(&me_routes::show, this),
        user("The signed-in user.")
    );
    r.add(
        method::patch, "/api/v1/me", std::bind_front(&me_routes::update, this),
        user("Update the signed-in user's profile.")
    );
    r.add(
        method::post, "/api/v1/me/password", std::bind_front(&me_routes::change_password, this),
        user("Change the password; revokes the other sessions.")
    );
    r.add(
        method::get, "/api/v1/me/sessions", std::bind_front(&me_routes::sessions, this),
        user("The signed-in user's active sessions, newest first.")
    );
    r.add(
        method::del, "/api/v1/me/sessions/{id}", std::bind_front(&me_routes::revoke_session, this),
        user("Revoke one of the signed-in user's sessions.")
    );
}

core::task<http::response> me_routes::show(http::request& req) {
    auto found = co_await accounts_.profile(*req.principal);
    if (!found) {
        co_return http::problem(found);
    }
    co_return http::ok(to_json(*found));
}

core::task<http::response> me_routes::update(http::request& req) {
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    profile_update p;
    auto name =
        o.patch_string("name", string_rule{.min_length = 1, .max_length = policy::max_name_length});
    if (name.present && is_null_field(*body, "name")) {
        v.add("/name", "required", "cannot be cleared");
    } else if (name.value) {
        if (auto bad = policy::check_name(*name.value)) {
            v.add("/name", bad->code, bad->message);
        }
        p.name = std::move(name.value);
    }
    auto locale = o.patch_string(
        "locale", string_rule{.min_length = 1, .max_length = policy::max_locale_length}
    );
    if (locale.present && (locale.value || is_null_field(*body, "locale"))) {
        if (locale.value) {
            if (auto bad = policy::check_locale(*locale.value)) {
                v.add("/locale", bad->code, bad->message);
            }
        }
        p.locale_present = true;
        p.locale = std::move(locale.value);
    }
    if (auto marketing = o.optional_object("marketing")) {
        p.marketing_email = marketing->optional_bool("email");
        p.marketing_sms = marketing->optional_bool("sms");
        p.marketing_push = marketing->optional_bool("push");
        marketing->done();
    }
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto updated = co_await accounts_.update_profile(*req.principal, std::move(p));
    if (!updated) {
        co_return http::problem(updated);
    }
    co_return http::ok(to_json(*updated));
}

core::task<http::response> me_routes::change_password(http::request& req) {
    auto body = json_body(req);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    password_change c;
    c.current_password =
        o.required_string("current_password", string_rule{.min_length = 1, .max_length = 1024});
    c.new_password =
        o.required_string("new_password", string_rule{.min_length = 1, .max_length = 1024});
    if (!c.new_password.empty()) {
        if (auto bad = policy::check_password(c.new_password, "")) {
            v.add("/new_password", bad->code, bad->message);
        }
    }
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    auto done = co_await auth_.change_password(*req.principal, std::move(c), client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::no_content();
}

core::task<http::response> me_routes::sessions(http::request& req) {
    auto q = page_of(req, "ses");
    if (!q) {
        co_return http::problem(q);
    }
    auto listed = co_await auth_.sessions(*req.principal, std::move(q->before_id), q->limit);
    if (!listed) {
        co_return http::problem(listed);
    }
    const auto& current = req.principal->session_id;
    co_return http::ok(list_json<session>(*listed, [&current](const session& s) {
        return to_json(s, current);
    }));
}

core::task<http::response> me_routes::revoke_session(http::request& req) {
    auto done =
        co_await auth_.revoke_session(*req.principal, std::string{req.param("id")}, client_of(req));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::no_content();
}

}  // namespace identity
