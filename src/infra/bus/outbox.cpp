#include "infra/bus/outbox.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>
#include <string_view>

#include "core/ids.hpp"
#include "core/log.hpp"

namespace infra::bus {
namespace {

std::int64_t to_ms(core::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

core::time_point from_ms(std::int64_t ms) {
    return core::time_point{std::chrono::milliseconds{ms}};
}

struct claimed_batch {
    std::vector<std::string> ids;
    db::rows events;
};

// Claims up to `limit` queued events and reads them. The claim writes only the narrow queue rows;
// the events themselves are rows that never change.
core::task<core::result<claimed_batch>> claim_batch(
    std::int64_t until_ms, std::int64_t now_ms, std::int64_t limit, db::transaction& tx
) {
    auto claimed = co_await tx.query(
        // A join rather than `id IN (subquery)`: SQLite plans that as a scan of the whole table
        // when its statistics think the table is small.
        "UPDATE event_queue SET claimed_until_ms = $1, attempts = attempts + 1 FROM ("
        " SELECT id FROM event_queue WHERE claimed_until_ms <= $2 ORDER BY id LIMIT $3) AS batch"
        " WHERE event_queue.id = batch.id RETURNING event_queue.id",
        until_ms, now_ms, limit
    );
    if (!claimed) {
        co_return std::move(claimed).error();
    }
    claimed_batch out;
    if (claimed->empty()) {
        co_return out;
    }
    std::string select =
        "SELECT id, type, aggregate_id, data, created_at_ms FROM events WHERE id IN (";
    db::params args;
    out.ids.reserve(claimed->size());
    for (auto r : *claimed) {
        select += (out.ids.empty() ? "$" : ", $") + std::to_string(out.ids.size() + 1);
        out.ids.push_back(r.get<std::string>(0));
        args.emplace_back(out.ids.back());
    }
    select += ")";
    auto loaded = co_await tx.run(std::move(select), std::move(args));
    if (!loaded) {
        co_return std::move(loaded).error();
    }
    out.events = std::move(*loaded);
    co_return out;
}

}  // namespace

boost::json::object event::envelope() const {
    return {
        {"id", id},
        {"type", type},
        {"created_at", core::format_rfc3339(created_at)},
        {"data", data}};
}

core::task<core::result<std::string>> append(
    db::transaction& tx,
    const core::clock& clock,
    std::string type,
    std::string aggregate_id,
    boost::json::value data
) {
    auto now = clock.now();
    auto id = core::new_id("evt", now);
    auto written = co_await tx.query(
        "INSERT INTO events (id, type, aggregate_id, data, created_at_ms) VALUES ($1, $2, $3, $4, "
        "$5)",
        id, std::move(type), std::move(aggregate_id), boost::json::serialize(data), to_ms(now)
    );
    if (!written) {
        co_return std::move(written).error();
    }
    co_return id;
}

core::task<core::result<void>> append_many(
    db::transaction& tx, const core::clock& clock, std::vector<new_event> events
) {
    std::vector<prepared_event> prepared;
    prepared.reserve(events.size());
    for (auto& e : events) {
        prepared.push_back(prepare(std::move(e.type), std::move(e.aggregate_id), e.data));
    }
    co_return co_await append_prepared(tx, clock, prepared);
}

prepared_event prepare(std::string type, std::string aggregate_id, const boost::json::value& data) {
    return {std::move(type), std::move(aggregate_id), boost::json::serialize(data)};
}

core::task<core::result<void>> append_prepared(
    db::transaction& tx, const core::clock& clock, const std::vector<prepared_event>& events
) {
    auto now = clock.now();
    std::vector<std::string> ids;
    ids.reserve(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        ids.push_back(core::new_id("evt", now));
    }
    // Ids of one millisecond differ in random bits: sorted, they keep the order of `events`.
    std::sort(ids.begin(), ids.end());
    constexpr std::size_t per_statement = 100;
    for (std::size_t at = 0; at < events.size(); at += per_statement) {
        auto n = std::min(per_statement, events.size() - at);
        // A trigger puts each one in event_queue too (migration 0003).
        std::string sql =
            "INSERT INTO events (id, type, aggregate_id, data, created_at_ms) VALUES ";
        db::params args;
        args.reserve(n * 5);
        for (std::size_t i = 0; i < n; ++i) {
            const auto& e = events[at + i];
            auto k = i * 5;
            sql += i == 0 ? "(" : ", (";
            for (std::size_t c = 1; c <= 5; ++c) {
                sql += (c == 1 ? "$" : ", $") + std::to_string(k + c);
            }
            sql += ")";
            args.emplace_back(std::move(ids[at + i]));
            args.emplace_back(e.type);
            args.emplace_back(e.aggregate_id);
            args.emplace_back(e.data);
            args.emplace_back(to_ms(now));
        }
        auto written = co_await tx.run(std::move(sql), std::move(args));
        if (!written) {
            co_return std::move(written).error();
        }
    }
    co_return core::ok();
}

dispatcher::dispatcher(
    db::database& db,
    const core::clock& clock,
    core::metrics::registry& metrics,
    dispatcher_settings settings
)
    : db_(db),
      clock_(clock),
      settings_(settings),
      metrics_(metrics),
      dispatched_(
          metrics.get_counter("outbox_events_dispatched_total", "Events delivered to every handler")
      ),
      lag_(metrics.get_histogram(
          "outbox_dispatch_lag_seconds",
          "Time from an event's commit to its dispatch",
          core::metrics::latency_buckets()
      )),
      oldest_pending_ms_(metrics.get_gauge(
          "outbox_oldest_pending_age_ms",
          "Age of the oldest undispatched event seen in the last round"
      )) {}

void dispatcher::add_handler(
    std::string name, handler_fn fn, after_commit_fn after_commit, accepts_fn accepts
) {
    auto& handled = metrics_.get_counter(
        "outbox_handler_events_total", "Events applied by a handler", {{"handler", name}}
    );
    auto& failed = metrics_.get_counter(
        "outbox_handler_failures_total", "Handler attempts that failed and will be retried",
        {{"handler", name}}
    );
    handlers_.push_back(
        {std::move(name), std::move(fn), std::move(after_commit), std::move(accepts), &handled,
         &failed}
    );
}

void dispatcher::add_listener(listener_fn fn) { listeners_.push_back(std::move(fn)); }

core::task<core::result<bool>> dispatcher::deliver(
    named_handler* h, const event* e, db::transaction& t
) {
    auto claimed = co_await t.query(
        "INSERT INTO processed_events (handler, event_id, processed_at_ms) VALUES ($1, $2, $3) ON "
        "CONFLICT DO NOTHING",
        h->name, e->id, to_ms(clock_.now())
    );
    if (!claimed) {
        co_return std::move(claimed).error();
    }
    if (claimed->affected() == 0) {
        co_return false;  // applied before: a redelivery
    }
    auto applied = co_await h->fn(t, *e);
    if (!applied) {
        co_return std::move(applied).error();
    }
    co_return true;
}

core::task<core::result<int>> dispatcher::dispatch_once() {
    auto now = clock_.now();
    // Claim a batch, so several instances share the work and a crashed one's claim expires.
    auto claiming = std::bind_front(
        &claim_batch, to_ms(now + settings_.claim_timeout), to_ms(now),
        static_cast<std::int64_t>(settings_.batch_size)
    );
    auto claimed = co_await db::transact(db_, std::move(claiming));
    if (!claimed) {
        co_return std::move(claimed).error();
    }
    const auto& ids = claimed->ids;
    const auto& loaded = claimed->events;
    // The batch's documents live and die together: one arena instead of a malloc per node.
    boost::json::monotonic_resource arena;
    std::vector<event> batch;
    batch.reserve(loaded.size());
    for (auto r : loaded) {
        boost::system::error_code ec;
        auto data = boost::json::parse(r.get<std::string>(3), ec, &arena);
        batch.push_back(
            {r.get<std::string>(0), r.get<std::string>(1), r.get<std::string>(2),
             ec ? boost::json::value{} : std::move(data), from_ms(r.get<std::int64_t>(4))}
        );
    }
    std::sort(batch.begin(), batch.end(), [](const event& a, const event& b) {
        return a.id < b.id;
    });

    std::int64_t oldest = 0;
    std::vector<const event*> finished;
    for (const auto& e : batch) {
        oldest = std::max<std::int64_t>(oldest, to_ms(clock_.now()) - to_ms(e.created_at));
        bool all_ok = true;
        for (auto& h : handlers_) {
            if (h.accepts && !h.accepts(e)) {
                continue;
            }
            auto delivered =
                co_await db::transact(db_, std::bind_front(&dispatcher::deliver, this, &h, &e));
            if (!delivered) {
                all_ok = false;
                h.failed->inc();
                core::log::warn("event handler failed")
                    .field("handler", h.name)
                    .field("event_id", e.id)
                    .field("type", e.type)
                    .field("cause", delivered.error().detail);
                continue;
            }
            if (*delivered) {
                h.handled->inc();
            }
            if (h.after_commit) {
                co_await h.after_commit(e);
            }
        }
        if (all_ok) {
            finished.push_back(&e);
        }
        // Otherwise the claim expires and the event comes back; handlers that succeeded skip it.
    }
    // A queued id whose event row is gone (deleted by hand) has nothing to deliver: it leaves the
    // queue with the batch instead of coming back forever.
    std::vector<std::string> gone;
    if (batch.size() < ids.size()) {
        std::set<std::string_view> found;
        for (const auto& e : batch) {
            found.insert(e.id);
        }
        for (const auto& id : ids) {
            if (!found.contains(id)) {
                gone.push_back(id);
            }
        }
    }
    if (finished.empty() && gone.empty()) {
        oldest_pending_ms_.set(oldest);
        co_return 0;
    }
    // One statement for the batch. A crash before it redelivers these events; the
    // processed-events rows make every handler skip them.
    std::string sql = "DELETE FROM event_queue WHERE id IN (";
    db::params dispatched;
    for (const auto* e : finished) {
        sql += (dispatched.empty() ? "$" : ", $") + std::to_string(dispatched.size() + 1);
        dispatched.emplace_back(e->id);
    }
    for (auto& id : gone) {
        sql += (dispatched.empty() ? "$" : ", $") + std::to_string(dispatched.size() + 1);
        dispatched.emplace_back(std::move(id));
    }
    sql += ")";
    auto marked = co_await db_.write(std::move(sql), std::move(dispatched));
    if (!marked) {
        co_return std::move(marked).error();
    }
    for (const auto* e : finished) {
        for (auto& l : listeners_) {
            l(*e);
        }
        lag_.observe(std::chrono::duration<double>(clock_.now() - e->created_at).count());
        dispatched_.inc();
    }
    const int done = static_cast<int>(finished.size());
    oldest_pending_ms_.set(oldest);
    co_return done;
}

core::task<void> dispatcher::run() {
    boost::asio::steady_timer timer{co_await boost::asio::this_coro::executor};
    auto tick = std::chrono::milliseconds{5};
    while (!stopping_.load(std::memory_order_acquire)) {
        auto round = co_await dispatch_once();
        if (!round) {
            core::log::warn("outbox round failed").field("cause", round.error().detail);
        }
        bool more = round && *round == settings_.batch_size;
        // Sleep in short ticks so notify() and stop() are noticed quickly without a cross-thread
        // timer cancel.
        auto waited = std::chrono::milliseconds{0};
        while (!more && waited < settings_.poll_interval &&
               !stopping_.load(std::memory_order_acquire)) {
            if (wake_.exchange(false, std::memory_order_acq_rel)) {
                break;
            }
            timer.expires_after(tick);
            co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            waited += tick;
        }
    }
}

}  // namespace infra::bus
