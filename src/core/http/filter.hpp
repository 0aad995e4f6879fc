// A step around a route's handler that may need I/O (idempotency keys): runs after routing and
// authentication, so it sees the route's options and the caller.
#pragma once

#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/http/router.hpp"
#include "core/task.hpp"

namespace core::http {

class handler_filter {
public:
    virtual ~handler_filter() = default;

    // Cheap and synchronous: false lets the pipeline call the handler directly, so requests the
    // filter does not care about pay nothing for it.
    virtual bool applies(const request& req, const route_info& route) const = 0;

    // Answers the request, calling `next` at most once. An exception from `next` propagates after
    // the filter has cleaned up; the pipeline turns it into a 500.
    virtual core::task<response> run(
        request& req, const route_info& route, const handler& next
    ) = 0;
};

}  // namespace core::http
