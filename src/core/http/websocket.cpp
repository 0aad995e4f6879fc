#include "core/http/websocket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/serialize.hpp>
#include <optional>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/realtime/mailbox.hpp"

namespace core::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using namespace boost::asio::experimental::awaitable_operators;
using upgrade_request = beast::http::request<beast::http::string_body>;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// What the client offered on the upgrade request to authenticate.
struct offered_credentials {
    std::optional<std::string> token;
    // The client listed the plain `bearer` protocol, so the answer may name it. Browsers fail a
    // handshake whose protocol they did not offer, which is why the token itself is never echoed.
    bool bearer_protocol = false;
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) ==
                      std::tolower(static_cast<unsigned char>(b));
           });
}

// Sec-WebSocket-Protocol `bearer.<token>` (browsers), else `Authorization: Bearer <token>` (other
// clients).
offered_credentials read_credentials(const upgrade_request& req) {
    offered_credentials out;
    constexpr std::string_view token_protocol = "bearer.";
    auto [first, last] = req.equal_range(beast::http::field::sec_websocket_protocol);
    for (auto field = first; field != last; ++field) {
        std::string_view list{field->value().data(), field->value().size()};
        while (!list.empty()) {
            auto comma = list.find(',');
            auto item = trim(list.substr(0, comma));
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
            if (item == "bearer") {
                out.bearer_protocol = true;
            } else if (item.starts_with(token_protocol) && item.size() > token_protocol.size() && !out.token) {
                out.token = std::string{item.substr(token_protocol.size())};
            }
        }
    }
    auto auth = req.find(beast::http::field::authorization);
    if (!out.token && auth != req.end()) {
        std::string_view value{auth->value().data(), auth->value().size()};
        if (starts_with_nocase(value, "Bearer ")) {
            out.token = std::string{trim(value.substr(7))};
        }
    }
    return out;
}

// What the writer sends: a hub message, wrapped as an event on the socket's thread so publishing
// stays cheap, or a frame of the socket's own (a reply).
struct outgoing {
    std::shared_ptr<const realtime::message> event;
    std::string frame;
};

std::string event_frame(const realtime::message& m) {
    std::string out;
    out.reserve(m.json.size() + m.topic.size() + 40);
    out += R"({"op":"event","topic":)";
    out += boost::json::serialize(boost::json::string_view{m.topic});
    out += R"(,"event":)";
    out += m.json;
    out += '}';
    return out;
}

std::string_view string_member(const boost::json::object& o, std::string_view key) {
    const auto* it = o.find(key);
    if (it == o.end() || !it->value().is_string()) {
        return {};
    }
    return it->value().get_string();
}

}  // namespace

class websocket_endpoint::connection : public std::enable_shared_from_this<connection> {
public:
    connection(websocket_endpoint& endpoint, beast::tcp_stream stream, std::string remote)
        : endpoint_(endpoint),
          ws_(std::move(stream)),
          remote_(std::move(remote)),
          heartbeat_timer_(ws_.get_executor()),
          auth_timer_(ws_.get_executor()),
          watchdog_(ws_.get_executor()) {}

    net::any_io_executor executor() { return ws_.get_executor(); }

    core::task<void> serve(upgrade_request upgrade, bool stopping);

    // On the socket's executor: the writer sends a close frame as soon as its current write is
    // done; if the peer does not complete the handshake (or the write never finishes), the socket
    // is torn down.
    void request_close(std::uint16_t code, std::string_view reason);

    // On the socket's executor, when its send queue overflowed.
    void drop_slow_consumer();

private:
    core::task<void> read_loop();
    core::task<void> write_loop();
    core::task<void> heartbeat();
    core::task<void> auth_deadline();

    void handle(std::string_view text);
    bool authenticate(std::string_view token);
    void subscribe(std::string topic);
    void unsubscribe(const std::string& topic);
    void reply(const boost::json::object& body);
    void reply_error(std::string_view topic, const core::error& err);
    void teardown();
    void finish();

    websocket_endpoint& endpoint_;
    websocket::stream<beast::tcp_stream> ws_;
    std::string remote_;
    std::shared_ptr<realtime::mailbox<outgoing>> outbox_;
    net::steady_timer heartbeat_timer_;
    net::steady_timer auth_timer_;
    net::steady_timer watchdog_;
    std::optional<core::principal> who_;
    std::unordered_map<std::string, realtime::subscription> subscriptions_;
    std::optional<websocket::close_reason> close_;  // the close we asked for
    bool ping_due_ = false;
    bool heard_ = false;  // anything from the peer since the last heartbeat
    int unanswered_pings_ = 0;
    bool done_ = false;
    std::uint64_t received_ = 0;
    std::uint64_t sent_ = 0;
};

core::task<void> websocket_endpoint::connection::serve(upgrade_request upgrade, bool stopping) {
    const auto& settings = endpoint_.settings_;
    // Made here rather than in the constructor because the overflow handler needs a weak self.
    outbox_ = std::make_shared<realtime::mailbox<outgoing>>(
        ws_.get_executor(), settings.send_queue,
        [weak = weak_from_this()] {
            if (auto self = weak.lock()) {
                self->drop_slow_consumer();
            }
        }
    );
    auto credentials = read_credentials(upgrade);
    // Only the close handshake is timed by Beast; liveness is the heartbeat's job.
    ws_.set_option(websocket::stream_base::timeout{
        settings.close_timeout, websocket::stream_base::none(), false});
    ws_.set_option(websocket::stream_base::decorator(
        [bearer = credentials.bearer_protocol](websocket::response_type& res) {
            res.set(beast::http::field::server, "trader");
            if (bearer) {
                res.set(beast::http::field::sec_websocket_protocol, "bearer");
            }
        }
    ));
    ws_.read_message_max(settings.max_message);
    auto [accept_ec] = co_await ws_.async_accept(upgrade, use_tuple);
    if (accept_ec) {
        log::debug("websocket handshake failed")
            .field("remote", remote_)
            .field("cause", accept_ec.message());
        co_return;
    }

    endpoint_.counters_.open.add();
    auto started = std::chrono::steady_clock::now();
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { heard_ = true; });
    if (credentials.token) {
        authenticate(*credentials.token);
    }
    if (stopping) {
        request_close(websocket::close_code::going_away, "server shutting down");
    }

    try {
        auto loops = read_loop() && write_loop() && heartbeat() && auth_deadline();
        co_await std::move(loops);
    } catch (const std::exception& e) {
        log::error("websocket connection failed").field("remote", remote_).field("cause", e.what());
        finish();
    }

    endpoint_.counters_.open.sub();
    auto line = log::info("websocket closed");
    line.field("remote", remote_)
        .field("code", static_cast<int>(close_ ? close_->code : ws_.reason().code))
        .field("initiated_by", close_ ? "server" : "client")
        .field("messages_in", received_)
        .field("messages_out", sent_)
        .field(
            "duration_ms",
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count()
        );
    if (who_) {
        line.field("user_id", who_->user_id);
    }
}

void websocket_endpoint::connection::request_close(std::uint16_t code, std::string_view reason) {
    if (close_ || done_) {
        return;
    }
    close_.emplace(code);
    close_->reason.assign(reason.data(), std::min(reason.size(), close_->reason.max_size()));
    outbox_->wake();
    watchdog_.expires_after(endpoint_.settings_.close_timeout);
    watchdog_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        auto self = weak.lock();
        if (self && !ec) {
            self->teardown();
        }
    });
}

void websocket_endpoint::connection::drop_slow_consumer() {
    if (close_ || done_) {
        return;  // already closing; the backlog no longer matters
    }
    endpoint_.counters_.slow_consumers.inc();
    auto line = log::warn("websocket slow consumer");
    line.field("remote", remote_)
        .field("queue", static_cast<std::uint64_t>(endpoint_.settings_.send_queue));
    if (who_) {
        line.field("user_id", who_->user_id);
    }
    request_close(close_slow_consumer, "slow consumer");
}

core::task<void> websocket_endpoint::connection::read_loop() {
    beast::flat_buffer buffer;
    for (;;) {
        auto [ec, n] = co_await ws_.async_read(buffer, use_tuple);
        if (ec) {
            // Beast has already answered an oversized message with 1009 and a bad frame with 1002.
            if (ec == websocket::error::message_too_big) {
                endpoint_.counters_.oversized.inc();
            }
            break;
        }
        heard_ = true;
        ++received_;
        endpoint_.counters_.received.inc();
        // Once a close is under way, the peer's last messages are read only to reach its close
        // frame.
        if (!close_) {
            if (ws_.got_text()) {
                handle(std::string_view{
                    static_cast<const char*>(buffer.data().data()), buffer.size()});
            } else {
                reply_error(
                    {}, core::error{core::errc::bad_request, "messages are JSON text frames"}
                );
            }
        }
        buffer.consume(buffer.size());
    }
    finish();
}

core::task<void> websocket_endpoint::connection::write_loop() {
    bool close_sent = false;
    for (;;) {
        if (close_ && !close_sent) {
            close_sent = true;
            if (ws_.is_open()) {
                // Completes when the reader has seen the peer's close frame, or the handshake timed
                // out.
                co_await ws_.async_close(*close_, use_tuple);
            }
            continue;
        }
        if (ping_due_ && !close_sent) {
            ping_due_ = false;
            auto [ec] = co_await ws_.async_ping({}, use_tuple);
            if (ec) {
                teardown();
            }
            continue;
        }
        auto next = co_await outbox_->next(std::nullopt);
        switch (next.status) {
            case realtime::mailbox_status::closed:
                co_return;
            case realtime::mailbox_status::overflow:
                drop_slow_consumer();
                continue;
            case realtime::mailbox_status::woken:
            case realtime::mailbox_status::timeout:
                continue;
            case realtime::mailbox_status::item:
                break;
        }
        if (close_sent) {
            continue;  // nothing follows a close frame
        }
        std::string frame =
            next.item->event ? event_frame(*next.item->event) : std::move(next.item->frame);
        ws_.text(true);
        auto [ec, n] = co_await ws_.async_write(net::buffer(frame), use_tuple);
        if (ec) {
            // The stream is unusable after a failed write; make the reader notice now.
            teardown();
            continue;
        }
        ++sent_;
        endpoint_.counters_.sent.inc();
    }
}

core::task<void> websocket_endpoint::connection::heartbeat() {
    while (!done_) {
        heartbeat_timer_.expires_after(endpoint_.settings_.ping_interval);
        auto [ec] = co_await heartbeat_timer_.async_wait(use_tuple);
        if (ec || done_) {
            break;
        }
        if (heard_) {
            unanswered_pings_ = 0;
        }
        heard_ = false;
        if (unanswered_pings_ >= 2) {
            endpoint_.counters_.heartbeat_timeouts.inc();
            log::info("websocket peer stopped answering pings").field("remote", remote_);
            teardown();
            break;
        }
        ++unanswered_pings_;
        ping_due_ = true;
        outbox_->wake();
    }
}

core::task<void> websocket_endpoint::connection::auth_deadline() {
    if (who_ || done_) {
        co_return;
    }
    auth_timer_.expires_after(endpoint_.settings_.auth_timeout);
    auto [ec] = co_await auth_timer_.async_wait(use_tuple);
    if (!ec && !who_ && !done_) {
        endpoint_.counters_.auth_failures.inc();
        request_close(websocket::close_code::policy_error, "authentication timeout");
    }
}

void websocket_endpoint::connection::handle(std::string_view text) {
    auto parsed = core::json::parse(text);
    const boost::json::object* msg = parsed && parsed->is_object() ? &parsed->as_object() : nullptr;
    std::string_view op = msg != nullptr ? string_member(*msg, "op") : std::string_view{};

    if (!who_) {
        if (msg == nullptr || op != "auth") {
            endpoint_.counters_.auth_failures.inc();
            request_close(websocket::close_code::policy_error, "authenticate first");
            return;
        }
        if (authenticate(string_member(*msg, "token"))) {
            reply(boost::json::object{{"op", "authenticated"}, {"user_id", who_->user_id}});
        }
        return;
    }
    if (msg == nullptr || op.empty()) {
        reply_error({}, core::error{core::errc::bad_request, "expected a JSON object with an op"});
        return;
    }
    std::string topic{string_member(*msg, "topic")};
    if (op == "subscribe") {
        subscribe(std::move(topic));
    } else if (op == "unsubscribe") {
        unsubscribe(topic);
    } else if (op == "ping") {
        reply(boost::json::object{{"op", "pong"}});
    } else if (op == "auth") {
        reply_error({}, core::error{core::errc::invalid, "this socket is already authenticated"});
    } else {
        reply_error(
            {},
            core::error{core::errc::invalid, "unknown op; expected subscribe, unsubscribe or ping"}
        );
    }
}

bool websocket_endpoint::connection::authenticate(std::string_view token) {
    // The token itself is never logged, only why it was refused.
    auto who =
        token.empty()
            ? core::result<core::principal>{core::error{core::errc::unauthenticated, "no token"}}
            : endpoint_.verifier_.verify(token);
    if (!who) {
        endpoint_.counters_.auth_failures.inc();
        log::info("websocket token refused")
            .field("remote", remote_)
            .field("reason", who.error().detail);
        request_close(websocket::close_code::policy_error, "unauthenticated");
        return false;
    }
    who_ = std::move(*who);
    auth_timer_.cancel();
    return true;
}

void websocket_endpoint::connection::subscribe(std::string topic) {
    if (subscriptions_.contains(topic)) {
        reply(boost::json::object{{"op", "subscribed"}, {"topic", topic}});
        return;
    }
    if (subscriptions_.size() >= endpoint_.settings_.max_subscriptions) {
        endpoint_.counters_.refused_subscriptions.inc();
        reply_error(
            topic,
            core::error{
                core::errc::invalid, "at most " +
                                         std::to_string(endpoint_.settings_.max_subscriptions) +
                                         " subscriptions per socket"}
        );
        return;
    }
    auto allowed = endpoint_.policy_.may_subscribe(*who_, topic);
    if (!allowed) {
        endpoint_.counters_.refused_subscriptions.inc();
        reply_error(topic, allowed.error());
        return;
    }
    // The confirmation is queued before the subscription starts, so it precedes the topic's first
    // event.
    reply(boost::json::object{{"op", "subscribed"}, {"topic", topic}});
    auto deliver = [box = std::weak_ptr<realtime::mailbox<outgoing>>{
                        outbox_}](const std::shared_ptr<const realtime::message>& m) {
        auto target = box.lock();
        return target && target->push(outgoing{m, {}});
    };
    auto id = endpoint_.hub_.subscribe(topic, std::move(deliver));
    subscriptions_.emplace(std::move(topic), realtime::subscription{endpoint_.hub_, id});
}

void websocket_endpoint::connection::unsubscribe(const std::string& topic) {
    if (topic.empty()) {
        reply_error({}, core::error{core::errc::invalid, "unsubscribe needs a topic"});
        return;
    }
    subscriptions_.erase(topic);
    reply(boost::json::object{{"op", "unsubscribed"}, {"topic", topic}});
}

void websocket_endpoint::connection::reply(const boost::json::object& body) {
    // A full queue overflows the mailbox; the writer then closes the socket as a slow consumer.
    (void)outbox_->push(outgoing{nullptr, boost::json::serialize(body)});
}

void websocket_endpoint::connection::reply_error(std::string_view topic, const core::error& err) {
    boost::json::object body{{"op", "error"}};
    if (!topic.empty()) {
        body["topic"] = topic;
    }
    body["code"] = core::to_string(err.code);
    body["message"] = err.detail;
    reply(body);
}

void websocket_endpoint::connection::teardown() {
    boost::system::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

void websocket_endpoint::connection::finish() {
    done_ = true;
    subscriptions_.clear();
    outbox_->close();
    heartbeat_timer_.cancel();
    auth_timer_.cancel();
    watchdog_.cancel();
}

core::task<response> refuse_plain_websocket_request(request& /*req*/) {
    auto res = problem(core::error{
        core::errc::bad_request, "this path speaks WebSocket: send a GET with Upgrade: websocket"});
    res.header("Upgrade", "websocket");
    co_return res;
}

websocket_endpoint::websocket_endpoint(
    websocket_settings settings,
    const core::token_verifier& verifier,
    const realtime::topic_policy& policy,
    realtime::hub& hub,
    core::metrics::registry& metrics
)
    : settings_(std::move(settings)),
      verifier_(verifier),
      policy_(policy),
      hub_(hub),
      counters_{
          metrics.get_gauge("websocket_open_connections", "Open WebSocket connections"),
          metrics.get_counter(
              "websocket_messages_received_total", "WebSocket messages received from clients"
          ),
          metrics.get_counter(
              "websocket_messages_sent_total", "WebSocket messages sent to clients"
          ),
          metrics.get_counter(
              "websocket_slow_consumer_closes_total",
              "WebSockets closed because their send queue overflowed"
          ),
          metrics.get_counter(
              "websocket_auth_failures_total",
              "WebSockets closed for a refused, missing or late token"
          ),
          metrics.get_counter(
              "websocket_heartbeat_timeouts_total", "WebSockets dropped after two unanswered pings"
          ),
          metrics.get_counter(
              "websocket_oversized_messages_total",
              "WebSockets closed with 1009 for an oversized message"
          ),
          metrics.get_counter(
              "websocket_subscriptions_refused_total",
              "Subscriptions refused by the topic policy or the per-socket limit"
          ),
      } {}

websocket_endpoint::~websocket_endpoint() = default;

bool websocket_endpoint::matches(std::string_view path) const { return path == settings_.path; }

core::task<void> websocket_endpoint::run(
    beast::tcp_stream stream, upgrade_request upgrade, std::string remote_address
) {
    auto c = std::make_shared<connection>(*this, std::move(stream), std::move(remote_address));
    auto id = next_id_.fetch_add(1, std::memory_order_relaxed);
    bool stopping = enroll(id, live_socket{c->executor(), c});
    co_await c->serve(std::move(upgrade), stopping);
    withdraw(id);
}

void websocket_endpoint::close_all() {
    std::lock_guard lock{mutex_};
    stopping_ = true;
    for (const auto& [id, entry] : live_) {
        net::post(entry.executor, [weak = entry.socket] {
            if (auto c = weak.lock()) {
                c->request_close(websocket::close_code::going_away, "server shutting down");
            }
        });
    }
}

bool websocket_endpoint::enroll(std::uint64_t id, live_socket entry) {
    std::lock_guard lock{mutex_};
    live_.emplace(id, std::move(entry));
    return stopping_;
}

void websocket_endpoint::withdraw(std::uint64_t id) {
    std::lock_guard lock{mutex_};
    live_.erase(id);
}

}  // namespace core::http
