#include "core/http/pipeline.hpp"

#include <exception>
#include <random>
#include <unordered_map>

#include "core/ids.hpp"
#include "core/log.hpp"

namespace core::http {
namespace {

bool is_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
}

// W3C traceparent: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, not all zeros.
bool valid_traceparent(std::string_view t) {
    return t.size() == 55 && t.substr(0, 3) == "00-" && t[35] == '-' && t[52] == '-' &&
           is_hex(t.substr(3, 32)) && is_hex(t.substr(36, 16)) && is_hex(t.substr(53, 2)) &&
           t.substr(3, 32) != std::string(32, '0') && t.substr(36, 16) != std::string(16, '0');
}

std::string random_hex(std::size_t n) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(n, '0');
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (i % 16 == 0) {
            bits = rng();
        }
        out[i] = digits[bits & 0xFU];
        bits >>= 4U;
    }
    return out;
}

// Our span in the caller's trace, or a new trace.
std::string next_traceparent(std::optional<std::string_view> incoming) {
    if (incoming && valid_traceparent(*incoming)) {
        return "00-" + std::string{incoming->substr(3, 32)} + "-" + random_hex(16) + "-" +
               std::string{incoming->substr(53, 2)};
    }
    return "00-" + random_hex(32) + "-" + random_hex(16) + "-01";
}

std::string allow_header(const std::vector<method>& allowed) {
    std::string out;
    bool has_get = false;
    for (auto m : allowed) {
        has_get = has_get || m == method::get;
        out += out.empty() ? "" : ", ";
        out += to_string(m);
    }
    if (has_get) {
        out += ", HEAD";
    }
    out += ", OPTIONS";
    return out;
}

}  // namespace

// Identifies a metric series without building a string per request.
struct metric_key {
    const void* owner;
    const char* route;  // address of the route template; null when no route matched
    int verb;
    int status;
    bool operator==(const metric_key&) const = default;
};

struct metric_key_hash {
    std::size_t operator()(const metric_key& k) const noexcept {
        auto h = std::hash<const void*>{}(k.owner);
        h ^= std::hash<const void*>{}(k.route) + 0x9e3779b97f4a7c15ULL + (h << 6U) + (h >> 2U);
        h ^= std::hash<int>{}(k.verb * 1000 + k.status) + 0x9e3779b97f4a7c15ULL + (h << 6U) + (h >> 2U);
        return h;
    }
};

struct pipeline::route_stats {
    core::metrics::histogram* duration = nullptr;
};

pipeline::pipeline(pipeline_settings settings, router& routes, core::metrics::registry& metrics)
    : settings_(std::move(settings)),
      routes_(routes),
      metrics_(metrics),
      in_flight_(metrics.get_gauge("http_requests_in_flight", "Requests being handled now")),
      unhandled_(metrics.get_counter(
          "http_unhandled_exceptions_total", "Handlers that threw instead of returning an error"
      )) {}

pipeline::~pipeline() = default;

std::size_t pipeline::body_limit_for(method verb, std::string_view path) const {
    auto m = routes_.find(verb, path);
    if (m.route && m.route->options.body_limit > 0) {
        return m.route->options.body_limit;
    }
    return settings_.default_body_limit;
}

std::optional<response> pipeline::authenticate(request& req, const route_info& route) {
    auto auth = req.header("authorization");
    if (auth) {
        constexpr std::string_view scheme = "Bearer ";
        if (auth->size() <= scheme.size() ||
            !std::equal(scheme.begin(), scheme.end(), auth->begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) ==
                       std::tolower(static_cast<unsigned char>(b));
            })) {
            return problem(core::error{core::errc::unauthenticated, "expected a Bearer token"});
        }
        if (!verifier_) {
            return problem(core::error{core::errc::unauthenticated, "token not accepted"});
        }
        auto who = verifier_->verify(auth->substr(scheme.size()));
        if (!who) {
            log::info("token refused")
                .field("request_id", req.request_id)
                .field("reason", who.error().detail);
            return problem(core::error{
                core::errc::unauthenticated, "the access token is invalid or expired"});
        }
        req.principal = std::move(*who);
    }
    switch (route.options.who) {
        case access::anyone:
            return std::nullopt;
        case access::user:
            if (!req.principal) {
                return problem(core::error{
                    core::errc::unauthenticated, "sign in to call this route"});
            }
            return std::nullopt;
        case access::role:
            if (!req.principal) {
                return problem(core::error{
                    core::errc::unauthenticated, "sign in to call this route"});
            }
            for (const auto& r : route.options.roles) {
                if (req.principal->has_role(r)) {
                    return std::nullopt;
                }
            }
            return problem(core::error{
                core::errc::forbidden, "your account may not call this route"});
    }
    return std::nullopt;
}

core::task<response> pipeline::handle(request& req) {
    auto incoming_id = req.header("x-request-id");
    req.request_id = incoming_id && core::is_acceptable_request_id(*incoming_id)
                         ? std::string{*incoming_id}
                         : core::new_request_id();
    req.traceparent = next_traceparent(req.header("traceparent"));
    in_flight_.add();

    response res;
    bool answered = false;
    for (auto& m : middleware_) {
        if (auto early = m->on_request(req)) {
            res = std::move(*early);
            answered = true;
            break;
        }
    }

    if (!answered) {
        auto match = routes_.find(req.verb, req.path());
        if (!match.route) {
            if (match.path_found && req.verb == method::options) {
                res = no_content();
                res.header("Allow", allow_header(match.allowed));
            } else if (match.path_found) {
                res = problem(core::error{
                    core::errc::method_not_allowed,
                    std::string{to_string(req.verb)} + " is not allowed here"});
                res.header("Allow", allow_header(match.allowed));
            } else {
                res = problem(core::error{
                    core::errc::not_found, "no route for " + std::string{req.path()}});
            }
        } else {
            req.route_template = match.route->path_template;
            req.path_params = std::move(match.params);
            if (auto refused = authenticate(req, *match.route)) {
                res = std::move(*refused);
            } else {
                try {
                    if (filter_ && filter_->applies(req, *match.route)) {
                        res = co_await filter_->run(req, *match.route, *match.target);
                    } else {
                        res = co_await (*match.target)(req);
                    }
                } catch (const std::exception& e) {
                    unhandled_.inc();
                    log::error("handler failed")
                        .field("request_id", req.request_id)
                        .field("route", req.route_template)
                        .field("cause", e.what());
                    res = problem(core::error{core::errc::internal, e.what()});
                }
            }
        }
    }

    finish(req, res);
    in_flight_.sub();
    co_return res;
}

response pipeline::transport_error(request& req, core::error err) {
    if (req.request_id.empty()) {
        req.request_id = core::new_request_id();
    }
    response res = problem(std::move(err));
    finish(req, res);
    return res;
}

void pipeline::finish(request& req, response& res) {
    for (auto it = middleware_.rbegin(); it != middleware_.rend(); ++it) {
        (*it)->on_response(req, res);
    }
    if (res.problem) {
        if (res.status >= 500) {
            log::error("request failed")
                .field("request_id", req.request_id)
                .field("route", req.route_template)
                .field("status", res.status)
                .field("cause", res.problem->detail);
        }
        if (res.status == 401) {
            res.header("WWW-Authenticate", "Bearer realm=\"trader\"");
        }
        res.body = render_problem(*res.problem, req.request_id);
        res.content_type = "application/problem+json";
    }
    res.header("X-Request-Id", req.request_id);
}

pipeline::route_stats& pipeline::stats_for(const request& req) {
    // Per-thread cache so the hot path takes no lock; the registry is consulted once per route and
    // thread.
    // Route templates live in the router for the process's lifetime, so their address is the key.
    thread_local std::unordered_map<metric_key, route_stats, metric_key_hash> cache;
    metric_key key{this, req.route_template.data(), 0, 0};
    auto it = cache.find(key);
    if (it == cache.end()) {
        route_stats s;
        auto route =
            req.route_template.empty() ? std::string{"unmatched"} : std::string{req.route_template};
        s.duration = &metrics_.get_histogram(
            "http_request_duration_seconds", "Time from request read to response written, by route",
            core::metrics::latency_buckets(), {{"route", route}}
        );
        it = cache.emplace(key, s).first;
    }
    return it->second;
}

void pipeline::record(const request& req, const response& res, std::size_t bytes_out) {
    auto elapsed = std::chrono::steady_clock::now() - req.received_at;
    double seconds = std::chrono::duration<double>(elapsed).count();
    auto route = req.route_template.empty() ? std::string_view{"unmatched"} : req.route_template;

    thread_local std::unordered_map<metric_key, core::metrics::counter*, metric_key_hash> counters;
    metric_key key{this, req.route_template.data(), static_cast<int>(req.verb), res.status};
    auto it = counters.find(key);
    if (it == counters.end()) {
        auto& c = metrics_.get_counter(
            "http_requests_total", "Requests answered, by method, route template and status",
            {{"method", std::string{to_string(req.verb)}},
             {"route", std::string{route}},
             {"status", std::to_string(res.status)}}
        );
        it = counters.emplace(key, &c).first;
    }
    it->second->inc();
    stats_for(req).duration->observe(seconds);

    if (settings_.access_log && log::enabled(log::level::info)) {
        auto line = log::info("request");
        line.field("request_id", req.request_id)
            .field(
                "trace_id",
                req.traceparent.size() == 55 ? std::string_view{req.traceparent}.substr(3, 32) : ""
            )
            .field("method", to_string(req.verb))
            .field("route", route)
            .field("path", req.path())
            .field("status", res.status)
            .field("duration_ms", seconds * 1000.0)
            .field("bytes", static_cast<std::uint64_t>(bytes_out))
            .field("remote", req.remote_address);
        if (req.principal) {
            line.field("user_id", req.principal->user_id);
        }
    }
}

}  // namespace core::http
