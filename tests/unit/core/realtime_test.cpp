// The live fan-out parts without sockets: the hub, the topic policy and the bounded mailbox.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/realtime/hub.hpp"
#include "core/realtime/mailbox.hpp"
#include "core/realtime/topic_policy.hpp"

namespace {

using core::realtime::mailbox_status;
using namespace std::chrono_literals;

using message_ptr = std::shared_ptr<const core::realtime::message>;

// Collects what a subscriber was handed; `accept` = false plays a subscriber whose queue is full.
struct recorder {
    std::vector<std::string> seen;
    bool accept = true;

    core::realtime::deliver_fn fn() {
        return [this](const message_ptr& m) {
            seen.push_back(m->topic + " " + m->json);
            return accept;
        };
    }
};

TEST(realtime_hub, delivers_to_every_subscriber_of_the_topic_only) {
    core::metrics::registry metrics;
    core::realtime::in_process_hub hub{metrics};
    recorder a;
    recorder b;
    recorder other;
    core::realtime::subscription sa{hub, hub.subscribe("user:usr_1", a.fn())};
    core::realtime::subscription sb{hub, hub.subscribe("user:usr_1", b.fn())};
    core::realtime::subscription so{hub, hub.subscribe("user:usr_2", other.fn())};

    hub.publish("user:usr_1", R"({"id":"evt_1"})");
    hub.publish("user:nobody", R"({"id":"evt_2"})");

    EXPECT_EQ(a.seen, std::vector<std::string>{R"(user:usr_1 {"id":"evt_1"})"});
    EXPECT_EQ(b.seen, a.seen);
    EXPECT_TRUE(other.seen.empty());
    auto text = metrics.render();
    EXPECT_NE(text.find("realtime_published_total 2"), std::string::npos) << text;
    EXPECT_NE(text.find("realtime_deliveries_total 2"), std::string::npos) << text;
    EXPECT_NE(text.find("realtime_subscriptions 3"), std::string::npos) << text;
}

TEST(realtime_hub, stops_delivering_when_the_subscription_ends) {
    core::metrics::registry metrics;
    core::realtime::in_process_hub hub{metrics};
    recorder r;
    {
        core::realtime::subscription s{hub, hub.subscribe("order:ord_1", r.fn())};
        hub.publish("order:ord_1", "1");
        core::realtime::subscription moved = std::move(s);
        hub.publish("order:ord_1", "2");
    }
    hub.publish("order:ord_1", "3");
    EXPECT_EQ(r.seen, (std::vector<std::string>{"order:ord_1 1", "order:ord_1 2"}));
    EXPECT_NE(metrics.render().find("realtime_subscriptions 0"), std::string::npos);
}

TEST(realtime_hub, counts_messages_a_slow_subscriber_dropped) {
    core::metrics::registry metrics;
    core::realtime::in_process_hub hub{metrics};
    recorder full;
    full.accept = false;
    core::realtime::subscription s{hub, hub.subscribe("user:usr_1", full.fn())};
    hub.publish("user:usr_1", "1");
    hub.publish("user:usr_1", "2");
    EXPECT_NE(metrics.render().find("realtime_dropped_total 2"), std::string::npos);
}

TEST(realtime_hub, lets_a_subscriber_unsubscribe_from_inside_its_callback) {
    core::metrics::registry metrics;
    core::realtime::in_process_hub hub{metrics};
    core::realtime::subscription s;
    int calls = 0;
    s = core::realtime::subscription{hub, hub.subscribe("user:usr_1", [&](const message_ptr&) {
                                         ++calls;
                                         s.reset();
                                         return true;
                                     })};
    hub.publish("user:usr_1", "1");
    hub.publish("user:usr_1", "2");
    EXPECT_EQ(calls, 1);
}

TEST(topic_policy, allows_only_the_callers_own_user_topic) {
    core::realtime::prefix_topic_policy policy;
    core::principal alice{.user_id = "usr_alice"};
    EXPECT_TRUE(policy.may_subscribe(alice, "user:usr_alice"));
    auto other = policy.may_subscribe(alice, "user:usr_bob");
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, core::errc::forbidden);
    EXPECT_FALSE(policy.may_subscribe(core::principal{}, "user:"));
}

TEST(topic_policy, refuses_unclaimed_kinds_and_malformed_topics) {
    core::realtime::prefix_topic_policy policy;
    core::principal alice{.user_id = "usr_alice"};
    EXPECT_EQ(policy.may_subscribe(alice, "order:ord_1").error().code, core::errc::forbidden);
    std::vector<std::string> malformed{
        "", "user", ":x", "user:", "user:usr alice", "user:a/b", std::string(201, 'a')};
    for (const auto& bad : malformed) {
        auto r = policy.may_subscribe(alice, bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, core::errc::invalid) << bad;
    }
}

TEST(topic_policy, lets_the_longest_registered_prefix_decide) {
    core::realtime::prefix_topic_policy policy;
    policy.add_rule("order:", [](const core::principal&, std::string_view) -> core::result<void> {
        return core::fail(core::errc::forbidden, "orders");
    });
    policy.add_rule(
        "order:ord_public",
        [](const core::principal&, std::string_view rest) -> core::result<void> {
            return rest == "_1" ? core::ok()
                                : core::result<void>{core::fail(core::errc::forbidden, "public")};
        }
    );
    core::principal anyone{.user_id = "usr_1"};
    EXPECT_TRUE(policy.may_subscribe(anyone, "order:ord_public_1"));
    EXPECT_EQ(policy.may_subscribe(anyone, "order:ord_2").error().detail, "orders");
    EXPECT_THROW(policy.add_rule("order:", {}), std::logic_error);
}

using text_mailbox = core::realtime::mailbox<std::string>;

// Runs `body` as a coroutine on `io` to completion.
template <class Body>
void run_consumer(boost::asio::io_context& io, Body body) {
    auto done = boost::asio::co_spawn(io, std::move(body), boost::asio::use_future);
    io.run();
    done.get();
}

TEST(realtime_mailbox, hands_items_over_in_order_and_times_out_when_empty) {
    boost::asio::io_context io;
    auto box = std::make_shared<text_mailbox>(io.get_executor(), 4);
    EXPECT_TRUE(box->push("a"));
    EXPECT_TRUE(box->push("b"));
    run_consumer(io, [box]() -> core::task<void> {
        auto first = co_await box->next(std::nullopt);
        EXPECT_EQ(first.status, mailbox_status::item);
        EXPECT_EQ(*first.item, "a");
        auto second = co_await box->next(std::nullopt);
        EXPECT_EQ(*second.item, "b");
        auto none = co_await box->next(10ms);
        EXPECT_EQ(none.status, mailbox_status::timeout);
    });
}

TEST(realtime_mailbox, overflows_once_when_full_and_refuses_further_items) {
    boost::asio::io_context io;
    int overflows = 0;
    auto box = std::make_shared<text_mailbox>(io.get_executor(), 2, [&overflows] { ++overflows; });
    EXPECT_TRUE(box->push("a"));
    EXPECT_TRUE(box->push("b"));
    EXPECT_FALSE(box->push("c"));
    EXPECT_FALSE(box->push("d"));
    EXPECT_TRUE(box->overflowed());
    run_consumer(io, [box]() -> core::task<void> {
        auto first = co_await box->next(std::nullopt);
        EXPECT_EQ(first.status, mailbox_status::overflow);
        auto after = co_await box->next(10ms);
        EXPECT_EQ(after.status, mailbox_status::timeout);
    });
    EXPECT_EQ(overflows, 1);
}

TEST(realtime_mailbox, wakes_a_waiting_consumer_from_other_threads) {
    boost::asio::io_context io;
    auto box = std::make_shared<text_mailbox>(io.get_executor(), 16);
    // Each step's signal comes just before the consumer waits; whether the producer acts before or
    // during the wait, the consumer must see it.
    std::vector<std::promise<void>> steps(3);
    std::thread producer{[box, &steps] {
        steps[0].get_future().wait();
        box->wake();
        steps[1].get_future().wait();
        (void)box->push("from another thread");
        steps[2].get_future().wait();
        box->close();
    }};
    run_consumer(io, [box, &steps]() -> core::task<void> {
        steps[0].set_value();
        auto woken = co_await box->next(std::nullopt);
        EXPECT_EQ(woken.status, mailbox_status::woken);
        steps[1].set_value();
        auto item = co_await box->next(std::nullopt);
        EXPECT_EQ(item.status, mailbox_status::item);
        steps[2].set_value();
        auto closed = co_await box->next(std::nullopt);
        EXPECT_EQ(closed.status, mailbox_status::closed);
    });
    producer.join();
    EXPECT_FALSE(box->push("after close"));
}

}  // namespace
