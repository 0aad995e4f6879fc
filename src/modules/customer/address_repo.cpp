#include "modules/customer/address_repo.hpp"

namespace customer {
namespace {

constexpr std::string_view columns =
    "id, user_id, label, name, line1, line2, city, postal_code, country, phone, lat, lng, "
    "is_default, created_at_ms, updated_at_ms";

address read_address(const infra::db::row& r) {
    address a;
    a.id = r.get<std::string>(0);
    a.user_id = r.get<std::string>(1);
    a.label = r.get<std::string>(2);
    a.name = r.get<std::string>(3);
    a.line1 = r.get<std::string>(4);
    a.line2 = r.get<std::optional<std::string>>(5);
    a.city = r.get<std::string>(6);
    a.postal_code = r.get<std::optional<std::string>>(7);
    a.country = r.get<std::string>(8);
    a.phone = r.get<std::optional<std::string>>(9);
    a.location = {r.get<double>(10), r.get<double>(11)};
    a.is_default = r.get<std::int64_t>(12) != 0;
    a.created_at = from_ms(r.get<std::int64_t>(13));
    a.updated_at = from_ms(r.get<std::int64_t>(14));
    return a;
}

}  // namespace

core::task<core::result<std::vector<address>>> address_repo::list(
    infra::db::transaction& tx, std::string user_id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{columns} +
            " FROM customer_addresses WHERE user_id = $1 ORDER BY id",
        std::move(user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<address> out;
    out.reserve(rows->size());
    for (auto r : *rows) {
        out.push_back(read_address(r));
    }
    co_return out;
}

core::task<core::result<std::optional<address>>> address_repo::find(
    infra::db::transaction& tx, std::string user_id, std::string id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{columns} +
            " FROM customer_addresses WHERE id = $1 AND user_id = $2",
        std::move(id), std::move(user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<address>{};
    }
    co_return std::optional{read_address(rows->front())};
}

core::task<core::result<std::int64_t>> address_repo::count(
    infra::db::transaction& tx, std::string user_id
) {
    auto rows = co_await tx.query(
        "SELECT COUNT(*) FROM customer_addresses WHERE user_id = $1", std::move(user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return rows->front().get<std::int64_t>(0);
}

core::task<core::result<void>> address_repo::insert(infra::db::transaction& tx, const address& a) {
    infra::db::params args{
        a.id,
        a.user_id,
        a.label,
        a.name,
        a.line1,
        a.line2,
        a.city,
        a.postal_code,
        a.country,
        a.phone,
        a.location.lat,
        a.location.lng,
        std::int64_t{a.is_default ? 1 : 0},
        to_ms(a.created_at),
        to_ms(a.updated_at)};
    auto done = co_await tx.run(
        "INSERT INTO customer_addresses (" + std::string{columns} +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> address_repo::update(infra::db::transaction& tx, const address& a) {
    infra::db::params args{a.id,    a.label,        a.name,         a.line1,
                           a.line2, a.city,         a.postal_code,  a.country,
                           a.phone, a.location.lat, a.location.lng, to_ms(a.updated_at)};
    auto done = co_await tx.run(
        "UPDATE customer_addresses SET label = $2, name = $3, line1 = $4, line2 = $5, city = $6, "
        "postal_code = $7, country = $8, phone = $9, lat = $10, lng = $11, updated_at_ms = $12 "
        "WHERE id = $1",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> address_repo::remove(infra::db::transaction& tx, std::string id) {
    auto done = co_await tx.query("DELETE FROM customer_addresses WHERE id = $1", std::move(id));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> address_repo::set_default(
    infra::db::transaction& tx, std::string user_id, std::string id, core::time_point now
) {
    // Two statements in this order: the partial unique index allows one default at a time.
    auto cleared = co_await tx.query(
        "UPDATE customer_addresses SET is_default = 0, updated_at_ms = $3"
        " WHERE user_id = $1 AND is_default = 1 AND id <> $2",
        user_id, id, to_ms(now)
    );
    if (!cleared) {
        co_return std::move(cleared).error();
    }
    auto set = co_await tx.query(
        "UPDATE customer_addresses SET is_default = 1, updated_at_ms = $3"
        " WHERE user_id = $1 AND id = $2 AND is_default = 0",
        std::move(user_id), std::move(id), to_ms(now)
    );
    if (!set) {
        co_return std::move(set).error();
    }
    co_return core::ok();
}

core::task<core::result<std::optional<std::string>>> address_repo::newest(
    infra::db::transaction& tx, std::string user_id
) {
    auto rows = co_await tx.query(
        "SELECT id FROM customer_addresses WHERE user_id = $1 ORDER BY id DESC LIMIT 1",
        std::move(user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<std::string>{};
    }
    co_return std::optional{rows->front().get<std::string>(0)};
}

}  // namespace customer
