#include "modules/shopping/cart_repo.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace shopping {
namespace {

using infra::db::row;

constexpr std::string_view cart_columns =
    "id, currency, customer_id, token_hash, email, status, merged_into, order_id, version, "
    "created_at_ms, updated_at_ms";

constexpr std::string_view item_columns =
    "id, cart_id, variant_id, product_id, vendor_id, title, sku, options, quantity, unit_amount, "
    "created_at_ms, updated_at_ms";

constexpr std::string_view promotion_columns =
    "p.id, p.code, p.name, p.kind, p.percent_off, p.amount_off, p.currency, p.minimum_subtotal, "
    "p.vendor_id, p.starts_at_ms, p.ends_at_ms, p.usage_limit, p.usage_limit_per_customer, "
    "p.times_used, p.status, p.created_at_ms, p.updated_at_ms";

std::optional<std::int64_t> optional_ms(const std::optional<core::time_point>& t) {
    return t ? std::optional{to_ms(*t)} : std::nullopt;
}

std::optional<core::time_point> optional_time(const std::optional<std::int64_t>& ms) {
    return ms ? std::optional{time_of_ms(*ms)} : std::nullopt;
}

cart read_cart(const row& r) {
    return cart{
        .id = r.get<std::string>(0),
        .currency = r.get<std::string>(1),
        .customer_id = r.get<std::optional<std::string>>(2),
        .token_hash = r.get<std::optional<std::string>>(3),
        .email = r.get<std::optional<std::string>>(4),
        .status = r.get<std::string>(5),
        .merged_into = r.get<std::optional<std::string>>(6),
        .order_id = r.get<std::optional<std::string>>(7),
        .version = r.get<std::int64_t>(8),
        .created_at = time_of_ms(r.get<std::int64_t>(9)),
        .updated_at = time_of_ms(r.get<std::int64_t>(10)),
    };
}

cart_item read_item(const row& r) {
    cart_item i{
        .id = r.get<std::string>(0),
        .cart_id = r.get<std::string>(1),
        .variant_id = r.get<std::string>(2),
        .product_id = r.get<std::string>(3),
        .vendor_id = r.get<std::string>(4),
        .title = r.get<std::string>(5),
        .sku = r.get<std::string>(6),
        .options = {},
        .quantity = r.get<std::int64_t>(8),
        .unit_amount = r.get<std::int64_t>(9),
        .created_at = time_of_ms(r.get<std::int64_t>(10)),
        .updated_at = time_of_ms(r.get<std::int64_t>(11)),
    };
    auto options = boost::json::parse(r.get<std::string>(7));
    if (options.is_object()) {
        i.options = std::move(options.get_object());
    }
    return i;
}

promotion read_promotion(const row& r) {
    return promotion{
        .id = r.get<std::string>(0),
        .code = r.get<std::optional<std::string>>(1),
        .name = r.get<std::string>(2),
        .kind = parse_promotion_kind(r.get<std::string>(3)).value_or(promotion_kind::percentage),
        .percent_off = r.get<std::optional<std::int64_t>>(4),
        .amount_off = r.get<std::optional<std::int64_t>>(5),
        .currency = r.get<std::optional<std::string>>(6),
        .minimum_subtotal = r.get<std::int64_t>(7),
        .vendor_id = r.get<std::optional<std::string>>(8),
        .starts_at = optional_time(r.get<std::optional<std::int64_t>>(9)),
        .ends_at = optional_time(r.get<std::optional<std::int64_t>>(10)),
        .usage_limit = r.get<std::optional<std::int64_t>>(11),
        .usage_limit_per_customer = r.get<std::optional<std::int64_t>>(12),
        .times_used = r.get<std::int64_t>(13),
        .status = r.get<std::string>(14),
        .created_at = time_of_ms(r.get<std::int64_t>(15)),
        .updated_at = time_of_ms(r.get<std::int64_t>(16)),
    };
}

template <class T, class Read>
core::result<std::optional<T>> first_of(core::result<infra::db::rows> rows, Read read) {
    if (!rows) {
        return std::move(rows).error();
    }
    if (rows->empty()) {
        return std::optional<T>{};
    }
    return std::optional<T>{read(rows->front())};
}

template <class T, class Read>
core::result<std::vector<T>> all_of(core::result<infra::db::rows> rows, Read read) {
    if (!rows) {
        return std::move(rows).error();
    }
    std::vector<T> out;
    out.reserve(rows->size());
    for (auto r : *rows) {
        out.push_back(read(r));
    }
    return out;
}

core::result<void> done(const core::result<infra::db::rows>& rows) {
    if (!rows) {
        return rows.error();
    }
    return {};
}

}  // namespace

core::task<core::result<std::optional<cart>>> cart_repo::find(
    infra::db::transaction& tx, std::string id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{cart_columns} + " FROM carts WHERE id = $1", std::move(id)
    );
    co_return first_of<cart>(std::move(rows), read_cart);
}

core::task<core::result<std::optional<cart>>> cart_repo::open_cart_of(
    infra::db::transaction& tx, std::string customer_id, std::string currency, std::string except_id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{cart_columns} +
            " FROM carts WHERE customer_id = $1 AND status = 'open' AND currency = $2 AND id <> $3"
            " ORDER BY updated_at_ms DESC, id DESC LIMIT 1",
        std::move(customer_id), std::move(currency), std::move(except_id)
    );
    co_return first_of<cart>(std::move(rows), read_cart);
}

core::task<core::result<void>> cart_repo::insert(infra::db::transaction& tx, const cart& c) {
    auto rows = co_await tx.query(
        "INSERT INTO carts (" + std::string{cart_columns} +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        c.id, c.currency, c.customer_id, c.token_hash, c.email, c.status, c.merged_into, c.order_id,
        c.version, to_ms(c.created_at), to_ms(c.updated_at)
    );
    co_return done(rows);
}

core::task<core::result<bool>> cart_repo::update(
    infra::db::transaction& tx, const cart& c, std::int64_t expected_version
) {
    auto rows = co_await tx.query(
        "UPDATE carts SET customer_id = $2, token_hash = $3, email = $4, status = $5, "
        "merged_into = $6, order_id = $7, version = version + 1, updated_at_ms = $8 "
        "WHERE id = $1 AND version = $9 AND status = 'open'",
        c.id, c.customer_id, c.token_hash, c.email, c.status, c.merged_into, c.order_id,
        to_ms(c.updated_at), expected_version
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return rows->affected() == 1;
}

core::task<core::result<bool>> cart_repo::close(
    infra::db::transaction& tx,
    std::string cart_id,
    std::int64_t expected_version,
    std::string order_id,
    std::optional<std::string> email,
    core::time_point now
) {
    auto rows = co_await tx.query(
        "UPDATE carts SET status = 'completed', order_id = $2, email = COALESCE(email, $3), "
        "version = version + 1, updated_at_ms = $4 WHERE id = $1 AND version = $5 AND status = "
        "'open'",
        std::move(cart_id), std::move(order_id), std::move(email), to_ms(now), expected_version
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return rows->affected() == 1;
}

core::task<core::result<bool>> cart_repo::touch(
    infra::db::transaction& tx, std::string cart_id, core::time_point now
) {
    auto rows = co_await tx.query(
        "UPDATE carts SET version = version + 1, updated_at_ms = $2 WHERE id = $1 AND status = "
        "'open'",
        std::move(cart_id), to_ms(now)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return rows->affected() == 1;
}

core::task<core::result<std::vector<cart_item>>> cart_repo::items(
    infra::db::transaction& tx, std::string cart_id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{item_columns} + " FROM cart_items WHERE cart_id = $1 ORDER BY id",
        std::move(cart_id)
    );
    co_return all_of<cart_item>(std::move(rows), read_item);
}

core::task<core::result<void>> cart_repo::insert_item(
    infra::db::transaction& tx, const cart_item& i
) {
    auto rows = co_await tx.query(
        "INSERT INTO cart_items (" + std::string{item_columns} +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        i.id, i.cart_id, i.variant_id, i.product_id, i.vendor_id, i.title, i.sku,
        boost::json::serialize(i.options), i.quantity, i.unit_amount, to_ms(i.created_at),
        to_ms(i.updated_at)
    );
    co_return done(rows);
}

core::task<core::result<void>> cart_repo::update_item(
    infra::db::transaction& tx, const cart_item& i
) {
    auto rows = co_await tx.query(
        "UPDATE cart_items SET quantity = $3, unit_amount = $4, title = $5, sku = $6, options = "
        "$7, "
        "updated_at_ms = $8 WHERE id = $1 AND cart_id = $2",
        i.id, i.cart_id, i.quantity, i.unit_amount, i.title, i.sku,
        boost::json::serialize(i.options), to_ms(i.updated_at)
    );
    co_return done(rows);
}

core::task<core::result<void>> cart_repo::delete_item(
    infra::db::transaction& tx, std::string cart_id, std::string item_id
) {
    auto rows = co_await tx.query(
        "DELETE FROM cart_items WHERE id = $1 AND cart_id = $2", std::move(item_id),
        std::move(cart_id)
    );
    co_return done(rows);
}

core::task<core::result<void>> cart_repo::move_item(
    infra::db::transaction& tx, std::string item_id, std::string to_cart_id
) {
    auto rows = co_await tx.query(
        "UPDATE cart_items SET cart_id = $2 WHERE id = $1", std::move(item_id),
        std::move(to_cart_id)
    );
    co_return done(rows);
}

core::task<core::result<std::vector<promotion>>> cart_repo::applied_codes(
    infra::db::transaction& tx, std::string cart_id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{promotion_columns} +
            " FROM cart_promotions cp JOIN promotions p ON p.id = cp.promotion_id"
            " WHERE cp.cart_id = $1 ORDER BY cp.applied_at_ms, p.id",
        std::move(cart_id)
    );
    co_return all_of<promotion>(std::move(rows), read_promotion);
}

core::task<core::result<void>> cart_repo::apply_code(
    infra::db::transaction& tx, std::string cart_id, std::string promotion_id, core::time_point now
) {
    auto rows = co_await tx.query(
        "INSERT INTO cart_promotions (cart_id, promotion_id, applied_at_ms) VALUES ($1, $2, $3) "
        "ON CONFLICT (cart_id, promotion_id) DO NOTHING",
        std::move(cart_id), std::move(promotion_id), to_ms(now)
    );
    co_return done(rows);
}

core::task<core::result<bool>> cart_repo::remove_code(
    infra::db::transaction& tx, std::string cart_id, std::string promotion_id
) {
    auto rows = co_await tx.query(
        "DELETE FROM cart_promotions WHERE cart_id = $1 AND promotion_id = $2", std::move(cart_id),
        std::move(promotion_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return rows->affected() > 0;
}

core::task<core::result<std::optional<promotion>>> cart_repo::promotion_by_id(
    infra::db::transaction& tx, std::string id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{promotion_columns} + " FROM promotions p WHERE p.id = $1",
        std::move(id)
    );
    co_return first_of<promotion>(std::move(rows), read_promotion);
}

core::task<core::result<std::optional<promotion>>> cart_repo::promotion_by_code(
    infra::db::transaction& tx, std::string code
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{promotion_columns} + " FROM promotions p WHERE p.code = $1",
        std::move(code)
    );
    co_return first_of<promotion>(std::move(rows), read_promotion);
}

core::task<core::result<std::vector<promotion>>> cart_repo::automatic_promotions(
    infra::db::transaction& tx
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{promotion_columns} +
        " FROM promotions p WHERE p.status = 'active' AND p.code IS NULL ORDER BY p.id"
    );
    co_return all_of<promotion>(std::move(rows), read_promotion);
}

core::task<core::result<std::vector<promotion>>> cart_repo::promotions_page(
    infra::db::transaction& tx, std::optional<std::string> before_id, int limit
) {
    std::string sql = "SELECT " + std::string{promotion_columns} + " FROM promotions p";
    infra::db::params args;
    if (before_id) {
        sql += " WHERE p.id < $1 ORDER BY p.id DESC LIMIT $2";
        args.emplace_back(std::move(*before_id));
    } else {
        sql += " ORDER BY p.id DESC LIMIT $1";
    }
    args.emplace_back(limit);
    auto rows = co_await tx.run(std::move(sql), std::move(args));
    co_return all_of<promotion>(std::move(rows), read_promotion);
}

core::task<core::result<void>> cart_repo::insert_promotion(
    infra::db::transaction& tx, const promotion& p
) {
    auto rows = co_await tx.query(
        "INSERT INTO promotions (id, code, name, kind, percent_off, amount_off, currency, "
        "minimum_subtotal, vendor_id, starts_at_ms, ends_at_ms, usage_limit, "
        "usage_limit_per_customer, times_used, status, created_at_ms, updated_at_ms) VALUES ($1, "
        "$2, "
        "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        p.id, p.code, p.name, to_string(p.kind), p.percent_off, p.amount_off, p.currency,
        p.minimum_subtotal, p.vendor_id, optional_ms(p.starts_at), optional_ms(p.ends_at),
        p.usage_limit, p.usage_limit_per_customer, p.times_used, p.status, to_ms(p.created_at),
        to_ms(p.updated_at)
    );
    co_return done(rows);
}

core::task<core::result<void>> cart_repo::update_promotion(
    infra::db::transaction& tx, const promotion& p
) {
    // times_used is only ever changed by redeem().
    auto rows = co_await tx.query(
        "UPDATE promotions SET name = $2, starts_at_ms = $3, ends_at_ms = $4, usage_limit = $5, "
        "usage_limit_per_customer = $6, status = $7, updated_at_ms = $8 WHERE id = $1",
        p.id, p.name, optional_ms(p.starts_at), optional_ms(p.ends_at), p.usage_limit,
        p.usage_limit_per_customer, p.status, to_ms(p.updated_at)
    );
    co_return done(rows);
}

core::task<core::result<std::int64_t>> cart_repo::used_by(
    infra::db::transaction& tx, std::string promotion_id, std::string customer_key
) {
    auto rows = co_await tx.query(
        "SELECT used FROM promotion_usage WHERE promotion_id = $1 AND customer_key = $2",
        std::move(promotion_id), std::move(customer_key)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return rows->empty() ? std::int64_t{0} : rows->front().get<std::int64_t>(0);
}

core::task<core::result<bool>> cart_repo::redeem(
    infra::db::transaction& tx,
    const promotion& p,
    std::optional<std::string> customer_key,
    std::string cart_id,
    std::string order_id,
    core::time_point now
) {
    // Under PostgreSQL's READ COMMITTED a concurrent redemption holds the row; this UPDATE waits
    // for it and re-checks the condition against the committed count.
    auto counted = co_await tx.query(
        "UPDATE promotions SET times_used = times_used + 1 WHERE id = $1 AND status = 'active' "
        "AND (usage_limit IS NULL OR times_used < usage_limit)",
        p.id
    );
    if (!counted) {
        co_return std::move(counted).error();
    }
    if (counted->affected() != 1) {
        co_return false;
    }
    if (customer_key) {
        auto ensured = co_await tx.query(
            "INSERT INTO promotion_usage (promotion_id, customer_key, used) VALUES ($1, $2, 0) "
            "ON CONFLICT (promotion_id, customer_key) DO NOTHING",
            p.id, *customer_key
        );
        if (!ensured) {
            co_return std::move(ensured).error();
        }
        std::string sql =
            "UPDATE promotion_usage SET used = used + 1 WHERE promotion_id = $1 AND customer_key = "
            "$2";
        infra::db::params args{p.id, *customer_key};
        if (p.usage_limit_per_customer) {
            sql += " AND used < $3";
            args.emplace_back(*p.usage_limit_per_customer);
        }
        auto mine = co_await tx.run(std::move(sql), std::move(args));
        if (!mine) {
            co_return std::move(mine).error();
        }
        if (mine->affected() != 1) {
            co_return false;
        }
    } else if (p.usage_limit_per_customer) {
        co_return false;
    }
    auto recorded = co_await tx.query(
        "INSERT INTO promotion_redemptions (promotion_id, cart_id, order_id, customer_key, "
        "created_at_ms) VALUES ($1, $2, $3, $4, $5)",
        p.id, std::move(cart_id), std::move(order_id), std::move(customer_key), to_ms(now)
    );
    if (!recorded) {
        co_return std::move(recorded).error();
    }
    co_return true;
}

}  // namespace shopping
