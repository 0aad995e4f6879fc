// Request/response hooks around every route: CORS, rate limits, and whatever a module adds.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/http/request.hpp"
#include "core/http/response.hpp"

namespace core::http {

class middleware {
public:
    virtual ~middleware() = default;
    // Runs before routing; a response answers at once and skips the handler.
    virtual std::optional<response> on_request(request& req) = 0;
    // Runs on every response, including errors and short-circuits.
    virtual void on_response(const request& req, response& res) = 0;
};

struct cors_settings {
    // Exact origins, or "*" for any. Empty = CORS off.
    std::vector<std::string> allowed_origins;
    std::string allowed_methods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
    std::string allowed_headers =
        "Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match, X-Cart-Token, "
        "X-Request-Id";
    std::string exposed_headers = "ETag, Idempotent-Replayed, Location, Retry-After, X-Request-Id";
    int max_age_seconds = 600;
};

// Answers preflights and adds Access-Control-* headers for allowed origins.
class cors final : public middleware {
public:
    explicit cors(cors_settings s) : s_(std::move(s)) {}
    std::optional<response> on_request(request& req) override;
    void on_response(const request& req, response& res) override;

private:
    bool allowed(std::string_view origin) const;
    cors_settings s_;
};

// Decides whether a caller may spend one more unit now.
class rate_limiter {
public:
    struct decision {
        bool allowed = true;
        int retry_after_seconds = 0;
    };
    virtual ~rate_limiter() = default;
    virtual decision take(std::string_view key, double cost = 1) = 0;
};

// In-process token buckets, sharded to keep lock contention low. Redis can stand behind the same
// interface.
class token_bucket_limiter final : public rate_limiter {
public:
    // `rate` tokens per second, bursts up to `burst`.
    token_bucket_limiter(double rate, double burst, const core::clock& clock);
    decision take(std::string_view key, double cost = 1) override;

private:
    struct bucket {
        double tokens;
        core::time_point updated;
    };
    struct shard {
        std::mutex mu;
        std::unordered_map<std::string, bucket> buckets;
    };
    static constexpr std::size_t shard_count = 16;
    double rate_;
    double burst_;
    const core::clock& clock_;
    std::unique_ptr<shard[]> shards_;
};

// Limits requests per client address; 429 with Retry-After when spent.
class rate_limit final : public middleware {
public:
    explicit rate_limit(rate_limiter& limiter) : limiter_(limiter) {}
    std::optional<response> on_request(request& req) override;
    void on_response(const request&, response&) override {}

private:
    rate_limiter& limiter_;
};

}  // namespace core::http
