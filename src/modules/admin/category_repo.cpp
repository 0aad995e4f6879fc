#include "modules/admin/category_repo.hpp"

namespace admin {
namespace {

using infra::db::row;

constexpr std::string_view columns =
    "id, parent_id, handle, name, description, position, created_at_ms, updated_at_ms";

category read_category(const row& r) {
    category c;
    c.id = r.get<std::string>(0);
    c.parent_id = r.get<std::optional<std::string>>(1);
    c.handle = r.get<std::string>(2);
    c.name = r.get<std::string>(3);
    c.description = r.get<std::optional<std::string>>(4);
    c.position = r.get<int>(5);
    c.created_at = from_ms(r.get<std::int64_t>(6));
    c.updated_at = from_ms(r.get<std::int64_t>(7));
    return c;
}

std::vector<category> read_all(const infra::db::rows& rows) {
    std::vector<category> out;
    out.reserve(rows.size());
    for (auto r : rows) {
        out.push_back(read_category(r));
    }
    return out;
}

}  // namespace

core::task<core::result<std::vector<category>>> category_repo::all(infra::db::transaction& tx) {
    auto rows = co_await tx.query("SELECT " + std::string{columns} + " FROM categories");
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return read_all(*rows);
}

core::task<core::result<std::optional<category>>> category_repo::find(
    infra::db::transaction& tx, std::string id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{columns} + " FROM categories WHERE id = $1", std::move(id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<category>{};
    }
    co_return std::optional{read_category(rows->front())};
}

core::task<core::result<std::vector<category>>> category_repo::page(
    infra::db::transaction& tx, std::optional<std::string> before_id, int limit
) {
    auto sql = "SELECT " + std::string{columns} + " FROM categories";
    infra::db::params args;
    if (before_id) {
        args.emplace_back(std::move(*before_id));
        sql += " WHERE id < $1";
    }
    args.emplace_back(limit);
    sql += " ORDER BY id DESC LIMIT $" + std::to_string(args.size());
    auto rows = co_await tx.run(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return read_all(*rows);
}

core::task<core::result<std::vector<std::string>>> category_repo::handles_like(
    infra::db::transaction& tx, std::string base
) {
    // Handles hold no LIKE wildcards ([a-z0-9-] only), so the prefix needs no escaping.
    auto pattern = base + "-%";
    auto rows = co_await tx.query(
        "SELECT handle FROM categories WHERE handle = $1 OR handle LIKE $2", std::move(base),
        std::move(pattern)
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

core::task<core::result<bool>> category_repo::handle_taken(
    infra::db::transaction& tx, std::string handle, std::string except_id
) {
    auto rows = co_await tx.query(
        "SELECT id FROM categories WHERE handle = $1 AND id <> $2", std::move(handle),
        std::move(except_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return !rows->empty();
}

core::task<core::result<bool>> category_repo::has_children(
    infra::db::transaction& tx, std::string id
) {
    auto rows =
        co_await tx.query("SELECT id FROM categories WHERE parent_id = $1 LIMIT 1", std::move(id));
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return !rows->empty();
}

core::task<core::result<std::optional<std::string>>> category_repo::parent_of(
    infra::db::transaction& tx, std::string id
) {
    auto rows = co_await tx.query("SELECT parent_id FROM categories WHERE id = $1", std::move(id));
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<std::string>{};
    }
    co_return rows->front().get<std::optional<std::string>>(0);
}

core::task<core::result<void>> category_repo::insert(infra::db::transaction& tx, category c) {
    auto done = co_await tx.query(
        "INSERT INTO categories (id, parent_id, handle, name, description, position, "
        "created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        std::move(c.id), std::move(c.parent_id), std::move(c.handle), std::move(c.name),
        std::move(c.description), c.position, to_ms(c.created_at), to_ms(c.updated_at)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> category_repo::update(infra::db::transaction& tx, category c) {
    auto done = co_await tx.query(
        "UPDATE categories SET parent_id = $2, handle = $3, name = $4, description = $5, "
        "position = $6, updated_at_ms = $7 WHERE id = $1",
        std::move(c.id), std::move(c.parent_id), std::move(c.handle), std::move(c.name),
        std::move(c.description), c.position, to_ms(c.updated_at)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> category_repo::remove(infra::db::transaction& tx, std::string id) {
    auto done = co_await tx.query("DELETE FROM categories WHERE id = $1", std::move(id));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

}  // namespace admin
