#include "modules/admin/seed.hpp"

#include <algorithm>

#include "modules/admin/model.hpp"

namespace admin::seed {

core::task<core::result<std::int64_t>> count_categories(infra::db::transaction& tx) {
    auto rows = co_await tx.query("SELECT COUNT(*) FROM categories");
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return rows->front().get<std::int64_t>(0);
}

core::task<core::result<void>> insert_categories(
    infra::db::transaction& tx, std::vector<category> all
) {
    constexpr std::size_t columns = 8;
    constexpr std::size_t rows_per_statement = 100;
    for (std::size_t start = 0; start < all.size(); start += rows_per_statement) {
        auto end = std::min(all.size(), start + rows_per_statement);
        std::string sql =
            "INSERT INTO categories (id, parent_id, handle, name, description, position, "
            "created_at_ms, updated_at_ms) VALUES ";
        infra::db::params args;
        args.reserve((end - start) * columns);
        for (auto i = start; i < end; ++i) {
            auto& c = all[i];
            auto n = args.size();
            sql += i == start ? "(" : ", (";
            for (std::size_t k = 1; k <= columns; ++k) {
                sql += (k == 1 ? "$" : ", $") + std::to_string(n + k);
            }
            sql += ")";
            args.emplace_back(std::move(c.id));
            args.emplace_back(std::move(c.parent_id));
            args.emplace_back(std::move(c.handle));
            args.emplace_back(std::move(c.name));
            args.emplace_back(std::move(c.description));
            args.emplace_back(c.position);
            args.emplace_back(to_ms(c.created_at));
            args.emplace_back(to_ms(c.updated_at));
        }
        auto done = co_await tx.run(std::move(sql), std::move(args));
        if (!done) {
            co_return std::move(done).error();
        }
    }
    co_return core::ok();
}

}  // namespace admin::seed
