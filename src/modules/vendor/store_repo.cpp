#include "modules/vendor/store_repo.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace vendor {
namespace {

using infra::db::row;

constexpr std::string_view store_columns =
    "id, handle, name, legal_name, contact_email, contact_phone, description, logo_url, status, "
    "status_reason, pickup_line1, pickup_line2, pickup_city, pickup_postal_code, pickup_country, "
    "pickup_lat, pickup_lng, payout, owner_id, created_at_ms, updated_at_ms";

// Read with the store, written only by the rating handler (rating_sync).
constexpr std::string_view rating_columns = "rating_average, rating_count";

constexpr std::string_view member_columns =
    "id, vendor_id, user_id, role, invited_by, invited_at_ms, accepted_at_ms, created_at_ms, "
    "updated_at_ms";

store read_store(const row& r) {
    store s;
    s.id = r.get<std::string>(0);
    s.handle = r.get<std::string>(1);
    s.name = r.get<std::string>(2);
    s.legal_name = r.get<std::optional<std::string>>(3);
    s.contact_email = r.get<std::optional<std::string>>(4);
    s.contact_phone = r.get<std::optional<std::string>>(5);
    s.description = r.get<std::optional<std::string>>(6);
    s.logo_url = r.get<std::optional<std::string>>(7);
    s.status = parse_store_status(r.get<std::string>(8));
    s.status_reason = r.get<std::optional<std::string>>(9);
    s.pickup.line1 = r.get<std::string>(10);
    s.pickup.line2 = r.get<std::optional<std::string>>(11);
    s.pickup.city = r.get<std::string>(12);
    s.pickup.postal_code = r.get<std::optional<std::string>>(13);
    s.pickup.country = r.get<std::string>(14);
    s.pickup.lat = r.get<double>(15);
    s.pickup.lng = r.get<double>(16);
    if (auto payout = r.get<std::optional<std::string>>(17)) {
        s.payout = boost::json::parse(*payout);
    }
    s.owner_id = r.get<std::string>(18);
    s.created_at = from_ms(r.get<std::int64_t>(19));
    s.updated_at = from_ms(r.get<std::int64_t>(20));
    s.rating_average = r.get<double>(21);
    s.rating_count = r.get<std::int64_t>(22);
    return s;
}

member read_member(const row& r) {
    member m;
    m.id = r.get<std::string>(0);
    m.vendor_id = r.get<std::string>(1);
    m.user_id = r.get<std::string>(2);
    m.role = r.get<std::string>(3) == "owner" ? member_role::owner : member_role::staff;
    m.invited_by = r.get<std::optional<std::string>>(4);
    m.invited_at = from_ms(r.get<std::int64_t>(5));
    if (auto accepted = r.get<std::optional<std::int64_t>>(6)) {
        m.accepted_at = from_ms(*accepted);
    }
    m.created_at = from_ms(r.get<std::int64_t>(7));
    m.updated_at = from_ms(r.get<std::int64_t>(8));
    return m;
}

std::optional<std::string> payout_text(const std::optional<boost::json::value>& payout) {
    return payout ? std::optional{boost::json::serialize(*payout)} : std::nullopt;
}

}  // namespace

core::task<core::result<std::optional<store>>> store_repo::find(
    infra::db::transaction& tx, std::string id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{store_columns} + ", " + std::string{rating_columns} +
            " FROM vendors WHERE id = $1",
        std::move(id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<store>{};
    }
    co_return std::optional{read_store(rows->front())};
}

core::task<core::result<std::vector<store>>> store_repo::page(
    infra::db::transaction& tx,
    std::optional<store_status> status,
    std::optional<std::string> before_id,
    int limit
) {
    std::string sql = "SELECT " + std::string{store_columns} + ", " + std::string{rating_columns} +
                      " FROM vendors WHERE 1 = 1";
    infra::db::params args;
    if (status) {
        args.emplace_back(to_string(*status));
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
    std::vector<store> out;
    for (auto r : *rows) {
        out.push_back(read_store(r));
    }
    co_return out;
}

core::task<core::result<void>> store_repo::insert(infra::db::transaction& tx, const store& s) {
    infra::db::params args{
        s.id,
        s.handle,
        s.name,
        s.legal_name,
        s.contact_email,
        s.contact_phone,
        s.description,
        s.logo_url,
        to_string(s.status),
        s.status_reason,
        s.pickup.line1,
        s.pickup.line2,
        s.pickup.city,
        s.pickup.postal_code,
        s.pickup.country,
        s.pickup.lat,
        s.pickup.lng,
        payout_text(s.payout),
        s.owner_id,
        to_ms(s.created_at),
        to_ms(s.updated_at)};
    auto done = co_await tx.run(
        "INSERT INTO vendors (" + std::string{store_columns} +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
            "$17, $18, $19, $20, $21)",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> store_repo::update_profile(
    infra::db::transaction& tx, const store& s
) {
    infra::db::params args{
        s.id,
        s.handle,
        s.name,
        s.legal_name,
        s.contact_email,
        s.contact_phone,
        s.description,
        s.logo_url,
        s.pickup.line1,
        s.pickup.line2,
        s.pickup.city,
        s.pickup.postal_code,
        s.pickup.country,
        s.pickup.lat,
        s.pickup.lng,
        payout_text(s.payout),
        to_ms(s.updated_at)};
    auto done = co_await tx.run(
        "UPDATE vendors SET handle = $2, name = $3, legal_name = $4, contact_email = $5, "
        "contact_phone = $6, description = $7, logo_url = $8, pickup_line1 = $9, "
        "pickup_line2 = $10, pickup_city = $11, pickup_postal_code = $12, pickup_country = $13, "
        "pickup_lat = $14, pickup_lng = $15, payout = $16, updated_at_ms = $17 WHERE id = $1",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> store_repo::set_status(
    infra::db::transaction& tx,
    std::string id,
    store_status status,
    std::optional<std::string> reason,
    core::time_point now
) {
    auto done = co_await tx.query(
        "UPDATE vendors SET status = $2, status_reason = $3, status_changed_at_ms = $4, "
        "updated_at_ms = $4 WHERE id = $1",
        std::move(id), to_string(status), std::move(reason), to_ms(now)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<std::vector<std::string>>> store_repo::handles_like(
    infra::db::transaction& tx, std::string base
) {
    // Handles hold no LIKE wildcards ([a-z0-9-] only), so the prefix needs no escaping.
    auto pattern = base + "-%";
    auto rows = co_await tx.query(
        "SELECT handle FROM vendors WHERE handle = $1 OR handle LIKE $2", std::move(base),
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

core::task<core::result<bool>> store_repo::handle_taken(
    infra::db::transaction& tx, std::string handle, std::string except_id
) {
    auto rows = co_await tx.query(
        "SELECT id FROM vendors WHERE handle = $1 AND id <> $2", std::move(handle),
        std::move(except_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return !rows->empty();
}

core::task<core::result<std::optional<membership>>> store_repo::membership_of(
    infra::db::transaction& tx, std::string user_id
) {
    auto rows = co_await tx.query(
        "SELECT m.id, m.vendor_id, m.role, v.status, v.owner_id FROM vendor_members m"
        " JOIN vendors v ON v.id = m.vendor_id WHERE m.user_id = $1",
        std::move(user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<membership>{};
    }
    auto r = rows->front();
    co_return std::optional{membership{
        .member_id = r.get<std::string>(0),
        .vendor_id = r.get<std::string>(1),
        .role = r.get<std::string>(2) == "owner" ? member_role::owner : member_role::staff,
        .status = parse_store_status(r.get<std::string>(3)),
        .owner_id = r.get<std::string>(4)}};
}

core::task<core::result<void>> store_repo::insert_member(
    infra::db::transaction& tx, const member& m
) {
    std::optional<std::int64_t> accepted;
    if (m.accepted_at) {
        accepted = to_ms(*m.accepted_at);
    }
    infra::db::params args{
        m.id,
        m.vendor_id,
        m.user_id,
        to_string(m.role),
        m.invited_by,
        to_ms(m.invited_at),
        accepted,
        to_ms(m.created_at),
        to_ms(m.updated_at)};
    auto done = co_await tx.run(
        "INSERT INTO vendor_members (" + std::string{member_columns} +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<std::optional<member>>> store_repo::find_member(
    infra::db::transaction& tx, std::string vendor_id, std::string member_id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{member_columns} +
            " FROM vendor_members WHERE id = $1 AND vendor_id = $2",
        std::move(member_id), std::move(vendor_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<member>{};
    }
    co_return std::optional{read_member(rows->front())};
}

core::task<core::result<std::vector<member>>> store_repo::members(
    infra::db::transaction& tx,
    std::string vendor_id,
    std::optional<std::string> after_id,
    int limit
) {
    std::string sql =
        "SELECT " + std::string{member_columns} + " FROM vendor_members WHERE vendor_id = $1";
    infra::db::params args{std::move(vendor_id)};
    if (after_id) {
        args.emplace_back(std::move(*after_id));
        sql += " AND id > $2";
    }
    args.emplace_back(limit);
    sql += " ORDER BY id LIMIT $" + std::to_string(args.size());
    auto rows = co_await tx.run(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<member> out;
    for (auto r : *rows) {
        out.push_back(read_member(r));
    }
    co_return out;
}

core::task<core::result<void>> store_repo::remove_member(
    infra::db::transaction& tx, std::string member_id
) {
    auto done = co_await tx.query("DELETE FROM vendor_members WHERE id = $1", std::move(member_id));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

}  // namespace vendor
