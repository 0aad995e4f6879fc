// A Server-Sent Events client for tests: opens a stream on 127.0.0.1 and returns its blocks one by
// one.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace test {

// One block of the stream: an event (event/id/data fields) or a comment.
struct sse_block {
    std::string event;
    std::string id;
    std::string data;     // data lines joined with '\n'
    std::string comment;  // text after ':' of comment lines
    std::string retry;
};

class sse_client {
public:
    // Sends the request and reads the response headers; throws std::runtime_error on failure.
    sse_client(
        std::uint16_t port,
        const std::string& target,
        const std::map<std::string, std::string>& headers = {}
    );
    ~sse_client();
    sse_client(const sse_client&) = delete;
    sse_client& operator=(const sse_client&) = delete;

    int status() const;
    // Response header by lower-case name; empty when absent.
    std::string header(const std::string& lower_name) const;

    // The next block; nullopt on timeout or when the stream ended (see ended()).
    std::optional<sse_block> next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // The next block that is an event (comments skipped).
    std::optional<sse_block> next_event(
        std::chrono::milliseconds timeout = std::chrono::seconds(5)
    );
    bool ended() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace test
