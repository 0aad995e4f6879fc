#include "modules/identity/user_repo.hpp"

#include <algorithm>

namespace identity {
namespace {

using infra::db::row;

constexpr std::string_view user_columns =
    "id, email, email_verified_at_ms, phone, phone_verified_at_ms, name, locale, status, "
    "marketing_email, marketing_sms,"
    " marketing_push, created_at_ms, updated_at_ms";

std::optional<core::time_point> optional_time(const row& r, std::string_view col) {
    auto ms = r.get<std::optional<std::int64_t>>(col);
    return ms ? std::optional{from_ms(*ms)} : std::nullopt;
}

user read_user(const row& r) {
    user u;
    u.id = r.get<std::string>("id");
    u.email = r.get<std::optional<std::string>>("email");
    u.email_verified_at = optional_time(r, "email_verified_at_ms");
    u.phone = r.get<std::optional<std::string>>("phone");
    u.phone_verified_at = optional_time(r, "phone_verified_at_ms");
    u.name = r.get<std::string>("name");
    u.locale = r.get<std::optional<std::string>>("locale");
    u.status = parse_user_status(r.get<std::string>("status"));
    u.marketing.email = r.get<bool>("marketing_email");
    u.marketing.sms = r.get<bool>("marketing_sms");
    u.marketing.push = r.get<bool>("marketing_push");
    u.created_at = from_ms(r.get<std::int64_t>("created_at_ms"));
    u.updated_at = from_ms(r.get<std::int64_t>("updated_at_ms"));
    return u;
}

credentials read_credentials(const row& r) {
    return credentials{
        .user_id = r.get<std::string>("id"),
        .email = r.get<std::optional<std::string>>("email"),
        .password_hash = r.get<std::optional<std::string>>("password_hash"),
        .status = parse_user_status(r.get<std::string>("status")),
    };
}

std::string_view purpose_name(token_purpose p) {
    return p == token_purpose::verify_email ? "verify_email" : "reset_password";
}

int flag(bool b) { return b ? 1 : 0; }

}  // namespace

core::task<core::result<std::optional<credentials>>> user_repo::find_credentials_by_email(
    std::string email
) {
    auto rows = co_await db_.select(
        "SELECT id, email, password_hash, status FROM users WHERE email = $1", std::move(email)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<credentials>{};
    }
    co_return std::optional{read_credentials(rows->front())};
}

core::task<core::result<std::optional<credentials>>> user_repo::find_credentials(std::string user_id
) {
    auto rows = co_await db_.select(
        "SELECT id, email, password_hash, status FROM users WHERE id = $1", std::move(user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<credentials>{};
    }
    co_return std::optional{read_credentials(rows->front())};
}

core::task<core::result<std::optional<user>>> user_repo::find(std::string user_id) {
    // One statement, no explicit transaction: every authenticated profile read takes this path,
    // and a read transaction would hold a connection across four round trips.
    std::string_view aggregate =
        db_.kind() == infra::db::dialect::sqlite ? "group_concat(role, ',')" : "string_agg(role, ',')";
    auto rows = co_await db_.select(
        "SELECT " + std::string{user_columns} + ", (SELECT " + std::string{aggregate} +
            " FROM user_roles r WHERE r.user_id = users.id AND r.status = 'active') AS roles "
            "FROM users WHERE id = $1",
        std::move(user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<user>{};
    }
    const auto& r = rows->front();
    auto u = read_user(r);
    if (auto roles = r.get<std::optional<std::string>>("roles")) {
        std::string_view rest = *roles;
        while (!rest.empty()) {
            auto comma = rest.find(',');
            u.roles.emplace_back(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        }
        std::sort(u.roles.begin(), u.roles.end());
    }
    co_return std::optional{std::move(u)};
}

core::task<core::result<std::optional<user>>> user_repo::find(
    infra::db::transaction& tx, std::string user_id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{user_columns} + " FROM users WHERE id = $1", user_id
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<user>{};
    }
    auto u = read_user(rows->front());
    auto roles = co_await tx.query(
        "SELECT role FROM user_roles WHERE user_id = $1 AND status = 'active' ORDER BY role",
        std::move(user_id)
    );
    if (!roles) {
        co_return std::move(roles).error();
    }
    for (auto r : *roles) {
        u.roles.push_back(r.get<std::string>(0));
    }
    co_return std::optional{std::move(u)};
}

core::task<core::result<std::optional<std::string>>> user_repo::find_id_by_email(
    infra::db::transaction& tx, std::string email
) {
    auto rows = co_await tx.query("SELECT id FROM users WHERE email = $1", std::move(email));
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<std::string>{};
    }
    co_return std::optional{rows->front().get<std::string>(0)};
}

core::task<core::result<std::optional<std::string>>> user_repo::find_id_by_phone(
    infra::db::transaction& tx, std::string phone
) {
    auto rows = co_await tx.query("SELECT id FROM users WHERE phone = $1", std::move(phone));
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<std::string>{};
    }
    co_return std::optional{rows->front().get<std::string>(0)};
}

core::task<core::result<void>> user_repo::set_verified_phone(
    infra::db::transaction& tx, std::string user_id, std::string phone, core::time_point now
) {
    auto done = co_await tx.query(
        "UPDATE users SET phone = $2, phone_verified_at_ms = $3, updated_at_ms = $3 WHERE id = $1",
        std::move(user_id), std::move(phone), to_ms(now)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> user_repo::insert(
    infra::db::transaction& tx, new_user u, core::time_point now
) {
    std::optional<std::int64_t> verified;
    if (u.email_verified_at) {
        verified = to_ms(*u.email_verified_at);
    }
    std::optional<std::int64_t> phone_verified;
    if (u.phone) {
        phone_verified = to_ms(now);
    }
    auto done = co_await tx.query(
        "INSERT INTO users (id, email, email_verified_at_ms, password_hash, name, status, "
        "created_at_ms, updated_at_ms, phone, phone_verified_at_ms)"
        " VALUES ($1, $2, $3, $4, $5, 'active', $6, $6, $7, $8)",
        std::move(u.id), std::move(u.email), verified, std::move(u.password_hash),
        std::move(u.name), to_ms(now), std::move(u.phone), phone_verified
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<bool>> user_repo::grant_role(
    infra::db::transaction& tx, std::string user_id, std::string role, core::time_point now
) {
    auto existing = co_await tx.query(
        "SELECT status FROM user_roles WHERE user_id = $1 AND role = $2", user_id, role
    );
    if (!existing) {
        co_return std::move(existing).error();
    }
    if (!existing->empty()) {
        if (existing->front().get<std::string>(0) == "active") {
            co_return false;
        }
        auto updated = co_await tx.query(
            "UPDATE user_roles SET status = 'active', updated_at_ms = $3 WHERE user_id = $1 AND "
            "role = $2",
            std::move(user_id), std::move(role), to_ms(now)
        );
        if (!updated) {
            co_return std::move(updated).error();
        }
        co_return true;
    }
    auto inserted = co_await tx.query(
        "INSERT INTO user_roles (user_id, role, status, created_at_ms, updated_at_ms) VALUES ($1, "
        "$2, 'active', $3, $3)",
        std::move(user_id), std::move(role), to_ms(now)
    );
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    co_return true;
}

core::task<core::result<bool>> user_repo::revoke_role(
    infra::db::transaction& tx, std::string user_id, std::string role
) {
    auto deleted = co_await tx.query(
        "DELETE FROM user_roles WHERE user_id = $1 AND role = $2 RETURNING role",
        std::move(user_id), std::move(role)
    );
    if (!deleted) {
        co_return std::move(deleted).error();
    }
    co_return !deleted->empty();
}

core::task<core::result<void>> user_repo::set_password(
    infra::db::transaction& tx, std::string user_id, std::string hash, core::time_point now
) {
    auto done = co_await tx.query(
        "UPDATE users SET password_hash = $2, updated_at_ms = $3 WHERE id = $1", std::move(user_id),
        std::move(hash), to_ms(now)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<bool>> user_repo::set_status(
    infra::db::transaction& tx, std::string user_id, user_status status, core::time_point now
) {
    auto current = co_await tx.query("SELECT status FROM users WHERE id = $1", user_id);
    if (!current) {
        co_return std::move(current).error();
    }
    if (current->empty()) {
        co_return core::fail(core::errc::not_found, "no such user");
    }
    if (parse_user_status(current->front().get<std::string>(0)) == status) {
        co_return false;
    }
    auto done = co_await tx.query(
        "UPDATE users SET status = $2, status_changed_at_ms = $3, updated_at_ms = $3 WHERE id = $1",
        std::move(user_id), to_string(status), to_ms(now)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return true;
}

core::task<core::result<void>> user_repo::update_profile(
    infra::db::transaction& tx, std::string user_id, profile_update p, core::time_point now
) {
    std::string sql = "UPDATE users SET updated_at_ms = $1";
    infra::db::params args{to_ms(now)};
    auto set = [&](std::string_view column, infra::db::param value) {
        args.push_back(std::move(value));
        sql += ", " + std::string{column} + " = $" + std::to_string(args.size());
    };
    if (p.name) {
        set("name", *p.name);
    }
    if (p.locale_present) {
        set("locale", p.locale);
    }
    if (p.marketing_email) {
        set("marketing_email", flag(*p.marketing_email));
    }
    if (p.marketing_sms) {
        set("marketing_sms", flag(*p.marketing_sms));
    }
    if (p.marketing_push) {
        set("marketing_push", flag(*p.marketing_push));
    }
    args.emplace_back(std::move(user_id));
    sql += " WHERE id = $" + std::to_string(args.size());
    auto done = co_await tx.run(std::move(sql), std::move(args));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<bool>> user_repo::mark_email_verified(
    infra::db::transaction& tx, std::string user_id, std::string email, core::time_point now
) {
    auto done = co_await tx.query(
        "UPDATE users SET email_verified_at_ms = COALESCE(email_verified_at_ms, $3), updated_at_ms "
        "= $3"
        " WHERE id = $1 AND email = $2",
        std::move(user_id), std::move(email), to_ms(now)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return done->affected() == 1;
}

core::task<core::result<std::vector<std::pair<std::string, core::time_point>>>>
user_repo::suspended_since(core::time_point since) {
    auto rows = co_await db_.select(
        "SELECT id, status_changed_at_ms FROM users WHERE status = 'suspended' AND "
        "status_changed_at_ms >= $1",
        to_ms(since)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<std::pair<std::string, core::time_point>> out;
    for (auto r : *rows) {
        out.emplace_back(r.get<std::string>(0), from_ms(r.get<std::int64_t>(1)));
    }
    co_return out;
}

core::task<core::result<void>> user_repo::insert_token(
    infra::db::transaction& tx,
    std::string token_hash,
    std::string user_id,
    token_purpose purpose,
    std::string email,
    core::time_point now,
    core::time_point expires_at
) {
    auto done = co_await tx.query(
        "INSERT INTO user_tokens (token_hash, user_id, purpose, email, created_at_ms, "
        "expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        std::move(token_hash), std::move(user_id), purpose_name(purpose), std::move(email),
        to_ms(now), to_ms(expires_at)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<std::optional<spent_token>>> user_repo::consume_token(
    infra::db::transaction& tx, std::string token_hash, token_purpose purpose, core::time_point now
) {
    // One statement, so two concurrent uses of the same token cannot both succeed.
    auto rows = co_await tx.query(
        "UPDATE user_tokens SET used_at_ms = $3 WHERE token_hash = $1 AND purpose = $2 AND "
        "used_at_ms IS NULL"
        " AND expires_at_ms > $3 RETURNING user_id, email",
        std::move(token_hash), purpose_name(purpose), to_ms(now)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<spent_token>{};
    }
    co_return std::optional{
        spent_token{rows->front().get<std::string>(0), rows->front().get<std::string>(1)}};
}

}  // namespace identity
