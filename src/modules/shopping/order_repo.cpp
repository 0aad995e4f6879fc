#include "modules/shopping/order_repo.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>

#include "core/ids.hpp"

namespace shopping {
namespace {

using infra::db::param;
using infra::db::params;

std::int64_t ms_of(core::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

core::time_point point_of(std::int64_t ms) {
    return core::time_point{std::chrono::milliseconds{ms}};
}

// "$<first>, $<first+1>, ..." for `n` parameters.
std::string placeholders(std::size_t n, std::size_t first = 1) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0) {
            out += ", ";
        }
        out += "$" + std::to_string(first + i);
    }
    return out;
}

boost::json::object object_of(const std::string& text) {
    auto v = boost::json::parse(text);
    return v.is_object() ? std::move(v.as_object()) : boost::json::object{};
}

std::vector<std::string> strings_of(const std::string& text) {
    std::vector<std::string> out;
    auto v = boost::json::parse(text);
    if (v.is_array()) {
        for (const auto& s : v.as_array()) {
            if (s.is_string()) {
                out.emplace_back(s.as_string());
            }
        }
    }
    return out;
}

// Rows of one table in one statement: "INSERT ... VALUES (...), (...)".
struct multi_insert {
    std::string sql;
    infra::db::params args;
    std::size_t rows = 0;
    std::size_t width;

    multi_insert(std::string head, std::size_t columns) : sql(std::move(head)), width(columns) {}

    void add(infra::db::params row) {
        sql += rows++ == 0 ? " VALUES (" : ", (";
        sql += placeholders(width, args.size() + 1);
        sql += ")";
        for (auto& a : row) {
            args.push_back(std::move(a));
        }
    }
};

multi_insert history_insert() {
    return {
        "INSERT INTO order_history (id, order_id, seq, sub_order_id, from_status, to_status, actor,"
        " actor_id, reason, at_ms)",
        10};
}

infra::db::params history_row(const std::string& order_id, std::int64_t seq, const history_entry& h) {
    return {
        param(core::new_id("ohis", h.at)), param(order_id), param(seq), param(h.sub_order_id),
        param(h.from), param(h.to), param(h.actor), param(h.actor_id), param(h.reason),
        param(ms_of(h.at))};
}

core::task<core::result<void>> insert_history(
    infra::db::transaction& tx, const std::string& order_id, std::int64_t seq, const history_entry& h
) {
    auto one = history_insert();
    one.add(history_row(order_id, seq, h));
    auto done = co_await tx.run(std::move(one.sql), std::move(one.args));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

}  // namespace

order_rows order_repo::rows_of(const order& o) const {
    boost::json::array promos;
    for (const auto& p : o.promotion_ids) {
        promos.push_back(boost::json::string{p});
    }
    std::optional<std::int64_t> reserved_until;
    if (o.reserved_until) {
        reserved_until = ms_of(*o.reserved_until);
    }
    multi_insert orders{
        "INSERT INTO orders (id, customer_id, cart_id, email, currency, status, payment_method,"
        " payment_status, delivery_method, shipping_address, subtotal, discount, delivery_fee, tax,"
        " total, promotion_ids, reserved_until_ms, version, created_at_ms, updated_at_ms)",
        20};
    orders.add(infra::db::params{
        param(o.id),
        param(o.customer_id),
        param(o.cart_id),
        param(o.email),
        param(o.currency),
        param(std::string{to_string(o.status)}),
        param(o.payment_method),
        param(o.payment_status),
        param(std::string{delivery_name(o.delivery)}),
        param(address_text(o.address)),
        param(o.totals.subtotal),
        param(o.totals.discount),
        param(o.totals.delivery),
        param(o.totals.tax),
        param(o.totals.total),
        param(boost::json::serialize(promos)),
        param(reserved_until),
        param(std::int64_t{1}),
        param(ms_of(o.created_at)),
        param(ms_of(o.created_at))});

    multi_insert subs{
        "INSERT INTO sub_orders (id, order_id, vendor_id, status, delivery_method, distance_m,"
        " subtotal, discount, delivery_fee, tax, total, reason, version, created_at_ms,"
        " updated_at_ms)",
        15};
    multi_insert items{
        "INSERT INTO order_items (id, order_id, sub_order_id, product_id, variant_id, title, sku,"
        " options, quantity, unit_amount, subtotal, discount, total)",
        13};
    auto history = history_insert();
    std::int64_t seq = 0;
    auto add_history = [&](const history_entry& h) { history.add(history_row(o.id, ++seq, h)); };
    for (const auto& h : o.history) {
        add_history(h);
    }
    for (const auto& s : o.sub_orders) {
        subs.add(infra::db::params{
            param(s.id), param(o.id), param(s.vendor_id), param(std::string{to_string(s.status)}),
            param(std::string{delivery_name(s.delivery)}), param(s.distance_m),
            param(s.totals.subtotal), param(s.totals.discount), param(s.totals.delivery),
            param(s.totals.tax), param(s.totals.total), param(std::optional<std::string>{}),
            param(std::int64_t{1}), param(ms_of(s.created_at)), param(ms_of(s.created_at))});
        for (const auto& i : s.items) {
            items.add(infra::db::params{
                param(i.id), param(o.id), param(s.id), param(i.product_id), param(i.variant_id),
                param(i.title), param(i.sku), param(boost::json::serialize(i.options)),
                param(i.quantity), param(i.unit_amount), param(i.subtotal), param(i.discount),
                param(i.total)});
        }
        for (const auto& h : s.history) {
            add_history(h);
        }
    }
    // Parents first: sub-orders reference the order, items their sub-order.
    order_rows out;
    for (auto* table : {&orders, &subs, &items, &history}) {
        if (table->rows > 0) {
            out.statements.push_back({std::move(table->sql), std::move(table->args)});
        }
    }
    return out;
}

core::task<core::result<void>> order_repo::insert(
    infra::db::transaction& tx, const order_rows& rows
) {
    for (const auto& s : rows.statements) {
        // Kept, not moved: the transaction body may run again.
        auto done = co_await tx.run_kept(s.sql, s.args);
        if (!done) {
            co_return std::move(done).error();
        }
    }
    co_return core::ok();
}

core::task<core::result<std::vector<order>>> order_repo::load(
    infra::db::transaction& tx, std::vector<std::string> ids
) {
    std::vector<order> out;
    if (ids.empty()) {
        co_return out;
    }
    params keys;
    for (const auto& id : ids) {
        keys.emplace_back(id);
    }
    auto in = placeholders(ids.size());
    auto orders_sql =
        "SELECT id, customer_id, cart_id, email, currency, status, payment_method, payment_status,"
        " delivery_method, shipping_address, subtotal, discount, delivery_fee, tax, total,"
        " promotion_ids, reserved_until_ms, version, created_at_ms, updated_at_ms FROM orders"
        " WHERE id IN (" + in + ")";
    auto rows = co_await tx.run(std::move(orders_sql), keys);
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::map<std::string, order> by_id;
    for (auto r : *rows) {
        order o;
        o.id = r.get<std::string>(0);
        o.customer_id = r.get<std::optional<std::string>>(1);
        o.cart_id = r.get<std::string>(2);
        o.email = r.get<std::optional<std::string>>(3);
        o.currency = r.get<std::string>(4);
        o.status = parse_order_status(r.get<std::string>(5)).value_or(order_status::placed);
        o.payment_method = r.get<std::string>(6);
        o.payment_status = r.get<std::string>(7);
        o.delivery = r.get<std::string>(8) == "pickup" ? delivery_method::pickup
                                                       : delivery_method::courier;
        o.address = shipping_address_from_json(object_of(r.get<std::string>(9)));
        o.totals = amounts{
            r.get<std::int64_t>(10), r.get<std::int64_t>(11), r.get<std::int64_t>(12),
            r.get<std::int64_t>(13), r.get<std::int64_t>(14)};
        o.promotion_ids = strings_of(r.get<std::string>(15));
        if (auto until = r.get<std::optional<std::int64_t>>(16)) {
            o.reserved_until = point_of(*until);
        }
        o.version = r.get<std::int64_t>(17);
        o.created_at = point_of(r.get<std::int64_t>(18));
        o.updated_at = point_of(r.get<std::int64_t>(19));
        by_id.emplace(o.id, std::move(o));
    }
    auto subs_sql =
        "SELECT id, order_id, vendor_id, status, delivery_method, distance_m, subtotal, discount,"
        " delivery_fee, tax, total, reason, version, created_at_ms, updated_at_ms FROM sub_orders"
        " WHERE order_id IN (" + in + ") ORDER BY order_id, id";
    auto subs = co_await tx.run(std::move(subs_sql), keys);
    if (!subs) {
        co_return std::move(subs).error();
    }
    std::map<std::string, sub_order*> sub_by_id;
    for (auto r : *subs) {
        auto found = by_id.find(r.get<std::string>(1));
        if (found == by_id.end()) {
            continue;
        }
        sub_order s;
        s.id = r.get<std::string>(0);
        s.order_id = found->first;
        s.vendor_id = r.get<std::string>(2);
        s.status = parse_sub_order_status(r.get<std::string>(3)).value_or(sub_order_status::placed);
        s.delivery = r.get<std::string>(4) == "pickup" ? delivery_method::pickup
                                                       : delivery_method::courier;
        s.distance_m = r.get<std::optional<std::int64_t>>(5);
        s.totals = amounts{
            r.get<std::int64_t>(6), r.get<std::int64_t>(7), r.get<std::int64_t>(8),
            r.get<std::int64_t>(9), r.get<std::int64_t>(10)};
        s.reason = r.get<std::optional<std::string>>(11);
        s.version = r.get<std::int64_t>(12);
        s.created_at = point_of(r.get<std::int64_t>(13));
        s.updated_at = point_of(r.get<std::int64_t>(14));
        found->second.sub_orders.push_back(std::move(s));
    }
    for (auto& [id, o] : by_id) {
        for (auto& s : o.sub_orders) {
            sub_by_id.emplace(s.id, &s);
        }
    }
    auto items_sql =
        "SELECT id, sub_order_id, product_id, variant_id, title, sku, options, quantity,"
        " unit_amount, subtotal, discount, total FROM order_items WHERE order_id IN (" + in +
        ") ORDER BY sub_order_id, id";
    auto items = co_await tx.run(std::move(items_sql), keys);
    if (!items) {
        co_return std::move(items).error();
    }
    for (auto r : *items) {
        auto found = sub_by_id.find(r.get<std::string>(1));
        if (found == sub_by_id.end()) {
            continue;
        }
        found->second->items.push_back(order_item{
            .id = r.get<std::string>(0),
            .product_id = r.get<std::string>(2),
            .variant_id = r.get<std::string>(3),
            .title = r.get<std::string>(4),
            .sku = r.get<std::string>(5),
            .options = object_of(r.get<std::string>(6)),
            .quantity = r.get<std::int64_t>(7),
            .unit_amount = r.get<std::int64_t>(8),
            .subtotal = r.get<std::int64_t>(9),
            .discount = r.get<std::int64_t>(10),
            .total = r.get<std::int64_t>(11)});
    }
    auto history_sql =
        "SELECT order_id, sub_order_id, from_status, to_status, actor, actor_id, reason, at_ms"
        " FROM order_history WHERE order_id IN (" + in + ") ORDER BY order_id, seq";
    auto history = co_await tx.run(std::move(history_sql), std::move(keys));
    if (!history) {
        co_return std::move(history).error();
    }
    for (auto r : *history) {
        history_entry h{
            .sub_order_id = r.get<std::optional<std::string>>(1),
            .from = r.get<std::optional<std::string>>(2),
            .to = r.get<std::string>(3),
            .actor = r.get<std::string>(4),
            .actor_id = r.get<std::optional<std::string>>(5),
            .reason = r.get<std::optional<std::string>>(6),
            .at = point_of(r.get<std::int64_t>(7))};
        if (h.sub_order_id) {
            auto found = sub_by_id.find(*h.sub_order_id);
            if (found != sub_by_id.end()) {
                found->second->history.push_back(std::move(h));
            }
            continue;
        }
        auto found = by_id.find(r.get<std::string>(0));
        if (found != by_id.end()) {
            found->second.history.push_back(std::move(h));
        }
    }
    out.reserve(ids.size());
    for (const auto& id : ids) {
        auto found = by_id.find(id);
        if (found != by_id.end()) {
            out.push_back(std::move(found->second));
        }
    }
    co_return out;
}

core::task<core::result<std::optional<order>>> order_repo::find(
    infra::db::transaction& tx, std::string id
) {
    std::vector<std::string> ids{std::move(id)};
    auto found = co_await load(tx, std::move(ids));
    if (!found) {
        co_return std::move(found).error();
    }
    if (found->empty()) {
        co_return std::optional<order>{};
    }
    co_return std::optional<order>{std::move(found->front())};
}

core::task<core::result<std::vector<std::string>>> order_repo::ids_of_customer(
    infra::db::transaction& tx,
    std::string customer_id,
    std::optional<order_status> status,
    std::optional<std::string> before_id,
    int limit
) {
    // Only the filters present: PostgreSQL cannot type a parameter that is only ever NULL.
    std::string sql = "SELECT id FROM orders WHERE customer_id = $1";
    params args{param(std::move(customer_id))};
    if (status) {
        args.emplace_back(std::string{to_string(*status)});
        sql += " AND status = $" + std::to_string(args.size());
    }
    if (before_id) {
        args.emplace_back(std::move(*before_id));
        sql += " AND id < $" + std::to_string(args.size());
    }
    args.emplace_back(limit);
    sql += " ORDER BY id DESC LIMIT $" + std::to_string(args.size());
    auto rows = co_await tx.run(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<std::string> out;
    for (auto r : *rows) {
        out.push_back(r.get<std::string>(0));
    }
    co_return out;
}

core::task<core::result<std::vector<sub_order_ref>>> order_repo::sub_orders_of_vendor(
    infra::db::transaction& tx, const sub_order_filter& f
) {
    std::string sql = "SELECT id, order_id FROM sub_orders WHERE vendor_id = $1";
    params args{param(f.vendor_id)};
    if (f.status) {
        args.emplace_back(std::string{to_string(*f.status)});
        sql += " AND status = $" + std::to_string(args.size());
    }
    if (f.created_from_ms) {
        args.emplace_back(*f.created_from_ms);
        sql += " AND created_at_ms >= $" + std::to_string(args.size());
    }
    if (f.created_to_ms) {
        args.emplace_back(*f.created_to_ms);
        sql += " AND created_at_ms < $" + std::to_string(args.size());
    }
    if (f.before_id) {
        args.emplace_back(*f.before_id);
        sql += " AND id < $" + std::to_string(args.size());
    }
    args.emplace_back(f.limit);
    sql += " ORDER BY id DESC LIMIT $" + std::to_string(args.size());
    auto rows = co_await tx.run(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<sub_order_ref> out;
    for (auto r : *rows) {
        out.push_back(sub_order_ref{r.get<std::string>(0), r.get<std::string>(1)});
    }
    co_return out;
}

core::task<core::result<std::optional<sub_order_ref>>> order_repo::sub_order_ref_of(
    infra::db::transaction& tx, std::string sub_order_id
) {
    auto rows = co_await tx.query(
        "SELECT id, order_id FROM sub_orders WHERE id = $1", std::move(sub_order_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<sub_order_ref>{};
    }
    auto r = rows->front();
    co_return std::optional{sub_order_ref{r.get<std::string>(0), r.get<std::string>(1)}};
}

core::task<core::result<bool>> order_repo::move_sub_order(
    infra::db::transaction& tx,
    const std::string& id,
    sub_order_status from,
    sub_order_status to,
    const std::optional<std::string>& reason,
    std::int64_t now_ms
) {
    auto moved = co_await tx.query(
        "UPDATE sub_orders SET status = $3, reason = COALESCE($4, reason), version = version + 1,"
        " updated_at_ms = $5 WHERE id = $1 AND status = $2",
        id, std::string{to_string(from)}, std::string{to_string(to)}, reason, now_ms
    );
    if (!moved) {
        co_return std::move(moved).error();
    }
    co_return moved->affected() == 1;
}

core::task<core::result<bool>> order_repo::move_order(
    infra::db::transaction& tx,
    const std::string& id,
    order_status from,
    order_status to,
    std::int64_t now_ms
) {
    auto moved = co_await tx.query(
        "UPDATE orders SET status = $3, reserved_until_ms = CASE WHEN $3 = 'pending_payment'"
        " THEN reserved_until_ms ELSE NULL END, version = version + 1, updated_at_ms = $4"
        " WHERE id = $1 AND status = $2",
        id, std::string{to_string(from)}, std::string{to_string(to)}, now_ms
    );
    if (!moved) {
        co_return std::move(moved).error();
    }
    co_return moved->affected() == 1;
}

core::task<core::result<void>> order_repo::set_payment_status(
    infra::db::transaction& tx, const std::string& id, std::string status, std::int64_t now_ms
) {
    auto done = co_await tx.query(
        "UPDATE orders SET payment_status = $2, updated_at_ms = $3 WHERE id = $1", id,
        std::move(status), now_ms
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> order_repo::add_history(
    infra::db::transaction& tx, const std::string& order_id, const history_entry& h
) {
    auto last = co_await tx.query(
        "SELECT COALESCE(MAX(seq), 0) FROM order_history WHERE order_id = $1", order_id
    );
    if (!last) {
        co_return std::move(last).error();
    }
    co_return co_await insert_history(tx, order_id, last->front().get<std::int64_t>(0) + 1, h);
}

core::task<core::result<std::vector<std::string>>> order_repo::expired_unpaid(
    infra::db::transaction& tx, std::int64_t now_ms, int limit
) {
    auto rows = co_await tx.query(
        "SELECT id FROM orders WHERE status = 'pending_payment' AND reserved_until_ms < $1"
        " ORDER BY reserved_until_ms LIMIT $2",
        now_ms, limit
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<std::string> out;
    for (auto r : *rows) {
        out.push_back(r.get<std::string>(0));
    }
    co_return out;
}

core::task<core::result<std::optional<purchase>>> order_repo::purchase_of(
    infra::db::transaction& tx, std::string user_id, std::string order_id, std::string product_id
) {
    // The latest history entry that delivered the sub-order dates the delivery.
    auto rows = co_await tx.query(
        "SELECT s.id, s.vendor_id, s.status,"
        " (SELECT MAX(h.at_ms) FROM order_history h WHERE h.sub_order_id = s.id"
        "  AND h.to_status = 'delivered')"
        " FROM orders o JOIN sub_orders s ON s.order_id = o.id"
        " JOIN order_items i ON i.sub_order_id = s.id"
        " WHERE o.id = $1 AND o.customer_id = $2 AND i.product_id = $3 LIMIT 1",
        order_id, std::move(user_id), product_id
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<purchase>{};
    }
    auto r = rows->front();
    purchase p{
        .order_id = std::move(order_id),
        .sub_order_id = r.get<std::string>(0),
        .vendor_id = r.get<std::string>(1),
        .product_id = std::move(product_id),
        .delivered_at = std::nullopt};
    auto status = r.get<std::string>(2);
    auto at = r.get<std::optional<std::int64_t>>(3);
    if ((status == "delivered" || status == "refunded") && at) {
        p.delivered_at = point_of(*at);
    }
    co_return std::optional<purchase>{std::move(p)};
}

}  // namespace shopping
