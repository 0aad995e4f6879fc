// Turns a parsed request into a response: request id, middleware, routing, authentication, the
// handler, problem rendering, metrics and the access log. Knows nothing of sockets, so it is tested
// directly.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/auth.hpp"
#include "core/http/filter.hpp"
#include "core/http/middleware.hpp"
#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/http/router.hpp"
#include "core/metrics.hpp"
#include "core/task.hpp"

namespace core::http {

struct pipeline_settings {
    std::size_t default_body_limit = 1024 * 1024;
    bool access_log = true;
    std::string server_header = "trader";
};

class pipeline {
public:
    pipeline(pipeline_settings settings, router& routes, core::metrics::registry& metrics);
    pipeline(const pipeline&) = delete;
    pipeline& operator=(const pipeline&) = delete;
    ~pipeline();

    void use(std::unique_ptr<middleware> m) { middleware_.push_back(std::move(m)); }
    // Without a verifier every token is refused and only `anyone` routes can be called.
    void set_token_verifier(const core::token_verifier* v) { verifier_ = v; }
    // Runs around every handler it applies to (idempotency keys); it must outlive the pipeline.
    void set_filter(handler_filter* f) { filter_ = f; }

    // The body limit for a request line, known before the body is read.
    std::size_t body_limit_for(method verb, std::string_view path) const;

    core::task<response> handle(request& req);

    // Renders a response the transport made by itself (431, 408, 400, 413) and records it like any
    // other.
    response transport_error(request& req, core::error err);

    // Called once per finished request by the transport, with the bytes written.
    void record(const request& req, const response& res, std::size_t bytes_out);

private:
    struct route_stats;
    route_stats& stats_for(const request& req);
    std::optional<response> authenticate(request& req, const route_info& route);
    void finish(request& req, response& res);

    pipeline_settings settings_;
    router& routes_;
    core::metrics::registry& metrics_;
    std::vector<std::unique_ptr<middleware>> middleware_;
    const core::token_verifier* verifier_ = nullptr;
    handler_filter* filter_ = nullptr;
    core::metrics::gauge& in_flight_;
    core::metrics::counter& unhandled_;
};

}  // namespace core::http
