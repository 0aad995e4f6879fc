#include "modules/customer/review_repo.hpp"

namespace customer {
namespace {

constexpr std::string_view columns =
    "id, user_id, order_id, sub_order_id, product_id, vendor_id, rating, title, body, reply_body, "
    "reply_by, replied_at_ms, created_at_ms, updated_at_ms";

review read_review(const infra::db::row& r) {
    review out;
    out.id = r.get<std::string>(0);
    out.user_id = r.get<std::string>(1);
    out.order_id = r.get<std::string>(2);
    out.sub_order_id = r.get<std::string>(3);
    out.product_id = r.get<std::string>(4);
    out.vendor_id = r.get<std::string>(5);
    out.rating = static_cast<int>(r.get<std::int64_t>(6));
    out.title = r.get<std::optional<std::string>>(7);
    out.body = r.get<std::string>(8);
    if (auto reply_body = r.get<std::optional<std::string>>(9)) {
        out.vendor_reply = reply{
            .body = std::move(*reply_body),
            .author_id = r.get<std::optional<std::string>>(10).value_or(""),
            .replied_at = from_ms(r.get<std::optional<std::int64_t>>(11).value_or(0))};
    }
    out.created_at = from_ms(r.get<std::int64_t>(12));
    out.updated_at = from_ms(r.get<std::int64_t>(13));
    return out;
}

}  // namespace

core::task<core::result<std::optional<review>>> review_repo::find(
    infra::db::transaction& tx, std::string id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{columns} + " FROM reviews WHERE id = $1", std::move(id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<review>{};
    }
    co_return std::optional{read_review(rows->front())};
}

core::task<core::result<std::optional<std::string>>> review_repo::id_of(
    infra::db::transaction& tx, std::string order_id, std::string product_id
) {
    auto rows = co_await tx.query(
        "SELECT id FROM reviews WHERE order_id = $1 AND product_id = $2", std::move(order_id),
        std::move(product_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<std::string>{};
    }
    co_return std::optional{rows->front().get<std::string>(0)};
}

core::task<core::result<std::vector<review>>> review_repo::page(
    infra::db::transaction& tx, review_filter f
) {
    std::string sql = "SELECT " + std::string{columns} + " FROM reviews WHERE ";
    infra::db::params args;
    // The scope first (author, store or product), then the optional product filter within it.
    const bool scoped = f.user_id || f.vendor_id;
    if (f.user_id) {
        args.emplace_back(std::move(*f.user_id));
        sql += "user_id = $1";
    } else if (f.vendor_id) {
        args.emplace_back(std::move(*f.vendor_id));
        sql += "vendor_id = $1";
    } else {
        args.emplace_back(f.product_id.value_or(""));
        sql += "product_id = $1";
    }
    if (scoped && f.product_id) {
        args.emplace_back(std::move(*f.product_id));
        sql += " AND product_id = $" + std::to_string(args.size());
    }
    if (f.replied) {
        sql += *f.replied ? " AND reply_body IS NOT NULL" : " AND reply_body IS NULL";
    }
    if (f.before_id) {
        args.emplace_back(std::move(*f.before_id));
        sql += " AND id < $" + std::to_string(args.size());
    }
    args.emplace_back(f.limit);
    sql += " ORDER BY id DESC LIMIT $" + std::to_string(args.size());
    auto rows = co_await tx.run(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<review> out;
    out.reserve(rows->size());
    for (auto r : *rows) {
        out.push_back(read_review(r));
    }
    co_return out;
}

core::task<core::result<void>> review_repo::insert(infra::db::transaction& tx, const review& r) {
    std::optional<std::string> reply_body;
    std::optional<std::string> reply_by;
    std::optional<std::int64_t> replied_at;
    if (r.vendor_reply) {
        reply_body = r.vendor_reply->body;
        reply_by = r.vendor_reply->author_id;
        replied_at = to_ms(r.vendor_reply->replied_at);
    }
    infra::db::params args{
        r.id,
        r.user_id,
        r.order_id,
        r.sub_order_id,
        r.product_id,
        r.vendor_id,
        r.rating,
        r.title,
        r.body,
        reply_body,
        reply_by,
        replied_at,
        to_ms(r.created_at),
        to_ms(r.updated_at)};
    auto done = co_await tx.run(
        "INSERT INTO reviews (" + std::string{columns} +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> review_repo::update(infra::db::transaction& tx, const review& r) {
    std::optional<std::string> reply_body;
    std::optional<std::string> reply_by;
    std::optional<std::int64_t> replied_at;
    if (r.vendor_reply) {
        reply_body = r.vendor_reply->body;
        reply_by = r.vendor_reply->author_id;
        replied_at = to_ms(r.vendor_reply->replied_at);
    }
    infra::db::params args{r.id,       r.rating, r.title,    r.body,
                           reply_body, reply_by, replied_at, to_ms(r.updated_at)};
    auto done = co_await tx.run(
        "UPDATE reviews SET rating = $2, title = $3, body = $4, reply_body = $5, reply_by = $6, "
        "replied_at_ms = $7, updated_at_ms = $8 WHERE id = $1",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> review_repo::remove(infra::db::transaction& tx, std::string id) {
    auto done = co_await tx.query("DELETE FROM reviews WHERE id = $1", std::move(id));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<rating_aggregate>> review_repo::refresh(
    infra::db::transaction& tx, std::string_view scope, std::string subject_id, core::time_point now
) {
    auto bumped = co_await tx.query(
        "INSERT INTO review_aggregates (scope, subject_id, rating_sum, rating_count, version, "
        "updated_at_ms) VALUES ($1, $2, 0, 0, 1, $3) ON CONFLICT (scope, subject_id) DO UPDATE "
        "SET version = review_aggregates.version + 1, updated_at_ms = excluded.updated_at_ms "
        "RETURNING version",
        scope, subject_id, to_ms(now)
    );
    if (!bumped) {
        co_return std::move(bumped).error();
    }
    rating_aggregate out;
    out.version = bumped->front().get<std::int64_t>(0);
    std::string column = scope == "product" ? "product_id" : "vendor_id";
    auto counted = co_await tx.query(
        "SELECT COUNT(*), COALESCE(SUM(rating), 0) FROM reviews WHERE " + column + " = $1",
        subject_id
    );
    if (!counted) {
        co_return std::move(counted).error();
    }
    out.count = counted->front().get<std::int64_t>(0);
    out.sum = counted->front().get<std::int64_t>(1);
    auto stored = co_await tx.query(
        "UPDATE review_aggregates SET rating_sum = $3, rating_count = $4 WHERE scope = $1 AND "
        "subject_id = $2",
        scope, std::move(subject_id), out.sum, out.count
    );
    if (!stored) {
        co_return std::move(stored).error();
    }
    co_return out;
}

core::task<core::result<rating_summary>> review_repo::summary(
    infra::db::transaction& tx, std::string product_id
) {
    auto rows = co_await tx.query(
        "SELECT rating, COUNT(*) FROM reviews WHERE product_id = $1 GROUP BY rating",
        std::move(product_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    rating_summary out;
    for (auto r : *rows) {
        auto stars = r.get<std::int64_t>(0);
        auto n = r.get<std::int64_t>(1);
        if (stars < 1 || stars > 5) {
            continue;
        }
        out.stars[stars - 1] = n;
        out.aggregate.count += n;
        out.aggregate.sum += stars * n;
    }
    co_return out;
}

}  // namespace customer
