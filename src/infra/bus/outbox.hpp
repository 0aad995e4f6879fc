// The transactional outbox: events written with the change they describe, then delivered at least
// once to every registered handler; a processed-events table makes handlers idempotent.
#pragma once

#include <atomic>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace infra::bus {

// The envelope shared by the outbox, RabbitMQ, WebSocket pushes and webhooks: {id, type,
// created_at, data}.
struct event {
    std::string id;
    std::string type;          // <noun>.<past_verb>, e.g. order.placed
    std::string aggregate_id;  // the object it is about
    boost::json::value data;
    core::time_point created_at;

    boost::json::object envelope() const;
};

// Writes an event inside the caller's transaction; returns its id.
core::task<core::result<std::string>> append(
    db::transaction& tx,
    const core::clock& clock,
    std::string type,
    std::string aggregate_id,
    boost::json::value data
);

// An event to append: type, aggregate id, data.
struct new_event {
    std::string type;
    std::string aggregate_id;
    boost::json::value data;
};

// Writes many events inside the caller's transaction with multi-row INSERTs (bulk writers such as
// catalog imports). Their ids increase in the order given, so they are delivered in that order.
core::task<core::result<void>> append_many(
    db::transaction& tx, const core::clock& clock, std::vector<new_event> events
);

// An event whose data is already serialized, so a transaction that holds the SQLite writer only
// writes it.
struct prepared_event {
    std::string type;
    std::string aggregate_id;
    std::string data;  // JSON text
};
prepared_event prepare(std::string type, std::string aggregate_id, const boost::json::value& data);

// append_many() for prepared events; copies them, so a retried transaction body can pass them again.
core::task<core::result<void>> append_prepared(
    db::transaction& tx, const core::clock& clock, const std::vector<prepared_event>& events
);

// A handler applies an event inside a transaction that also records it as processed, so a
// redelivered event is skipped. Handlers must only touch the database through `tx` to keep that
// guarantee.
using handler_fn =
    std::function<core::task<core::result<void>>(db::transaction& tx, const event& e)>;
// Runs after the transaction that applied (or earlier applied) an event committed: work that must
// not see uncommitted state, such as invalidating a cache that readers refill from the database.
// Called once per delivery, so it must be idempotent; it cannot fail the event.
using after_commit_fn = std::function<core::task<void>(const event& e)>;
// Which events a handler wants. The others never reach it: no transaction, no processed-events
// row (each of those is a write, and most events concern one or two handlers).
using accepts_fn = std::function<bool(const event& e)>;
// Live listeners (WebSocket fan-out) get every event after it is handled; at least once, no
// transaction.
using listener_fn = std::function<void(const event& e)>;

struct dispatcher_settings {
    std::chrono::milliseconds poll_interval{200};
    int batch_size = 100;
    // An event claimed by a dispatcher that died is redelivered after this.
    std::chrono::milliseconds claim_timeout{30000};
};

class dispatcher {
public:
    dispatcher(
        db::database& db,
        const core::clock& clock,
        core::metrics::registry& metrics,
        dispatcher_settings settings
    );

    // Register before run(). `name` is stable: it keys the processed-events table. Without
    // `accepts`, every event is delivered.
    void add_handler(
        std::string name, handler_fn fn, after_commit_fn after_commit = {}, accepts_fn accepts = {}
    );
    void add_listener(listener_fn fn);

    // Delivers events until stop(); wakes on notify() or every poll interval.
    core::task<void> run();
    // Delivers what is pending now; returns how many events were dispatched (tests and shutdown use
    // it).
    core::task<core::result<int>> dispatch_once();
    // A write committed events: look now rather than at the next poll.
    void notify() noexcept { wake_.store(true, std::memory_order_release); }
    void stop() noexcept { stopping_.store(true, std::memory_order_release); }

private:
    struct named_handler {
        std::string name;
        handler_fn fn;
        after_commit_fn after_commit;
        accepts_fn accepts;
        core::metrics::counter* handled;
        core::metrics::counter* failed;
    };
    core::task<core::result<bool>> deliver(named_handler* h, const event* e, db::transaction& t);

    db::database& db_;
    const core::clock& clock_;
    dispatcher_settings settings_;
    std::vector<named_handler> handlers_;
    std::vector<listener_fn> listeners_;
    std::atomic<bool> wake_{false};
    std::atomic<bool> stopping_{false};
    core::metrics::registry& metrics_;
    core::metrics::counter& dispatched_;
    core::metrics::histogram& lag_;
    core::metrics::gauge& oldest_pending_ms_;
};

}  // namespace infra::bus
