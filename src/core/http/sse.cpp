#include "core/http/sse.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <deque>
#include <functional>

#include "core/log.hpp"
#include "core/realtime/mailbox.hpp"

namespace core::http {
namespace {

// Ids of the last events sent on a stream: an event published to two of its topics is sent once.
constexpr std::size_t remembered_ids = 64;

bool single_line(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

std::string string_field(const boost::json::object& o, std::string_view key) {
    const auto* it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string{it->value().get_string()}
                                                    : std::string{};
}

// `event: <type>\nid: <event id>\ndata: <json>\n\n`; empty when the event was sent already.
std::string format_event(const realtime::message& m, std::deque<std::string>& recent) {
    std::string type;
    std::string id;
    boost::system::error_code ec;
    auto parsed = boost::json::parse(m.json, ec);
    if (!ec && parsed.is_object()) {
        type = string_field(parsed.as_object(), "type");
        id = string_field(parsed.as_object(), "id");
    }
    if (!id.empty()) {
        if (std::find(recent.begin(), recent.end(), id) != recent.end()) {
            return {};
        }
        recent.push_back(id);
        if (recent.size() > remembered_ids) {
            recent.pop_front();
        }
    }
    std::string out;
    out.reserve(m.json.size() + type.size() + id.size() + 32);
    if (!type.empty() && single_line(type)) {
        out += "event: " + type + "\n";
    }
    if (!id.empty() && single_line(id)) {
        out += "id: " + id + "\n";
    }
    // A line break inside the payload would end the field; each line becomes its own data field.
    std::string_view rest{m.json};
    for (;;) {
        auto nl = rest.find('\n');
        out += "data: ";
        out += rest.substr(0, nl);
        out += '\n';
        if (nl == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(nl + 1);
    }
    out += '\n';
    return out;
}

}  // namespace

sse_endpoint::sse_endpoint(
    sse_settings settings,
    const realtime::topic_policy& policy,
    realtime::hub& hub,
    core::metrics::registry& metrics
)
    : settings_(settings),
      policy_(policy),
      hub_(hub),
      open_(metrics.get_gauge("sse_open_streams", "Open Server-Sent Events streams")),
      sent_(metrics.get_counter(
          "sse_events_sent_total", "Events written to Server-Sent Events streams"
      )),
      slow_consumers_(metrics.get_counter(
          "sse_slow_consumer_closes_total", "Event streams ended because their queue overflowed"
      )) {}

sse_endpoint::~sse_endpoint() = default;

core::task<response> sse_endpoint::handle(request& req) {
    if (!req.principal) {
        co_return problem(core::error{
            core::errc::unauthenticated, "sign in to open an event stream"});
    }
    auto topics = req.query_all("topic");
    if (topics.empty()) {
        co_return problem(core::error{
            core::errc::bad_request,
            "name at least one topic: ?topic=user:<your id>",
            {{"/topic", "required", "at least one topic"}}});
    }
    std::sort(topics.begin(), topics.end());
    topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
    if (topics.size() > settings_.max_topics) {
        co_return problem(core::error{
            core::errc::invalid,
            "too many topics",
            {{"/topic", "max_items",
              "at most " + std::to_string(settings_.max_topics) + " topics"}}});
    }
    for (const auto& t : topics) {
        auto allowed = policy_.may_subscribe(*req.principal, t);
        if (!allowed) {
            co_return problem(core::error{
                allowed.error().code, "topic " + t + ": " + allowed.error().detail});
        }
    }

    response res;
    res.content_type = "text/event-stream";
    res.header("Cache-Control", "no-cache");
    // nginx buffers responses by default, which would hold events back.
    res.header("X-Accel-Buffering", "no");
    if (req.verb != method::head) {
        res.stream = std::bind_front(&sse_endpoint::stream, this, std::move(topics));
    }
    co_return res;
}

core::task<void> sse_endpoint::stream(std::vector<std::string> topics, body_writer& out) {
    auto ex = co_await boost::asio::this_coro::executor;
    auto box = std::make_shared<queue>(ex, settings_.send_queue);
    auto id = next_id_.fetch_add(1, std::memory_order_relaxed);
    bool stopping = enroll(id, live_stream{ex, box});
    open_.add();

    std::vector<realtime::subscription> subscriptions;
    for (auto& topic : topics) {
        auto deliver =
            [weak = std::weak_ptr<queue>{box}](const std::shared_ptr<const realtime::message>& m) {
                auto target = weak.lock();
                return target && target->push(m);
            };
        subscriptions.emplace_back(hub_, hub_.subscribe(std::move(topic), std::move(deliver)));
    }

    // Sent once the subscriptions are live, so a client knows that nothing published from now on is
    // missed.
    std::string hello = "retry: 3000\n: subscribed\n\n";
    bool alive = !stopping;
    if (alive) {
        alive = co_await out.write(std::move(hello));
    }
    std::deque<std::string> recent;
    while (alive) {
        auto next = co_await box->next(settings_.keep_alive);
        switch (next.status) {
            case realtime::mailbox_status::item: {
                auto chunk = format_event(**next.item, recent);
                if (!chunk.empty()) {
                    alive = co_await out.write(std::move(chunk));
                    sent_.inc();
                }
                break;
            }
            case realtime::mailbox_status::timeout: {
                std::string comment = ": keep-alive\n\n";
                alive = co_await out.write(std::move(comment));
                break;
            }
            case realtime::mailbox_status::woken:
                break;
            case realtime::mailbox_status::overflow:
                slow_consumers_.inc();
                log::warn("event stream slow consumer")
                    .field("queue", static_cast<std::uint64_t>(settings_.send_queue));
                alive = false;
                break;
            case realtime::mailbox_status::closed:
                alive = false;
                break;
        }
    }

    subscriptions.clear();
    withdraw(id);
    open_.sub();
}

void sse_endpoint::close_all() {
    std::lock_guard lock{mutex_};
    stopping_ = true;
    for (const auto& [id, entry] : live_) {
        boost::asio::post(entry.executor, [weak = entry.events] {
            if (auto q = weak.lock()) {
                q->close();
            }
        });
    }
}

bool sse_endpoint::enroll(std::uint64_t id, live_stream entry) {
    std::lock_guard lock{mutex_};
    live_.emplace(id, std::move(entry));
    return stopping_;
}

void sse_endpoint::withdraw(std::uint64_t id) {
    std::lock_guard lock{mutex_};
    live_.erase(id);
}

}  // namespace core::http
