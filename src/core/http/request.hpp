// An HTTP request as route handlers see it: no Beast types, typed access to path and query
// parameters.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/auth.hpp"
#include "core/result.hpp"

namespace core::http {

enum class method { get, head, post, put, patch, del, options, other };

std::string_view to_string(method m) noexcept;
method parse_method(std::string_view text) noexcept;

// What a filter hands to the handler it runs; the module that set it reads it back with its own
// accessor (infra::idempotency::claimed_key_of).
class filter_state {
public:
    virtual ~filter_state() = default;
};

class request {
public:
    http::method verb = method::get;
    std::string target;  // as received: path and query
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
    std::string remote_address;
    std::chrono::steady_clock::time_point received_at{};

    // Set by the framework.
    std::string request_id;
    std::string traceparent;
    std::string_view route_template;  // points into the router's table; empty when no route matched
    std::vector<std::pair<std::string_view, std::string>> path_params;
    std::optional<core::principal> principal;
    // Set by the idempotency guard once it has claimed the request's key.
    std::shared_ptr<filter_state> idempotency;

    std::string_view path() const noexcept;
    std::string_view query_string() const noexcept;

    // Header by lower-case name.
    std::optional<std::string_view> header(std::string_view lower_name) const noexcept;

    // Path parameter of the matched template; empty when absent.
    std::string_view param(std::string_view name) const noexcept;

    // Percent-decoded query parameter (first occurrence); nullopt when absent.
    std::optional<std::string> query(std::string_view name) const;
    // Every occurrence of a repeated query parameter.
    std::vector<std::string> query_all(std::string_view name) const;
    // Every parameter, percent-decoded, in order (for routes that accept open-ended names such as
    // `attr.<name>`, and to reject unknown parameters).
    std::vector<std::pair<std::string, std::string>> query_pairs() const;
    // Integer query parameter within [min, max]: `bad_request` naming the parameter otherwise.
    result<std::optional<std::int64_t>> query_int(
        std::string_view name, std::int64_t min, std::int64_t max
    ) const;
    // Boolean query parameter: true/false/1/0.
    result<std::optional<bool>> query_bool(std::string_view name) const;
};

}  // namespace core::http
