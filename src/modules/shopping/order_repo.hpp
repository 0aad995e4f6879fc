// SQL for orders, sub-orders, their items and status history.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/shopping/order_model.hpp"
#include "modules/shopping/purchases.hpp"

namespace shopping {

struct sub_order_filter {
    std::string vendor_id;
    std::optional<sub_order_status> status;
    std::optional<std::int64_t> created_from_ms;  // inclusive
    std::optional<std::int64_t> created_to_ms;    // exclusive
    std::optional<std::string> before_id;         // newest first
    int limit = 20;
};

// A sub-order id with the order it belongs to.
struct sub_order_ref {
    std::string id;
    std::string order_id;
};

// The statements that write a new order, built ahead of its transaction.
struct order_rows {
    struct statement {
        std::string sql;
        infra::db::params args;
    };
    std::vector<statement> statements;
};

class order_repo {
public:
    // The order with its sub-orders, items and their history entries, as one multi-row INSERT
    // per table.
    order_rows rows_of(const order& o) const;
    core::task<core::result<void>> insert(infra::db::transaction& tx, const order_rows& rows);

    // Orders with sub-orders, items and history, in the order of `ids` (missing ones skipped).
    core::task<core::result<std::vector<order>>> load(
        infra::db::transaction& tx, std::vector<std::string> ids
    );
    core::task<core::result<std::optional<order>>> find(infra::db::transaction& tx, std::string id);

    // A customer's order ids, newest first, before `before_id`.
    core::task<core::result<std::vector<std::string>>> ids_of_customer(
        infra::db::transaction& tx,
        std::string customer_id,
        std::optional<order_status> status,
        std::optional<std::string> before_id,
        int limit
    );
    core::task<core::result<std::vector<sub_order_ref>>> sub_orders_of_vendor(
        infra::db::transaction& tx, const sub_order_filter& f
    );
    core::task<core::result<std::optional<sub_order_ref>>> sub_order_ref_of(
        infra::db::transaction& tx, std::string sub_order_id
    );

    // Moves a sub-order from `from` to `to`; false when it was no longer in `from` (a concurrent
    // change won).
    core::task<core::result<bool>> move_sub_order(
        infra::db::transaction& tx,
        const std::string& id,
        sub_order_status from,
        sub_order_status to,
        const std::optional<std::string>& reason,
        std::int64_t now_ms
    );
    core::task<core::result<bool>> move_order(
        infra::db::transaction& tx,
        const std::string& id,
        order_status from,
        order_status to,
        std::int64_t now_ms
    );
    core::task<core::result<void>> set_payment_status(
        infra::db::transaction& tx, const std::string& id, std::string status, std::int64_t now_ms
    );
    core::task<core::result<void>> add_history(
        infra::db::transaction& tx, const std::string& order_id, const history_entry& h
    );

    // Unpaid orders whose reservation ran out, oldest first.
    core::task<core::result<std::vector<std::string>>> expired_unpaid(
        infra::db::transaction& tx, std::int64_t now_ms, int limit
    );

    core::task<core::result<std::optional<purchase>>> purchase_of(
        infra::db::transaction& tx, std::string user_id, std::string order_id, std::string product_id
    );
};

}  // namespace shopping
