// The live channel: WebSocket at /api/v1/ws and SSE at /api/v1/events, fed by the outbox through
// the in-process hub.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "app/config.hpp"
#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/http/pipeline.hpp"
#include "core/http/router.hpp"
#include "core/http/server.hpp"
#include "core/http/sse.hpp"
#include "core/http/websocket.hpp"
#include "core/json.hpp"
#include "core/metrics.hpp"
#include "core/realtime/hub.hpp"
#include "core/realtime/topic_policy.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"

namespace app {

// The hub fed by the outbox, the topic policy modules add rules to, and the identity module's
// access-token verifier, which the pipeline shares.
class live_channel {
public:
    live_channel(
        const config& c,
        const core::clock& clock,
        core::metrics::registry& metrics,
        infra::db::database& db,
        infra::bus::dispatcher& events,
        const core::token_verifier& verifier
    )
        : clock_(clock),
          db_(db),
          events_(events),
          verifier_(verifier),
          hub_(metrics),
          ws_(websocket_settings_of(c), verifier_, policy_, hub_, metrics),
          sse_({.send_queue = c.ws_send_queue}, policy_, hub_, metrics) {
        events.add_listener([this](const infra::bus::event& e) { publish(e); });
    }

    void register_routes(core::http::router& r, bool test_hooks) {
        r.add(
            core::http::method::get, "/api/v1/ws", &core::http::refuse_plain_websocket_request,
            {.summary = "The live channel: upgrade to a WebSocket."}
        );
        r.add(
            core::http::method::get, "/api/v1/events",
            std::bind_front(&core::http::sse_endpoint::handle, &sse_),
            {.who = core::http::access::user,
             .summary = "Server-Sent Events on the topics named by `topic`."}
        );
        if (test_hooks) {
            r.add(
                core::http::method::post, "/api/v1/_test/events",
                std::bind_front(&live_channel::append_events_for_test, this),
                {.summary = "Test hook: writes events to the outbox."}
            );
        }
    }

    void attach(core::http::pipeline& p, core::http::server& s) {
        p.set_token_verifier(&verifier_);
        s.set_websocket_service(&ws_);
        s.on_shutdown([this] { sse_.close_all(); });
    }

    // Modules add the rules for their topic kinds (`order:`, `delivery:`) here before serving.
    core::realtime::prefix_topic_policy& policy() { return policy_; }

private:
    static core::http::websocket_settings websocket_settings_of(const config& c) {
        core::http::websocket_settings s;
        s.max_message = c.ws_max_message;
        s.send_queue = c.ws_send_queue;
        s.ping_interval = c.ws_ping_interval;
        // A peer that does not finish the close handshake is cut off well within the shutdown
        // grace.
        s.close_timeout = std::min(
            s.close_timeout,
            std::chrono::duration_cast<std::chrono::milliseconds>(c.shutdown_grace) / 2
        );
        return s;
    }

    // An event goes to its user's topic (`user:<data.user_id>`) and to its aggregate's topic, named
    // by the noun of its type: `order.placed` about `ord_1` goes to `order:ord_1`.
    void publish(const infra::bus::event& e) {
        std::string topics[2];
        if (const auto* data = e.data.if_object()) {
            const auto* user = data->if_contains("user_id");
            if (user != nullptr && user->is_string()) {
                topics[0] = "user:" + std::string{user->get_string()};
            }
        }
        auto dot = e.type.find('.');
        if (dot != std::string::npos && !e.aggregate_id.empty()) {
            topics[1] = e.type.substr(0, dot) + ":" + e.aggregate_id;
        }
        // Most events have no live subscriber: rendering the envelope would be wasted work.
        std::string json;
        for (auto& topic : topics) {
            if (topic.empty() || !core::realtime::check_topic(topic) || !hub_.wanted(topic)) {
                continue;
            }
            if (json.empty()) {
                json = boost::json::serialize(e.envelope());
            }
            hub_.publish(std::move(topic), json);
        }
    }

    // POST /api/v1/_test/events {type, aggregate_id, data, count}: `count` copies of one event, in
    // one transaction, as a module's service would write them.
    core::task<core::http::response> append_events_for_test(core::http::request& req) {
        auto body = core::json::parse(req.body);
        if (!body) {
            co_return core::http::problem(body.error());
        }
        core::json::validator v{*body};
        auto root = v.root();
        auto type = root.required_string("type", {.min_length = 3, .max_length = 100});
        auto aggregate_id =
            root.required_string("aggregate_id", {.min_length = 1, .max_length = 100});
        auto data = root.optional_any("data", std::size_t{256} * 1024);
        auto count = root.optional_int("count", {.min = 1, .max = 1000});
        root.done();
        if (!v.ok()) {
            co_return core::http::problem(v.error());
        }
        auto write = std::bind_front(
            &live_channel::append_in, this, std::move(type), std::move(aggregate_id),
            data.value_or(boost::json::object{}), count.value_or(1)
        );
        auto ids = co_await infra::db::transact(db_, std::move(write));
        if (!ids) {
            co_return core::http::problem(ids.error());
        }
        events_.notify();
        co_return core::http::json(201, boost::json::object{{"ids", std::move(*ids)}});
    }

    core::task<core::result<boost::json::array>> append_in(
        std::string type,
        std::string aggregate_id,
        boost::json::value data,
        std::int64_t count,
        infra::db::transaction& tx
    ) {
        boost::json::array ids;
        for (std::int64_t i = 0; i < count; ++i) {
            auto id = co_await infra::bus::append(tx, clock_, type, aggregate_id, data);
            if (!id) {
                co_return std::move(id).error();
            }
            ids.emplace_back(*id);
        }
        co_return ids;
    }

    const core::clock& clock_;
    infra::db::database& db_;
    infra::bus::dispatcher& events_;
    const core::token_verifier& verifier_;
    core::realtime::in_process_hub hub_;
    core::realtime::prefix_topic_policy policy_;
    core::http::websocket_endpoint ws_;
    core::http::sse_endpoint sse_;
};

}  // namespace app
