#include "modules/vendor/inventory.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <map>

#include "infra/bus/outbox.hpp"
#include "modules/vendor/catalog.hpp"

namespace vendor {
namespace {

std::int64_t now_ms(const core::clock& clock) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
        .count();
}

// One request per variant, in id order: rows are locked in the same order by every buyer, so
// two checkouts sharing variants cannot deadlock on PostgreSQL.
std::vector<stock_request> merged(std::vector<stock_request> requests) {
    std::map<std::string, std::int64_t> by_variant;
    for (auto& r : requests) {
        by_variant[std::move(r.variant_id)] += r.quantity;
    }
    std::vector<stock_request> out;
    out.reserve(by_variant.size());
    for (auto& [id, qty] : by_variant) {
        out.push_back(stock_request{id, qty});
    }
    return out;
}

// What a stock update answers for its variant.stock_changed event.
constexpr std::string_view stock_columns = "product_id, vendor_id, stock_on_hand - stock_reserved";

// Runs `sql` ($1 quantity, $2 variant id, $3 now) on one variant and answers the columns of
// `stock_columns` for it: no row when nothing was updated. SQLite builds a RETURNING's rows in a
// temporary table, which costs more than reading the updated row back; PostgreSQL would pay a
// round trip for a second statement.
core::task<core::result<infra::db::rows>> update_variant(
    infra::db::transaction& tx,
    std::string sql,
    std::int64_t quantity,
    const std::string& variant_id,
    std::int64_t now
) {
    if (tx.kind() == infra::db::dialect::postgres) {
        co_return co_await tx.query(
            sql + " RETURNING " + std::string{stock_columns}, quantity, variant_id, now
        );
    }
    auto updated = co_await tx.query(std::move(sql), quantity, variant_id, now);
    if (!updated || updated->affected() == 0) {
        co_return updated;
    }
    co_return co_await tx.query(
        "SELECT " + std::string{stock_columns} + " FROM variants WHERE id = $1", variant_id
    );
}

// variant.stock_changed with what can still be sold, read back from the update, and what could be
// sold before it (`previous`: the storefront re-indexes only when a variant sells out or comes
// back).
infra::bus::new_event stock_event(
    const infra::db::rows& updated, const std::string& variant_id, std::int64_t available_change
) {
    auto r = updated.front();
    auto product_id = r.get<std::string>(0);
    auto stock = r.get<std::int64_t>(2);
    boost::json::object data{
        {"product_id", product_id},
        {"vendor_id", r.get<std::string>(1)},
        {"variant_id", variant_id},
        {"stock", stock},
        {"previous", stock - available_change}};
    return {std::string{events::stock_changed}, std::move(product_id), std::move(data)};
}

}  // namespace

core::task<core::result<std::vector<stock_shortage>>> stock_ledger::reserve(
    infra::db::transaction& tx, std::vector<stock_request> requests
) {
    std::vector<stock_shortage> short_of;
    std::vector<infra::bus::new_event> changed;
    for (auto& r : merged(std::move(requests))) {
        // The condition is re-checked on the locked row (PostgreSQL re-evaluates it after a
        // concurrent update commits; SQLite has one writer), so units are never sold twice.
        auto took = co_await update_variant(
            tx,
            std::string{
                "UPDATE variants SET stock_reserved = stock_reserved + $1, updated_at_ms = $3"
                " WHERE id = $2 AND stock_on_hand - stock_reserved >= $1"},
            r.quantity, r.variant_id, now_ms(clock_)
        );
        if (!took) {
            co_return std::move(took).error();
        }
        if (!took->empty()) {
            changed.push_back(stock_event(*took, r.variant_id, -r.quantity));
            continue;
        }
        auto left = co_await tx.query(
            "SELECT stock_on_hand - stock_reserved FROM variants WHERE id = $1", r.variant_id
        );
        if (!left) {
            co_return std::move(left).error();
        }
        auto available =
            left->empty() ? std::int64_t{0} : std::max<std::int64_t>(0, left->front().get<std::int64_t>(0));
        short_of.push_back(stock_shortage{r.variant_id, r.quantity, available});
    }
    // A shortage rolls the caller's transaction back: its events would go with it.
    if (short_of.empty() && !changed.empty()) {
        auto told = co_await infra::bus::append_many(tx, clock_, std::move(changed));
        if (!told) {
            co_return std::move(told).error();
        }
    }
    co_return short_of;
}

core::task<core::result<void>> stock_ledger::release(
    infra::db::transaction& tx, std::vector<stock_request> requests
) {
    // Never below zero, whatever happened to the stock meanwhile (a vendor may have lowered it).
    co_return co_await adjust(
        tx, std::move(requests), 1,
        "UPDATE variants SET stock_reserved = CASE WHEN stock_reserved > $1"
        " THEN stock_reserved - $1 ELSE 0 END, updated_at_ms = $3 WHERE id = $2"
    );
}

core::task<core::result<void>> stock_ledger::consume(
    infra::db::transaction& tx, std::vector<stock_request> requests
) {
    co_return co_await adjust(
        tx, std::move(requests), 0,
        "UPDATE variants SET"
        " stock_on_hand = CASE WHEN stock_on_hand > $1 THEN stock_on_hand - $1 ELSE 0 END,"
        " stock_reserved = CASE WHEN stock_reserved > $1 THEN stock_reserved - $1 ELSE 0 END,"
        " updated_at_ms = $3 WHERE id = $2"
    );
}

core::task<core::result<void>> stock_ledger::adjust(
    infra::db::transaction& tx,
    std::vector<stock_request> requests,
    int direction,
    std::string_view sql
) {
    std::vector<infra::bus::new_event> changed;
    for (auto& r : merged(std::move(requests))) {
        auto done =
            co_await update_variant(tx, std::string{sql}, r.quantity, r.variant_id, now_ms(clock_));
        if (!done) {
            co_return std::move(done).error();
        }
        if (!done->empty()) {
            changed.push_back(stock_event(*done, r.variant_id, direction * r.quantity));
        }
    }
    if (changed.empty()) {
        co_return core::ok();
    }
    co_return co_await infra::bus::append_many(tx, clock_, std::move(changed));
}

}  // namespace vendor
