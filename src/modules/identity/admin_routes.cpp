#include <functional>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "modules/identity/routes.hpp"

namespace identity {
namespace {

namespace http = core::http;

std::optional<int> digits(std::string_view s) {
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + (c - '0');
    }
    return s.empty() ? std::nullopt : std::optional{v};
}

// RFC 3339: 2026-01-31T12:00:00Z, with optional fractional seconds and a numeric offset instead of
// Z.
std::optional<core::time_point> parse_rfc3339(std::string_view s) {
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':') {
        return std::nullopt;
    }
    auto y = digits(s.substr(0, 4));
    auto mo = digits(s.substr(5, 2));
    auto d = digits(s.substr(8, 2));
    auto h = digits(s.substr(11, 2));
    auto mi = digits(s.substr(14, 2));
    auto sec = digits(s.substr(17, 2));
    if (!y || !mo || !d || !h || !mi || !sec || *h > 23 || *mi > 59 || *sec > 60) {
        return std::nullopt;
    }
    std::chrono::year_month_day date{
        std::chrono::year{*y}, std::chrono::month{static_cast<unsigned>(*mo)},
        std::chrono::day{static_cast<unsigned>(*d)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    auto rest = s.substr(19);
    std::chrono::milliseconds fraction{0};
    if (!rest.empty() && rest.front() == '.') {
        auto end = rest.find_first_not_of("0123456789", 1);
        if (end == 1 || end == std::string_view::npos) {
            return std::nullopt;
        }
        auto frac = std::string{rest.substr(1, end - 1)} + "00";
        fraction = std::chrono::milliseconds{*digits(std::string_view{frac}.substr(0, 3))};
        rest = rest.substr(end);
    }
    std::chrono::minutes offset{0};
    if (rest == "Z" || rest == "z") {
        offset = std::chrono::minutes{0};
    } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
        auto oh = digits(rest.substr(1, 2));
        auto om = digits(rest.substr(4, 2));
        if (!oh || !om || *oh > 23 || *om > 59) {
            return std::nullopt;
        }
        offset = std::chrono::minutes{*oh * 60 + *om} * (rest[0] == '+' ? 1 : -1);
    } else {
        return std::nullopt;
    }
    auto t = std::chrono::sys_days{date} + std::chrono::hours{*h} + std::chrono::minutes{*mi} +
             std::chrono::seconds{*sec} + fraction - offset;
    return core::time_point{
        std::chrono::duration_cast<core::time_point::duration>(t.time_since_epoch())};
}

core::error bad_query(const std::string& name, const std::string& message) {
    return core::error{
        core::errc::bad_request, name + " " + message, {{"/" + name, "format", message}}};
}

}  // namespace

void admin_routes::register_routes(http::router& r) {
    using http::access;
    using http::method;
    auto admin = [](std::string summary) {
        return http::route_options{
            .who = access::role,
            .roles = {std::string{role::admin}},
            .body_limit = body_limit,
            .summary = std::move(summary)};
    };
    r.add(
        method::get, "/api/v1/admin/audit-events",
        std::bind_front(&admin_routes::audit_events, this),
        admin("Security events, newest first; filter by type, user and time.")
    );
    r.add(
        method::post, "/api/v1/admin/users/{id}/suspend",
        std::bind_front(&admin_routes::suspend, this),
        admin("Suspend a user: sign-in, refresh and their access tokens stop working.")
    );
    r.add(
        method::post, "/api/v1/admin/users/{id}/reactivate",
        std::bind_front(&admin_routes::reactivate, this), admin("Reactivate a suspended user.")
    );
}

core::task<http::response> admin_routes::audit_events(http::request& req) {
    auto q = page_of(req, "aud");
    if (!q) {
        co_return http::problem(q);
    }
    audit_filter f{.before_id = std::move(q->before_id), .limit = q->limit};
    if (auto type = req.query("type")) {
        if (type->empty() || type->size() > 64) {
            co_return http::problem(bad_query("type", "must be 1-64 characters"));
        }
        f.type = std::move(*type);
    }
    if (auto user_id = req.query("user_id")) {
        if (!core::is_id(*user_id, "usr")) {
            co_return http::problem(bad_query("user_id", "must be a user id (usr_...)"));
        }
        f.user_id = std::move(*user_id);
    }
    if (auto since = req.query("since")) {
        auto t = parse_rfc3339(*since);
        if (!t) {
            co_return http::problem(
                bad_query("since", "must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z")
            );
        }
        f.since = *t;
    }
    auto listed = co_await accounts_.audit_events(std::move(f));
    if (!listed) {
        co_return http::problem(listed);
    }
    co_return http::ok(list_json<audit_event>(*listed, [](const audit_event& e) {
        return to_json(e);
    }));
}

core::task<http::response> admin_routes::suspend(http::request& req) {
    co_return co_await change_status(req, user_status::suspended);
}

core::task<http::response> admin_routes::reactivate(http::request& req) {
    co_return co_await change_status(req, user_status::active);
}

core::task<http::response> admin_routes::change_status(http::request& req, user_status status) {
    auto body = json_body(req, true);
    if (!body) {
        co_return http::problem(body);
    }
    core::json::validator v{*body};
    auto o = v.root();
    auto reason =
        o.optional_string("reason", core::json::string_rule{.min_length = 1, .max_length = 500});
    o.done();
    if (!v.ok()) {
        co_return http::problem(v.error());
    }
    status_change change{
        .user_id = std::string{req.param("id")},
        .status = status,
        .reason = std::move(reason),
        .client = client_of(req)};
    auto done = co_await accounts_.set_status(*req.principal, std::move(change));
    if (!done) {
        co_return http::problem(done);
    }
    co_return http::ok(to_json(*done));
}

}  // namespace identity
