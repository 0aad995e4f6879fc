// Method + path-template routing (`/api/v1/store/products/{id}`), with 404/405 and a listable
// table.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/task.hpp"

namespace core::http {

// A route handler. The request lives in the connection's frame until the handler's task completes.
using handler = std::function<core::task<response>(request&)>;

// Who may call a route; checked by the framework before the handler runs (ownership is the
// service's job).
enum class access {
    anyone,  // no token needed
    user,    // any signed-in user
    role,    // a signed-in user with one of `roles`
};

// How a POST route treats the `Idempotency-Key` header; other methods ignore it. See
// docs/api-conventions.md ("Idempotency").
enum class idempotency_mode {
    accepted,  // honoured when sent: the first response is stored and replayed (the default)
    required,  // 400 without it: creating orders, payments, refunds and payouts
    off,       // ignored and never stored: responses that carry secrets (token pairs)
};

struct route_options {
    access who = access::anyone;
    std::vector<std::string> roles;
    // 0 = the server's default body limit.
    std::size_t body_limit = 0;
    // One line for the route table and the OpenAPI check.
    std::string summary;
    idempotency_mode idempotency = idempotency_mode::accepted;
    // The key is claimed by the handler's effect, one write transaction that records the answer
    // (infra::idempotency::claimed_key::record), not by a write before the handler: one write
    // fewer per request. Only for handlers with no other effect, as a retry runs them up to it.
    bool idempotency_claimed_by_effect = false;
};

struct route_info {
    method verb;
    std::string path_template;
    route_options options;
};

class router {
public:
    router();
    ~router();
    router(const router&) = delete;
    router& operator=(const router&) = delete;

    // Registers a route; throws std::logic_error on a duplicate or malformed template (a startup
    // bug).
    void add(method verb, std::string_view path_template, handler h, route_options options = {});

    struct match {
        const route_info* route = nullptr;
        const handler* target = nullptr;
        std::vector<std::pair<std::string_view, std::string>> params;
        // When the path exists but not for this method: the methods it allows (for 405 + Allow).
        std::vector<method> allowed;
        bool path_found = false;
    };
    // HEAD falls back to GET.
    match find(method verb, std::string_view path) const;

    std::vector<route_info> routes() const;

private:
    struct node;
    std::unique_ptr<node> root_;
    std::vector<std::unique_ptr<route_info>> infos_;
};

}  // namespace core::http
