// Outbound HTTPS for third-party clients, through libcurl. Calls block: run them on the worker
// pool.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace integrations {

using form_fields = std::vector<std::pair<std::string, std::string>>;

struct https_request {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
    std::string basic_user;  // Basic auth when not empty
    std::string basic_password;
    std::chrono::milliseconds timeout{10000};
};

struct https_response {
    long status = 0;
    std::string body;
};

// application/x-www-form-urlencoded encoding of `fields`, in order.
std::string form_encode(const form_fields& fields);
std::string url_escape(std::string_view text);

// Performs the request; `unavailable` when the peer cannot be reached or times out. Any HTTP status
// is a response: callers map it.
core::result<https_response> perform(const https_request& request);

}  // namespace integrations
