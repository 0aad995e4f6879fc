#include "modules/customer/wishlist_repo.hpp"

namespace customer {
namespace {

wishlist_item read_item(const infra::db::row& r) {
    return wishlist_item{
        .id = r.get<std::string>(0),
        .product_id = r.get<std::string>(1),
        .added_at = from_ms(r.get<std::int64_t>(2))};
}

}  // namespace

core::task<core::result<std::vector<wishlist_item>>> wishlist_repo::page(
    infra::db::transaction& tx, std::string user_id, std::optional<std::string> before_id, int limit
) {
    std::string sql = "SELECT id, product_id, created_at_ms FROM wishlist_items WHERE user_id = $1";
    infra::db::params args{std::move(user_id)};
    if (before_id) {
        args.emplace_back(std::move(*before_id));
        sql += " AND id < $2";
    }
    args.emplace_back(limit);
    sql += " ORDER BY id DESC LIMIT $" + std::to_string(args.size());
    auto rows = co_await tx.run(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<wishlist_item> out;
    out.reserve(rows->size());
    for (auto r : *rows) {
        out.push_back(read_item(r));
    }
    co_return out;
}

core::task<core::result<std::optional<wishlist_item>>> wishlist_repo::find(
    infra::db::transaction& tx, std::string user_id, std::string product_id
) {
    auto rows = co_await tx.query(
        "SELECT id, product_id, created_at_ms FROM wishlist_items WHERE user_id = $1 AND "
        "product_id = $2",
        std::move(user_id), std::move(product_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<wishlist_item>{};
    }
    co_return std::optional{read_item(rows->front())};
}

core::task<core::result<std::int64_t>> wishlist_repo::count(
    infra::db::transaction& tx, std::string user_id
) {
    auto rows = co_await tx.query(
        "SELECT COUNT(*) FROM wishlist_items WHERE user_id = $1", std::move(user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return rows->front().get<std::int64_t>(0);
}

core::task<core::result<void>> wishlist_repo::insert(
    infra::db::transaction& tx, std::string user_id, const wishlist_item& w
) {
    auto done = co_await tx.query(
        "INSERT INTO wishlist_items (id, user_id, product_id, created_at_ms) VALUES ($1, $2, $3, "
        "$4)",
        w.id, std::move(user_id), w.product_id, to_ms(w.added_at)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<bool>> wishlist_repo::remove(
    infra::db::transaction& tx, std::string user_id, std::string product_id
) {
    auto done = co_await tx.query(
        "DELETE FROM wishlist_items WHERE user_id = $1 AND product_id = $2", std::move(user_id),
        std::move(product_id)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return done->affected() > 0;
}

}  // namespace customer
