#include "modules/vendor/import_repo.hpp"

#include "modules/vendor/model.hpp"

namespace vendor {
namespace {

using infra::db::row;

constexpr std::string_view job_columns =
    "id, vendor_id, user_id, mode, status, filename, size_bytes, total_rows, processed_rows, "
    "created, updated, unchanged, failed_rows, error_count, next_product, failure, attempts, "
    "created_at_ms, updated_at_ms, started_at_ms, finished_at_ms";

import_job read_job(const row& r) {
    import_job j;
    j.id = r.get<std::string>(0);
    j.vendor_id = r.get<std::string>(1);
    j.user_id = r.get<std::string>(2);
    j.mode = r.get<std::string>(3);
    j.status = r.get<std::string>(4);
    j.filename = r.get<std::optional<std::string>>(5);
    j.size_bytes = r.get<std::int64_t>(6);
    auto& c = j.counts;
    c.total_rows = r.get<std::int64_t>(7);
    c.processed_rows = r.get<std::int64_t>(8);
    c.created = r.get<std::int64_t>(9);
    c.updated = r.get<std::int64_t>(10);
    c.unchanged = r.get<std::int64_t>(11);
    c.failed_rows = r.get<std::int64_t>(12);
    c.error_count = r.get<std::int64_t>(13);
    c.next_product = r.get<std::int64_t>(14);
    j.failure = r.get<std::optional<std::string>>(15);
    j.attempts = r.get<int>(16);
    j.created_at = from_ms(r.get<std::int64_t>(17));
    j.updated_at = from_ms(r.get<std::int64_t>(18));
    if (auto at = r.get<std::optional<std::int64_t>>(19)) {
        j.started_at = from_ms(*at);
    }
    if (auto at = r.get<std::optional<std::int64_t>>(20)) {
        j.finished_at = from_ms(*at);
    }
    return j;
}

// "IN ($k, ...)" padded to 1, 20 or 100 entries (repeating the first), so few statement shapes
// are prepared however many values are asked for. `values` holds at most 100.
std::string in_list(
    const std::vector<std::string>& values, std::size_t first, infra::db::params& args
) {
    std::size_t arity = values.size() <= 1 ? 1 : values.size() <= 20 ? 20 : 100;
    std::string sql = " IN (";
    for (std::size_t i = 0; i < arity; ++i) {
        sql += (i == 0 ? "$" : ", $") + std::to_string(first + i);
        args.emplace_back(i < values.size() ? values[i] : values.front());
    }
    return sql + ")";
}

std::vector<std::vector<std::string>> chunks_of(std::vector<std::string> values) {
    std::vector<std::vector<std::string>> out;
    constexpr std::size_t size = 100;
    for (std::size_t at = 0; at < values.size(); at += size) {
        out.emplace_back(
            std::make_move_iterator(values.begin() + static_cast<std::ptrdiff_t>(at)),
            std::make_move_iterator(
                values.begin() + static_cast<std::ptrdiff_t>(std::min(values.size(), at + size))
            )
        );
    }
    return out;
}

}  // namespace

core::task<core::result<void>> import_repo::insert(
    infra::db::transaction& tx, const import_job& job, std::string content
) {
    infra::db::params args{
        job.id,
        job.vendor_id,
        job.user_id,
        job.mode,
        job.status,
        job.filename,
        std::move(content),
        job.size_bytes,
        job.counts.total_rows,
        to_ms(job.created_at),
        to_ms(job.updated_at)};
    auto done = co_await tx.run(
        "INSERT INTO vendor_imports (id, vendor_id, user_id, mode, status, filename, content, "
        "size_bytes, total_rows, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, "
        "$8, $9, $10, $11)",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<std::optional<import_job>>> import_repo::find(
    infra::db::transaction& tx, std::string id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{job_columns} + " FROM vendor_imports WHERE id = $1", std::move(id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<import_job>{};
    }
    co_return std::optional{read_job(rows->front())};
}

core::task<core::result<std::vector<import_job>>> import_repo::page(
    infra::db::transaction& tx,
    std::string vendor_id,
    std::optional<std::string> before_id,
    int limit
) {
    std::string sql =
        "SELECT " + std::string{job_columns} + " FROM vendor_imports WHERE vendor_id = $1";
    infra::db::params args{std::move(vendor_id)};
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
    std::vector<import_job> out;
    for (auto r : *rows) {
        out.push_back(read_job(r));
    }
    co_return out;
}

core::task<core::result<std::optional<std::pair<import_job, std::string>>>> import_repo::claim(
    infra::db::transaction& tx,
    std::string owner,
    core::time_point now,
    core::time_point lease_until
) {
    // The condition is repeated outside the subquery: on PostgreSQL a concurrent claim that
    // committed first makes the row fail it when it is re-checked, so only one claimer wins.
    auto rows = co_await tx.query(
        "UPDATE vendor_imports SET status = 'running', lease_owner = $1, lease_until_ms = $2, "
        "attempts = attempts + 1, started_at_ms = COALESCE(started_at_ms, $3), updated_at_ms = $3 "
        "WHERE id = (SELECT id FROM vendor_imports WHERE status = 'queued' OR (status = 'running' "
        "AND lease_until_ms < $3) ORDER BY id LIMIT 1) AND (status = 'queued' OR (status = "
        "'running' AND lease_until_ms < $3)) RETURNING " +
            std::string{job_columns} + ", content",
        std::move(owner), to_ms(lease_until), to_ms(now)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<std::pair<import_job, std::string>>{};
    }
    auto r = rows->front();
    co_return std::optional{std::pair{read_job(r), r.get<std::string>(21)}};
}

core::task<core::result<bool>> import_repo::save_progress(
    infra::db::transaction& tx,
    std::string id,
    std::string owner,
    import_counts c,
    core::time_point now,
    core::time_point lease_until
) {
    infra::db::params args{std::move(id), std::move(owner), c.total_rows, c.processed_rows,
                           c.created,     c.updated,        c.unchanged,  c.failed_rows,
                           c.error_count, c.next_product,   to_ms(now),   to_ms(lease_until)};
    auto done = co_await tx.run(
        "UPDATE vendor_imports SET total_rows = $3, processed_rows = $4, created = $5, updated = "
        "$6, unchanged = $7, failed_rows = $8, error_count = $9, next_product = $10, updated_at_ms "
        "= $11, lease_until_ms = $12 WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return done->affected() == 1;
}

core::task<core::result<bool>> import_repo::finish(
    infra::db::transaction& tx,
    std::string id,
    std::string owner,
    std::string status,
    std::optional<std::string> failure,
    import_counts c,
    core::time_point now
) {
    infra::db::params args{std::move(id), std::move(owner), std::move(status), std::move(failure),
                           c.total_rows,  c.processed_rows, c.created,         c.updated,
                           c.unchanged,   c.failed_rows,    c.error_count,     c.next_product,
                           to_ms(now)};
    auto done = co_await tx.run(
        "UPDATE vendor_imports SET status = $3, failure = $4, total_rows = $5, processed_rows = "
        "$6, "
        "created = $7, updated = $8, unchanged = $9, failed_rows = $10, error_count = $11, "
        "next_product = $12, updated_at_ms = $13, finished_at_ms = $13, lease_owner = NULL, "
        "lease_until_ms = NULL WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return done->affected() == 1;
}

core::task<core::result<void>> import_repo::add_errors(
    infra::db::transaction& tx,
    std::string id,
    std::int64_t first,
    const std::vector<import_format::row_error>& errors
) {
    // Multi-row INSERTs of up to 100 lines (5 parameters each).
    constexpr std::size_t per_statement = 100;
    for (std::size_t at = 0; at < errors.size(); at += per_statement) {
        auto n = std::min(per_statement, errors.size() - at);
        std::string sql =
            "INSERT INTO vendor_import_errors (import_id, position, row_number, column_name, "
            "message) VALUES ";
        infra::db::params args;
        for (std::size_t i = 0; i < n; ++i) {
            const auto& e = errors[at + i];
            auto k = i * 5;
            sql += (i == 0 ? "($" : ", ($") + std::to_string(k + 1) + ", $" +
                   std::to_string(k + 2) + ", $" + std::to_string(k + 3) + ", $" +
                   std::to_string(k + 4) + ", $" + std::to_string(k + 5) + ")";
            args.emplace_back(id);
            args.emplace_back(first + static_cast<std::int64_t>(at + i));
            args.emplace_back(e.row);
            args.emplace_back(e.column);
            args.emplace_back(e.message);
        }
        auto done = co_await tx.run(std::move(sql), std::move(args));
        if (!done) {
            co_return std::move(done).error();
        }
    }
    co_return core::ok();
}

core::task<core::result<void>> import_repo::clear_errors(
    infra::db::transaction& tx, std::string id
) {
    auto done =
        co_await tx.query("DELETE FROM vendor_import_errors WHERE import_id = $1", std::move(id));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<std::vector<import_format::row_error>>> import_repo::errors(
    infra::db::transaction& tx, std::string id
) {
    auto rows = co_await tx.query(
        "SELECT row_number, column_name, message FROM vendor_import_errors WHERE import_id = $1 "
        "ORDER BY position",
        std::move(id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<import_format::row_error> out;
    for (auto r : *rows) {
        out.push_back({r.get<std::int64_t>(0), r.get<std::string>(1), r.get<std::string>(2)});
    }
    co_return out;
}

core::task<core::result<std::unordered_map<std::string, std::pair<std::string, std::string>>>>
import_repo::products_by_handle(
    infra::db::transaction& tx, std::string vendor_id, std::vector<std::string> handles
) {
    std::unordered_map<std::string, std::pair<std::string, std::string>> out;
    for (auto& part : chunks_of(std::move(handles))) {
        infra::db::params args{vendor_id};
        auto sql = "SELECT handle, id, status FROM products WHERE vendor_id = $1 AND handle" +
                   in_list(part, 2, args);
        auto rows = co_await tx.run(std::move(sql), std::move(args));
        if (!rows) {
            co_return std::move(rows).error();
        }
        for (auto r : *rows) {
            out.emplace(
                r.get<std::string>(0), std::pair{r.get<std::string>(1), r.get<std::string>(2)}
            );
        }
    }
    co_return out;
}

core::task<core::result<std::unordered_map<std::string, std::string>>> import_repo::sku_owners(
    infra::db::transaction& tx, std::string vendor_id, std::vector<std::string> skus
) {
    std::unordered_map<std::string, std::string> out;
    for (auto& part : chunks_of(std::move(skus))) {
        infra::db::params args{vendor_id};
        auto sql = "SELECT sku, product_id FROM variants WHERE vendor_id = $1 AND sku" +
                   in_list(part, 2, args);
        auto rows = co_await tx.run(std::move(sql), std::move(args));
        if (!rows) {
            co_return std::move(rows).error();
        }
        for (auto r : *rows) {
            out.emplace(r.get<std::string>(0), r.get<std::string>(1));
        }
    }
    co_return out;
}

core::task<core::result<std::optional<std::string>>> import_repo::store_status(
    infra::db::transaction& tx, std::string vendor_id
) {
    auto rows = co_await tx.query("SELECT status FROM vendors WHERE id = $1", std::move(vendor_id));
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<std::string>{};
    }
    co_return std::optional{rows->front().get<std::string>(0)};
}

}  // namespace vendor
