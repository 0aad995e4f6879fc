#include "modules/identity/session_repo.hpp"

#include "core/ids.hpp"

namespace identity {

core::task<core::result<void>> session_repo::insert(
    infra::db::transaction& tx, session s, std::string token_hash
) {
    auto created = co_await tx.query(
        "INSERT INTO sessions (id, user_id, method, user_agent, ip, created_at_ms, "
        "last_used_at_ms, expires_at_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
        s.id, s.user_id, s.method, s.user_agent, s.ip, to_ms(s.created_at), to_ms(s.expires_at)
    );
    if (!created) {
        co_return std::move(created).error();
    }
    auto token = co_await tx.query(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at_ms, expires_at_ms) VALUES "
        "($1, $2, $3, $4)",
        std::move(token_hash), s.id, to_ms(s.created_at), to_ms(s.expires_at)
    );
    if (!token) {
        co_return std::move(token).error();
    }
    co_return core::ok();
}

core::task<core::result<std::optional<refresh_lookup>>> session_repo::find_refresh(
    infra::db::transaction& tx, std::string token_hash
) {
    auto rows = co_await tx.query(
        "SELECT t.session_id, s.user_id, t.expires_at_ms, t.used_at_ms, s.revoked_at_ms, u.status"
        " FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = "
        "s.user_id"
        " WHERE t.token_hash = $1",
        std::move(token_hash)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<refresh_lookup>{};
    }
    auto r = rows->front();
    co_return std::optional{refresh_lookup{
        .session_id = r.get<std::string>(0),
        .user_id = r.get<std::string>(1),
        .expires_at = from_ms(r.get<std::int64_t>(2)),
        .used = !r.is_null(3),
        .session_revoked = !r.is_null(4),
        .status = parse_user_status(r.get<std::string>(5)),
    }};
}

core::task<core::result<bool>> session_repo::mark_used(
    infra::db::transaction& tx, std::string token_hash, core::time_point now
) {
    auto done = co_await tx.query(
        "UPDATE refresh_tokens SET used_at_ms = $2 WHERE token_hash = $1 AND used_at_ms IS NULL",
        std::move(token_hash), to_ms(now)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return done->affected() == 1;
}

core::task<core::result<void>> session_repo::rotate(
    infra::db::transaction& tx,
    std::string session_id,
    std::string token_hash,
    core::time_point now,
    core::time_point expires_at,
    client_info client
) {
    auto token = co_await tx.query(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at_ms, expires_at_ms) VALUES "
        "($1, $2, $3, $4)",
        std::move(token_hash), session_id, to_ms(now), to_ms(expires_at)
    );
    if (!token) {
        co_return std::move(token).error();
    }
    auto touched = co_await tx.query(
        "UPDATE sessions SET last_used_at_ms = $2, expires_at_ms = $3, ip = $4, user_agent = "
        "COALESCE($5, user_agent) WHERE id = $1",
        std::move(session_id), to_ms(now), to_ms(expires_at), std::move(client.ip),
        std::move(client.user_agent)
    );
    if (!touched) {
        co_return std::move(touched).error();
    }
    co_return core::ok();
}

core::task<core::result<bool>> session_repo::revoke(
    infra::db::transaction& tx,
    std::string session_id,
    std::string user_id,
    std::string reason,
    core::time_point now
) {
    auto done = co_await tx.query(
        "UPDATE sessions SET revoked_at_ms = $3, revoked_reason = $4 WHERE id = $1 AND user_id = "
        "$2 AND revoked_at_ms IS NULL",
        std::move(session_id), std::move(user_id), to_ms(now), std::move(reason)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return done->affected() == 1;
}

core::task<core::result<std::vector<std::string>>> session_repo::revoke_all(
    infra::db::transaction& tx,
    std::string user_id,
    std::string reason,
    core::time_point now,
    std::optional<std::string> keep
) {
    std::string sql =
        "UPDATE sessions SET revoked_at_ms = $2, revoked_reason = $3 WHERE user_id = $1 AND "
        "revoked_at_ms IS NULL";
    infra::db::params args{std::move(user_id), to_ms(now), std::move(reason)};
    if (keep) {
        sql += " AND id <> $4";
        args.emplace_back(std::move(*keep));
    }
    sql += " RETURNING id";
    auto rows = co_await tx.run(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<std::string> ids;
    for (auto r : *rows) {
        ids.push_back(r.get<std::string>(0));
    }
    co_return ids;
}

core::task<core::result<page<session>>> session_repo::list_active(
    std::string user_id, core::time_point now, std::optional<std::string> before_id, int limit
) {
    std::string sql =
        "SELECT id, user_id, method, user_agent, ip, created_at_ms, last_used_at_ms, expires_at_ms "
        "FROM sessions"
        " WHERE user_id = $1 AND revoked_at_ms IS NULL AND expires_at_ms > $2";
    infra::db::params args{std::move(user_id), to_ms(now)};
    if (before_id) {
        sql += " AND id < $3";
        args.emplace_back(std::move(*before_id));
    }
    sql += " ORDER BY id DESC LIMIT " + std::to_string(limit + 1);
    auto rows = co_await db_.read(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    page<session> out;
    for (auto r : *rows) {
        if (static_cast<int>(out.items.size()) == limit) {
            out.next_cursor = core::encode_cursor(out.items.back().id);
            break;
        }
        out.items.push_back(session{
            .id = r.get<std::string>(0),
            .user_id = r.get<std::string>(1),
            .method = r.get<std::string>(2),
            .user_agent = r.get<std::optional<std::string>>(3),
            .ip = r.get<std::optional<std::string>>(4),
            .created_at = from_ms(r.get<std::int64_t>(5)),
            .last_used_at = from_ms(r.get<std::int64_t>(6)),
            .expires_at = from_ms(r.get<std::int64_t>(7)),
        });
    }
    co_return out;
}

core::task<core::result<std::vector<std::pair<std::string, core::time_point>>>>
session_repo::revoked_since(core::time_point since) {
    auto rows = co_await db_.select(
        "SELECT id, revoked_at_ms FROM sessions WHERE revoked_at_ms >= $1", to_ms(since)
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

}  // namespace identity
