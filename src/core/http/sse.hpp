// Server-Sent Events, the fallback of the live channel: GET /api/v1/events?topic=... streams the
// hub's messages on the topics a signed-in user may see, through a bounded queue like a
// WebSocket's.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/metrics.hpp"
#include "core/realtime/hub.hpp"
#include "core/realtime/topic_policy.hpp"
#include "core/task.hpp"

namespace core::realtime {
template <class T>
class mailbox;
}

namespace core::http {

struct sse_settings {
    // Messages waiting for one stream; a client further behind is disconnected (it reconnects).
    std::size_t send_queue = 256;
    // A comment line this often keeps proxies from closing an idle stream.
    std::chrono::milliseconds keep_alive{15000};
    std::size_t max_topics = 20;
};

class sse_endpoint {
public:
    sse_endpoint(
        sse_settings settings,
        const realtime::topic_policy& policy,
        realtime::hub& hub,
        core::metrics::registry& metrics
    );
    sse_endpoint(const sse_endpoint&) = delete;
    sse_endpoint& operator=(const sse_endpoint&) = delete;
    sse_endpoint(sse_endpoint&&) = delete;
    sse_endpoint& operator=(sse_endpoint&&) = delete;
    ~sse_endpoint();

    // The handler of GET /api/v1/events; register it with access::user. Every topic is checked
    // before the stream starts: one refused topic refuses the request (403), never a silently empty
    // stream.
    core::task<response> handle(request& req);

    // Thread-safe: ends every stream (shutdown); streams started later end at once.
    void close_all();

private:
    using queue = realtime::mailbox<std::shared_ptr<const realtime::message>>;

    // A stream as close_all() sees it: closed through its own executor, so its queue dies on its
    // thread.
    struct live_stream {
        boost::asio::any_io_executor executor;
        std::weak_ptr<queue> events;
    };

    core::task<void> stream(std::vector<std::string> topics, body_writer& out);
    bool enroll(std::uint64_t id, live_stream entry);
    void withdraw(std::uint64_t id);

    sse_settings settings_;
    const realtime::topic_policy& policy_;
    realtime::hub& hub_;
    core::metrics::gauge& open_;
    core::metrics::counter& sent_;
    core::metrics::counter& slow_consumers_;
    std::atomic<std::uint64_t> next_id_{1};
    std::mutex mutex_;
    std::unordered_map<std::uint64_t, live_stream> live_;
    bool stopping_ = false;  // under mutex_
};

}  // namespace core::http
