// An HTTP response built by handlers; the server writes it. Errors travel as core::error and become
// problem+json in one place (problem.cpp).
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"

namespace core::http {

// Writes a streamed body (Server-Sent Events) chunk by chunk.
class body_writer {
public:
    virtual ~body_writer() = default;
    // False once the client is gone; the stream should end.
    virtual core::task<bool> write(std::string chunk) = 0;
};

class response {
public:
    int status = 200;
    std::string content_type;
    std::string body;
    // A body shared with its other holder (a cache entry) and written without a copy: when
    // `shared` is set, `shared_body` (bytes inside *shared) is sent and `body` is not.
    std::shared_ptr<const void> shared;
    std::string_view shared_body;
    std::vector<std::pair<std::string, std::string>> headers;
    // Set when the response is a problem; the server renders it with the request id as `instance`.
    std::optional<core::error> problem;
    // A streamed body: the server sends the headers, then runs this until it returns. The
    // connection closes afterwards.
    std::function<core::task<void>(body_writer&)> stream;

    response& header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    std::optional<std::string_view> find_header(std::string_view name) const noexcept;
};

response json(int status, const boost::json::value& body);
inline response ok(const boost::json::value& body) { return json(200, body); }
response created(const boost::json::value& body, std::string location);
response no_content();
response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
// The one mapping from domain errors to HTTP (status, type, title).
response problem(core::error err);
template <class T>
response problem(const core::result<T>& failed) {
    return problem(failed.error());
}

// Status, stable type slug and title for a domain error.
struct problem_kind {
    int status;
    std::string_view slug;
    std::string_view title;
};
problem_kind kind_of(core::errc code) noexcept;

// Base URL of problem types; `type` = base + slug.
inline constexpr std::string_view problem_type_base = "https://docs.trader.dev/problems/";

// Renders the problem body (RFC 9457) for a request id.
std::string render_problem(const core::error& err, std::string_view instance);

}  // namespace core::http
