#include "modules/identity/courier_service.hpp"

#include <functional>

#include "core/ids.hpp"
#include "infra/bus/outbox.hpp"

namespace identity {
namespace {

using core::errc;
using core::fail;
using infra::db::row;

constexpr std::string_view application_columns =
    "u.id, u.name, u.phone, r.status, r.created_at_ms, r.updated_at_ms";

courier_application read_application(const row& r) {
    return courier_application{
        .user_id = r.get<std::string>(0),
        .name = r.get<std::string>(1),
        .phone = r.get<std::optional<std::string>>(2),
        .status = r.get<std::string>(3),
        .requested_at = from_ms(r.get<std::int64_t>(4)),
        .updated_at = from_ms(r.get<std::int64_t>(5)),
    };
}

core::task<core::result<std::optional<courier_application>>> find_application(
    infra::db::transaction& tx, std::string user_id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{application_columns} +
            " FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.user_id = $1 AND r.role "
            "= 'courier'",
        std::move(user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<courier_application>{};
    }
    co_return read_application(rows->front());
}

}  // namespace

core::task<core::result<courier_application>> courier_service::apply(
    core::principal who, client_info client
) {
    auto body = std::bind_front(&courier_service::apply_tx, this, std::move(who), std::move(client));
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<courier_application>> courier_service::apply_tx(
    core::principal who, client_info client, infra::db::transaction& tx
) {
    auto phone = co_await tx.query(
        "SELECT phone_verified_at_ms FROM users WHERE id = $1", who.user_id
    );
    if (!phone) {
        co_return std::move(phone).error();
    }
    if (phone->empty()) {
        co_return fail(errc::not_found, "no such user");
    }
    if (!phone->front().get<std::optional<std::int64_t>>(0)) {
        co_return fail(
            errc::conflict, "couriers need a verified phone: verify one with /api/v1/auth/otp first"
        );
    }
    auto existing = co_await find_application(tx, who.user_id);
    if (!existing) {
        co_return std::move(existing).error();
    }
    if (*existing) {
        co_return fail(
            errc::conflict, "the courier role is already " + (*existing)->status + " for this user"
        );
    }
    auto now = to_ms(clock_.now());
    auto inserted = co_await tx.query(
        "INSERT INTO user_roles (user_id, role, status, created_at_ms, updated_at_ms) VALUES ($1, "
        "'courier', 'pending', $2, $2)",
        who.user_id, now
    );
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    boost::json::object event{{"user_id", who.user_id}, {"status", "pending"}};
    auto appended =
        co_await infra::bus::append(tx, clock_, "courier.applied", who.user_id, std::move(event));
    if (!appended) {
        co_return std::move(appended).error();
    }
    audit_entry entry{
        .type = "role.requested",
        .user_id = who.user_id,
        .actor_id = who.user_id,
        .client = std::move(client),
        .data = {{"role", role::courier}}};
    if (auto audited = co_await audit_.append(tx, std::move(entry)); !audited) {
        co_return std::move(audited).error();
    }
    auto made = co_await find_application(tx, who.user_id);
    if (!made) {
        co_return std::move(made).error();
    }
    co_return std::move(**made);
}

core::task<core::result<courier_application>> courier_service::mine(core::principal who) {
    auto rows = co_await db_.select(
        "SELECT " + std::string{application_columns} +
            " FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.user_id = $1 AND r.role "
            "= 'courier'",
        std::move(who.user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return fail(errc::not_found, "no courier application");
    }
    co_return read_application(rows->front());
}

core::task<core::result<page<courier_application>>> courier_service::list(
    std::string status, std::optional<std::string> before_id, int limit
) {
    std::string sql = "SELECT " + std::string{application_columns} +
                      " FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.role = "
                      "'courier' AND r.status = $1";
    infra::db::params args{std::move(status)};
    if (before_id) {
        sql += " AND u.id < $2";
        args.emplace_back(std::move(*before_id));
    }
    sql += " ORDER BY u.id DESC LIMIT " + std::to_string(limit + 1);
    auto rows = co_await db_.read(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    page<courier_application> out;
    for (auto r : *rows) {
        if (static_cast<int>(out.items.size()) == limit) {
            out.next_cursor = core::encode_cursor(out.items.back().user_id);
            break;
        }
        out.items.push_back(read_application(r));
    }
    co_return out;
}

core::task<core::result<courier_application>> courier_service::approve(
    core::principal admin, std::string user_id, client_info client
) {
    auto body = std::bind_front(
        &courier_service::approve_tx, this, std::move(admin), std::move(user_id), std::move(client)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<courier_application>> courier_service::approve_tx(
    core::principal admin, std::string user_id, client_info client, infra::db::transaction& tx
) {
    auto existing = co_await find_application(tx, user_id);
    if (!existing) {
        co_return std::move(existing).error();
    }
    if (!*existing) {
        co_return fail(errc::not_found, "no courier application from this user");
    }
    if ((*existing)->status != "pending") {
        co_return fail(errc::conflict, "the application is " + (*existing)->status + ", not pending");
    }
    auto now = clock_.now();
    auto updated = co_await tx.query(
        "UPDATE user_roles SET status = 'active', updated_at_ms = $2 WHERE user_id = $1 AND role = "
        "'courier'",
        user_id, to_ms(now)
    );
    if (!updated) {
        co_return std::move(updated).error();
    }
    boost::json::object event{{"user_id", user_id}, {"status", "active"}};
    auto appended =
        co_await infra::bus::append(tx, clock_, "courier.approved", user_id, std::move(event));
    if (!appended) {
        co_return std::move(appended).error();
    }
    audit_entry entry{
        .type = "role.granted",
        .user_id = user_id,
        .actor_id = admin.user_id,
        .client = std::move(client),
        .data = {{"role", role::courier}}};
    if (auto audited = co_await audit_.append(tx, std::move(entry)); !audited) {
        co_return std::move(audited).error();
    }
    auto out = std::move(**existing);
    out.status = "active";
    out.updated_at = now;
    co_return out;
}

core::task<core::result<void>> courier_service::reject(
    core::principal admin, std::string user_id, std::string reason, client_info client
) {
    auto body = std::bind_front(
        &courier_service::reject_tx, this, std::move(admin), std::move(user_id), std::move(reason),
        std::move(client)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<void>> courier_service::reject_tx(
    core::principal admin,
    std::string user_id,
    std::string reason,
    client_info client,
    infra::db::transaction& tx
) {
    auto existing = co_await find_application(tx, user_id);
    if (!existing) {
        co_return std::move(existing).error();
    }
    if (!*existing) {
        co_return fail(errc::not_found, "no courier application from this user");
    }
    if ((*existing)->status != "pending") {
        co_return fail(errc::conflict, "the application is " + (*existing)->status + ", not pending");
    }
    // The row goes, so the user may apply again later (with better documents, say).
    auto deleted = co_await tx.query(
        "DELETE FROM user_roles WHERE user_id = $1 AND role = 'courier'", user_id
    );
    if (!deleted) {
        co_return std::move(deleted).error();
    }
    boost::json::object event{{"user_id", user_id}, {"status", "rejected"}, {"reason", reason}};
    auto appended =
        co_await infra::bus::append(tx, clock_, "courier.rejected", user_id, std::move(event));
    if (!appended) {
        co_return std::move(appended).error();
    }
    audit_entry entry{
        .type = "role.rejected",
        .user_id = user_id,
        .actor_id = admin.user_id,
        .client = std::move(client),
        .data = {{"role", role::courier}, {"reason", std::move(reason)}}};
    co_return co_await audit_.append(tx, std::move(entry));
}

}  // namespace identity
