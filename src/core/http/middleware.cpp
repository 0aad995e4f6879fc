#include "core/http/middleware.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace core::http {

bool cors::allowed(std::string_view origin) const {
    return std::any_of(
        s_.allowed_origins.begin(), s_.allowed_origins.end(),
        [&](const std::string& o) { return o == "*" || o == origin; }
    );
}

std::optional<response> cors::on_request(request& req) {
    if (req.verb != method::options) {
        return std::nullopt;
    }
    auto origin = req.header("origin");
    auto wanted = req.header("access-control-request-method");
    if (!origin || !wanted) {
        return std::nullopt;  // a plain OPTIONS, not a preflight
    }
    response res = no_content();
    if (!allowed(*origin)) {
        return res;  // no CORS headers: the browser refuses
    }
    res.header("Access-Control-Allow-Origin", std::string{*origin});
    res.header("Access-Control-Allow-Methods", s_.allowed_methods);
    res.header("Access-Control-Allow-Headers", s_.allowed_headers);
    res.header("Access-Control-Max-Age", std::to_string(s_.max_age_seconds));
    res.header("Vary", "Origin");
    return res;
}

void cors::on_response(const request& req, response& res) {
    auto origin = req.header("origin");
    if (!origin || !allowed(*origin) || res.find_header("Access-Control-Allow-Origin")) {
        return;
    }
    res.header("Access-Control-Allow-Origin", std::string{*origin});
    res.header("Access-Control-Expose-Headers", s_.exposed_headers);
    res.header("Vary", "Origin");
}

token_bucket_limiter::token_bucket_limiter(double rate, double burst, const core::clock& clock)
    : rate_(rate), burst_(burst), clock_(clock), shards_(std::make_unique<shard[]>(shard_count)) {}

rate_limiter::decision token_bucket_limiter::take(std::string_view key, double cost) {
    auto& sh = shards_[std::hash<std::string_view>{}(key) % shard_count];
    auto now = clock_.now();
    std::lock_guard lock{sh.mu};
    auto it = sh.buckets.find(std::string{key});
    if (it == sh.buckets.end()) {
        // Bounded memory: forget every bucket of a shard that grows too large (they refill anyway).
        if (sh.buckets.size() > 100000) {
            sh.buckets.clear();
        }
        it = sh.buckets.emplace(std::string{key}, bucket{burst_, now}).first;
    }
    auto& b = it->second;
    double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
    b.updated = now;
    if (b.tokens >= cost) {
        b.tokens -= cost;
        return {true, 0};
    }
    double wait = (cost - b.tokens) / rate_;
    return {false, std::max(1, static_cast<int>(std::ceil(wait)))};
}

std::optional<response> rate_limit::on_request(request& req) {
    auto d = limiter_.take(req.remote_address);
    if (d.allowed) {
        return std::nullopt;
    }
    core::error err{core::errc::rate_limited, "too many requests from this address"};
    err.retry_after = d.retry_after_seconds;
    return problem(std::move(err));
}

}  // namespace core::http
