#include "modules/customer/customer_repo.hpp"

#include "modules/customer/model.hpp"

namespace customer {

core::task<core::result<void>> customer_repo::lock(
    infra::db::transaction& tx, std::string user_id, core::time_point now
) {
    auto done = co_await tx.query(
        "INSERT INTO customers (user_id, created_at_ms, updated_at_ms) VALUES ($1, $2, $2)"
        " ON CONFLICT (user_id) DO UPDATE SET updated_at_ms = excluded.updated_at_ms",
        std::move(user_id), to_ms(now)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> customer_repo::forget(
    infra::db::transaction& tx, std::string user_id
) {
    for (std::string_view table : {"customer_addresses", "wishlist_items", "customers"}) {
        auto done =
            co_await tx.query("DELETE FROM " + std::string{table} + " WHERE user_id = $1", user_id);
        if (!done) {
            co_return std::move(done).error();
        }
    }
    co_return core::ok();
}

}  // namespace customer
