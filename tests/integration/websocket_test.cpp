// The live channel through real sockets: WebSocket authentication, topic policy, pushes from the
// outbox, limits (message size, slow consumers), heartbeats and shutdown, and the SSE fallback.
// Runs once per storage profile.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <csignal>
#include <functional>
#include <thread>

#include "support/sse_client.hpp"
#include "support/tokens.hpp"
#include "support/trader.hpp"
#include "support/ws_client.hpp"

namespace {

using test::trader_process;
using test::ws_client;

constexpr int slow_consumer_close = 4000;
constexpr auto slow_queue = 8;
constexpr auto small_max_message = 4096;

bool wait_until(const std::function<bool()>& done, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
}

// The value of an unlabelled series in /metrics, or -1 when absent.
double metric(trader_process& server, const std::string& name) {
    auto body = server.http().get("/metrics").body;
    auto at = body.find("\n" + name + " ");
    if (at == std::string::npos) {
        return -1;
    }
    return std::stod(body.substr(at + name.size() + 2));
}

// Writes `count` events through the outbox (the test hook) and returns the first event id.
std::string publish(
    trader_process& server,
    const std::string& type,
    const std::string& aggregate_id,
    const boost::json::object& data,
    int count = 1
) {
    boost::json::object body{
        {"type", type}, {"aggregate_id", aggregate_id}, {"data", data}, {"count", count}};
    auto r = server.http().post_json("/api/v1/_test/events", boost::json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) {
        return {};
    }
    return std::string{r.json().at("ids").at(0).as_string()};
}

std::unique_ptr<ws_client> connect_as(trader_process& server, const std::string& user_id) {
    auto token = test::access_token(server, user_id);
    return std::make_unique<ws_client>(
        server.port(), test::ws_options{.protocols = {"bearer", "bearer." + token}}
    );
}

boost::json::object subscribe_msg(const std::string& topic) {
    return {{"op", "subscribe"}, {"topic", topic}};
}

void expect_subscribed(ws_client& c, const std::string& topic) {
    c.send_json(subscribe_msg(topic));
    auto reply = c.receive_json();
    ASSERT_TRUE(reply) << "no reply to subscribe " << topic << ", closed with " << c.close_code();
    EXPECT_EQ(reply->at("op"), "subscribed") << boost::json::serialize(*reply);
    EXPECT_EQ(reply->at("topic"), topic.c_str());
}

// Stops the server and checks that it drained and that the sanitizers found nothing (leaks show at
// exit).
void expect_clean_exit(trader_process& server) {
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait_exit(), 0);
    auto out = server.output();
    for (const char* report : {"AddressSanitizer", "LeakSanitizer", "runtime error:"}) {
        auto at = out.find(report);
        EXPECT_EQ(at, std::string::npos) << out.substr(at == std::string::npos ? 0 : at, 4000);
    }
}

class websocket : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = std::make_unique<trader_process>(test::trader_options{{
            {"TRADER_TEST_HOOKS", "1"},
            {"TRADER_OUTBOX_POLL_INTERVAL", "20ms"},
            {"TRADER_WS_SEND_QUEUE", std::to_string(slow_queue)},
            {"TRADER_WS_MAX_MESSAGE", std::to_string(small_max_message)},
        }});
    }
    static void TearDownTestSuite() {
        expect_clean_exit(*server_);
        server_.reset();
    }
    static std::unique_ptr<trader_process> server_;
};
std::unique_ptr<trader_process> websocket::server_;

TEST_F(websocket, authenticates_with_the_bearer_subprotocol_and_answers_only_bearer) {
    auto token = test::access_token(*server_, "usr_proto");
    ws_client c{server_->port(), {.protocols = {"bearer", "bearer." + token}}};
    EXPECT_EQ(c.protocol(), "bearer");
    c.send_json({{"op", "ping"}});
    auto pong = c.receive_json();
    ASSERT_TRUE(pong) << "closed with " << c.close_code();
    EXPECT_EQ(*pong, (boost::json::value{{"op", "pong"}}));
    expect_subscribed(c, "user:usr_proto");
}

TEST_F(websocket, authenticates_with_a_first_auth_message) {
    ws_client c{server_->port()};
    EXPECT_EQ(c.protocol(), "");
    c.send_json({{"op", "auth"}, {"token", test::access_token(*server_, "usr_msg")}});
    auto reply = c.receive_json();
    ASSERT_TRUE(reply) << "closed with " << c.close_code();
    EXPECT_EQ(reply->at("op"), "authenticated");
    EXPECT_EQ(reply->at("user_id"), "usr_msg");
    expect_subscribed(c, "user:usr_msg");
}

TEST_F(websocket, refuses_a_bad_token_with_1008) {
    ws_client by_protocol{server_->port(), {.protocols = {"bearer", "bearer.not-a-jwt"}}};
    EXPECT_EQ(by_protocol.wait_close(), 1008);
    EXPECT_EQ(by_protocol.close_reason(), "unauthenticated");

    ws_client by_message{server_->port()};
    by_message.send_json({{"op", "auth"}, {"token", "eyJhbGciOiJub25lIn0.e30."}});
    EXPECT_EQ(by_message.wait_close(), 1008);
}

TEST_F(websocket, refuses_an_expired_token_with_1008) {
    auto expired = test::expired_access_token(*server_, "usr_late");
    ws_client by_protocol{server_->port(), {.protocols = {"bearer", "bearer." + expired}}};
    EXPECT_EQ(by_protocol.wait_close(), 1008);

    ws_client by_message{server_->port()};
    by_message.send_json({{"op", "auth"}, {"token", expired}});
    EXPECT_EQ(by_message.wait_close(), 1008);
}

TEST_F(websocket, closes_a_socket_that_sends_anything_before_authenticating) {
    ws_client c{server_->port()};
    c.send_json(subscribe_msg("user:usr_x"));
    EXPECT_EQ(c.wait_close(), 1008);
    EXPECT_EQ(c.close_reason(), "authenticate first");
}

TEST_F(websocket, closes_a_socket_that_does_not_authenticate_within_the_deadline) {
    ws_client c{server_->port()};
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(c.wait_close(std::chrono::seconds(20)), 1008);
    EXPECT_EQ(c.close_reason(), "authentication timeout");
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(9));
}

TEST_F(websocket, refuses_topics_of_others_with_an_error_message) {
    auto c = connect_as(*server_, "usr_alice");
    expect_subscribed(*c, "user:usr_alice");

    struct refusal {
        std::string topic;
        std::string code;
    };
    for (const auto& r :
         {refusal{"user:usr_bob", "forbidden"}, refusal{"order:ord_someone", "forbidden"},
          refusal{"no topic", "validation"}}) {
        c->send_json(subscribe_msg(r.topic));
        auto reply = c->receive_json();
        ASSERT_TRUE(reply) << "closed with " << c->close_code();
        EXPECT_EQ(reply->at("op"), "error") << boost::json::serialize(*reply);
        EXPECT_EQ(reply->at("topic"), r.topic.c_str());
        EXPECT_EQ(reply->at("code"), r.code.c_str()) << boost::json::serialize(*reply);
        EXPECT_FALSE(reply->at("message").as_string().empty());
    }
    c->send_json({{"op", "dance"}});
    auto unknown = c->receive_json();
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->at("op"), "error");
    c->send("{not json");
    auto malformed = c->receive_json();
    ASSERT_TRUE(malformed);
    EXPECT_EQ(malformed->at("code"), "bad-request");
    EXPECT_FALSE(c->closed());
}

TEST_F(websocket, pushes_outbox_events_to_the_user_and_aggregate_topics) {
    auto alice = connect_as(*server_, "usr_push_a");
    expect_subscribed(*alice, "user:usr_push_a");
    auto bob = connect_as(*server_, "usr_push_b");
    expect_subscribed(*bob, "user:usr_push_b");

    auto id = publish(
        *server_, "order.placed", "ord_push1", {{"user_id", "usr_push_a"}, {"total", 1999}}
    );
    auto pushed = alice->receive_op("event");
    ASSERT_TRUE(pushed) << "no event, closed with " << alice->close_code();
    EXPECT_EQ(pushed->at("topic"), "user:usr_push_a");
    const auto& event = pushed->at("event").as_object();
    EXPECT_EQ(event.at("id"), id.c_str());
    EXPECT_EQ(event.at("type"), "order.placed");
    EXPECT_TRUE(event.contains("created_at"));
    EXPECT_EQ(event.at("data").at("total"), 1999);

    // Events are dispatched in order, so bob's first event being his own shows alice's never
    // reached him.
    auto bobs = publish(*server_, "order.placed", "ord_push2", {{"user_id", "usr_push_b"}});
    auto to_bob = bob->receive_op("event");
    ASSERT_TRUE(to_bob);
    EXPECT_EQ(to_bob->at("event").at("id"), bobs.c_str());
}

TEST_F(websocket, unsubscribe_stops_the_topic) {
    auto leaving = connect_as(*server_, "usr_unsub");
    auto staying = connect_as(*server_, "usr_unsub");
    expect_subscribed(*leaving, "user:usr_unsub");
    expect_subscribed(*staying, "user:usr_unsub");
    leaving->send_json({{"op", "unsubscribe"}, {"topic", "user:usr_unsub"}});
    auto reply = leaving->receive_json();
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->at("op"), "unsubscribed");

    // Once the socket still subscribed has the event, it was published, and the other socket had
    // left.
    auto missed = publish(*server_, "order.placed", "ord_unsub1", {{"user_id", "usr_unsub"}});
    auto seen = staying->receive_op("event");
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->at("event").at("id"), missed.c_str());
    expect_subscribed(*leaving, "user:usr_unsub");
    auto marker = publish(*server_, "order.placed", "ord_unsub2", {{"user_id", "usr_unsub"}});
    auto first = leaving->receive_op("event");
    ASSERT_TRUE(first);
    EXPECT_EQ(first->at("event").at("id"), marker.c_str());
}

TEST_F(websocket, closes_an_oversized_message_with_1009) {
    auto c = connect_as(*server_, "usr_big");
    c->send(std::string(small_max_message + 100, 'x'));
    EXPECT_EQ(c->wait_close(), 1009);
}

TEST_F(websocket, drops_a_slow_consumer_with_4000_and_stays_healthy) {
    auto before = metric(*server_, "websocket_slow_consumer_closes_total");
    auto token = test::access_token(*server_, "usr_slow");
    ws_client slow{
        server_->port(), {.protocols = {"bearer", "bearer." + token}, .receive_buffer = 4096}};
    expect_subscribed(slow, "user:usr_slow");

    // The client stops reading. ~10 MB of events outgrow the socket buffers, then the 8-message
    // queue.
    publish(
        *server_, "order.placed", "ord_slow",
        {{"user_id", "usr_slow"}, {"pad", std::string(std::size_t{24} * 1024, 'p')}}, 400
    );
    ASSERT_TRUE(wait_until(
        [&] { return metric(*server_, "websocket_slow_consumer_closes_total") > before; },
        std::chrono::seconds(60)
    )) << "delivered "
       << metric(*server_, "realtime_deliveries_total") << ", sent "
       << metric(*server_, "websocket_messages_sent_total") << ", dispatched "
       << metric(*server_, "outbox_events_dispatched_total");
    EXPECT_EQ(slow.wait_close(std::chrono::seconds(30)), slow_consumer_close);
    EXPECT_EQ(slow.close_reason(), "slow consumer");
    EXPECT_LT(slow.received(), 400);
    EXPECT_GT(metric(*server_, "realtime_dropped_total"), 0);

    EXPECT_EQ(server_->http().get("/healthz").status, 200);
    auto fresh = connect_as(*server_, "usr_after_slow");
    expect_subscribed(*fresh, "user:usr_after_slow");
    auto id = publish(*server_, "order.placed", "ord_after_slow", {{"user_id", "usr_after_slow"}});
    auto pushed = fresh->receive_op("event", std::chrono::seconds(20));
    ASSERT_TRUE(pushed);
    EXPECT_EQ(pushed->at("event").at("id"), id.c_str());
}

TEST_F(websocket, answers_a_plain_get_with_a_problem_naming_the_upgrade) {
    auto r = server_->http().get("/api/v1/ws");
    test::expect_problem(r, 400, "bad-request");
    EXPECT_EQ(r.header("upgrade"), "websocket");
}

TEST_F(websocket, counts_open_sockets) {
    auto c = connect_as(*server_, "usr_gauge");
    expect_subscribed(*c, "user:usr_gauge");
    EXPECT_GE(metric(*server_, "websocket_open_connections"), 1);
    EXPECT_GE(metric(*server_, "websocket_messages_received_total"), 1);
}

TEST_F(websocket, never_logs_the_token) {
    auto token = test::access_token(*server_, "usr_secret");
    {
        ws_client by_protocol{server_->port(), {.protocols = {"bearer", "bearer." + token}}};
        expect_subscribed(by_protocol, "user:usr_secret");
        ws_client by_message{server_->port()};
        by_message.send_json({{"op", "auth"}, {"token", token}});
        ASSERT_TRUE(by_message.receive_op("authenticated"));
        ws_client refused{server_->port(), {.protocols = {"bearer", "bearer." + token + "x"}}};
        EXPECT_EQ(refused.wait_close(), 1008);
        test::sse_client sse{
            server_->port(),
            "/api/v1/events?topic=user:usr_secret",
            {{"Authorization", "Bearer " + token}}};
        ASSERT_TRUE(sse.next());
    }
    // Both sockets' closing lines name the user. (The stream's access log line only comes once the
    // server writes to the closed stream again, at the next keep-alive.)
    auto logged = [&] {
        auto out = server_->output();
        int n = 0;
        for (auto at = out.find(R"("user_id":"usr_secret")"); at != std::string::npos;
             at = out.find(R"("user_id":"usr_secret")", at + 1)) {
            ++n;
        }
        return n >= 2;
    };
    ASSERT_TRUE(wait_until(logged, std::chrono::seconds(10)));
    auto signature = token.substr(token.rfind('.') + 1);
    EXPECT_EQ(server_->output().find(signature), std::string::npos)
        << "the token's signature is in the log";
}

TEST(websocket_heartbeat, pings_and_drops_a_peer_that_stops_answering) {
    trader_process server{test::trader_options{{{"TRADER_WS_PING_INTERVAL", "100ms"}}}};
    auto live = connect_as(server, "usr_live");
    auto silent = connect_as(server, "usr_silent");

    // The live client answers pings while it reads; the silent one never reads, so it never
    // answers.
    ASSERT_TRUE(wait_until(
        [&] {
            (void)live->receive(std::chrono::milliseconds(50));
            return live->pings() >= 4;
        },
        std::chrono::seconds(10)
    ));
    EXPECT_FALSE(live->closed());

    ASSERT_TRUE(wait_until(
        [&] { return metric(server, "websocket_heartbeat_timeouts_total") >= 1; },
        std::chrono::seconds(10)
    ));
    EXPECT_EQ(silent->wait_close(std::chrono::seconds(5)), test::ws_abnormal_close);
    live->send_json({{"op", "ping"}});
    EXPECT_TRUE(live->receive_op("pong"));
    live.reset();
    silent.reset();
    expect_clean_exit(server);
}

TEST(websocket_shutdown, closes_sockets_with_1001_and_ends_event_streams) {
    trader_process server;
    auto c = connect_as(server, "usr_bye");
    expect_subscribed(*c, "user:usr_bye");
    auto token = test::access_token(server, "usr_bye");
    test::sse_client sse{
        server.port(), "/api/v1/events?topic=user:usr_bye", {{"Authorization", "Bearer " + token}}};
    ASSERT_EQ(sse.status(), 200);
    ASSERT_TRUE(sse.next());

    server.signal(SIGTERM);
    EXPECT_EQ(c->wait_close(), 1001);
    EXPECT_FALSE(sse.next(std::chrono::seconds(10)));
    EXPECT_TRUE(sse.ended());
    EXPECT_EQ(server.wait_exit(), 0);
    EXPECT_NE(server.output().find(R"("drained":true)"), std::string::npos) << server.output();
}

class sse : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = std::make_unique<trader_process>(test::trader_options{
            {{"TRADER_TEST_HOOKS", "1"}, {"TRADER_OUTBOX_POLL_INTERVAL", "20ms"}}});
    }
    static void TearDownTestSuite() {
        expect_clean_exit(*server_);
        server_.reset();
    }
    static std::unique_ptr<trader_process> server_;
};
std::unique_ptr<trader_process> sse::server_;

TEST_F(sse, streams_outbox_events) {
    auto token = test::access_token(*server_, "usr_sse");
    test::sse_client own{
        server_->port(),
        "/api/v1/events?topic=user:usr_sse",
        {{"Authorization", "Bearer " + token}}};
    ASSERT_EQ(own.status(), 200);
    EXPECT_EQ(own.header("content-type"), "text/event-stream");
    EXPECT_EQ(own.header("cache-control"), "no-cache");
    auto hello = own.next();
    ASSERT_TRUE(hello);
    EXPECT_EQ(hello->comment, "subscribed");

    auto id = publish(*server_, "order.placed", "ord_sse1", {{"user_id", "usr_sse"}, {"total", 5}});
    auto event = own.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->event, "order.placed");
    EXPECT_EQ(event->id, id);
    auto envelope = boost::json::parse(event->data);
    EXPECT_EQ(envelope.at("id"), id.c_str());
    EXPECT_EQ(envelope.at("data").at("total"), 5);

    auto second = publish(*server_, "order.shipped", "ord_sse1", {{"user_id", "usr_sse"}});
    auto next = own.next_event();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->id, second);
}

TEST_F(sse, refuses_a_topic_of_someone_else_with_403) {
    auto token = test::access_token(*server_, "usr_sse2");
    auto r = server_->http().get(
        "/api/v1/events?topic=user:usr_sse2&topic=user:usr_other",
        {{"Authorization", "Bearer " + token}}
    );
    test::expect_problem(r, 403, "forbidden");
    // No module has a rule for order topics yet, so they are refused rather than streamed empty.
    auto order = server_->http().get(
        "/api/v1/events?topic=user:usr_sse2&topic=order:ord_1",
        {{"Authorization", "Bearer " + token}}
    );
    test::expect_problem(order, 403, "forbidden");
    auto malformed =
        server_->http().get("/api/v1/events?topic=nope", {{"Authorization", "Bearer " + token}});
    test::expect_problem(malformed, 422, "validation");
    auto none = server_->http().get("/api/v1/events", {{"Authorization", "Bearer " + token}});
    test::expect_problem(none, 400, "bad-request");
}

TEST_F(sse, requires_a_token) {
    auto r = server_->http().get("/api/v1/events?topic=user:usr_sse3");
    test::expect_problem(r, 401, "unauthenticated");
    EXPECT_FALSE(r.header("www-authenticate").empty());
    auto expired = server_->http().get(
        "/api/v1/events?topic=user:usr_sse3",
        {{"Authorization", "Bearer " + test::expired_access_token(*server_, "usr_sse3")}}
    );
    test::expect_problem(expired, 401, "unauthenticated");
}

}  // namespace
