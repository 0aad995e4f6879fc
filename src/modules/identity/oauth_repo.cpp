#include "modules/identity/oauth_repo.hpp"

#include "core/ids.hpp"

namespace identity {
namespace {

using infra::db::row;

constexpr std::string_view identity_columns =
    "id, user_id, provider, subject, email, created_at_ms, last_used_at_ms";

linked_identity read_identity(const row& r) {
    auto last = r.get<std::optional<std::int64_t>>("last_used_at_ms");
    return linked_identity{
        .id = r.get<std::string>("id"),
        .user_id = r.get<std::string>("user_id"),
        .provider = r.get<std::string>("provider"),
        .subject = r.get<std::string>("subject"),
        .email = r.get<std::optional<std::string>>("email"),
        .created_at = from_ms(r.get<std::int64_t>("created_at_ms")),
        .last_used_at = last ? std::optional{from_ms(*last)} : std::nullopt,
    };
}

core::result<std::optional<linked_identity>> first_identity(const infra::db::rows& rows) {
    if (rows.empty()) {
        return std::optional<linked_identity>{};
    }
    return std::optional{read_identity(rows.front())};
}

}  // namespace

core::task<core::result<void>> oauth_repo::insert_state(
    infra::db::transaction& tx, pending_sign_in p
) {
    auto done = co_await tx.query(
        "INSERT INTO oauth_states (state_hash, provider, nonce, code_verifier, redirect_to, "
        "browser_hash, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        std::move(p.state_hash), std::move(p.provider), std::move(p.nonce),
        std::move(p.code_verifier), std::move(p.redirect_to), std::move(p.browser_hash),
        to_ms(p.created_at), to_ms(p.expires_at)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<std::optional<pending_sign_in>>> oauth_repo::consume_state(
    std::string state_hash, core::time_point now
) {
    auto rows = co_await db_.execute(
        "UPDATE oauth_states SET used_at_ms = $2 WHERE state_hash = $1 AND used_at_ms IS NULL AND "
        "expires_at_ms > $2 RETURNING state_hash, provider, nonce, code_verifier, redirect_to, "
        "browser_hash, created_at_ms, expires_at_ms",
        std::move(state_hash), to_ms(now)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<pending_sign_in>{};
    }
    auto r = rows->front();
    co_return std::optional{pending_sign_in{
        .state_hash = r.get<std::string>("state_hash"),
        .provider = r.get<std::string>("provider"),
        .nonce = r.get<std::optional<std::string>>("nonce"),
        .code_verifier = r.get<std::string>("code_verifier"),
        .redirect_to = r.get<std::optional<std::string>>("redirect_to"),
        .browser_hash = r.get<std::string>("browser_hash"),
        .created_at = from_ms(r.get<std::int64_t>("created_at_ms")),
        .expires_at = from_ms(r.get<std::int64_t>("expires_at_ms")),
    }};
}

core::task<core::result<void>> oauth_repo::delete_expired(
    infra::db::transaction& tx, core::time_point now
) {
    auto states =
        co_await tx.query("DELETE FROM oauth_states WHERE expires_at_ms <= $1", to_ms(now));
    if (!states) {
        co_return std::move(states).error();
    }
    auto tokens =
        co_await tx.query("DELETE FROM oauth_used_tokens WHERE expires_at_ms <= $1", to_ms(now));
    if (!tokens) {
        co_return std::move(tokens).error();
    }
    co_return core::ok();
}

core::task<core::result<bool>> oauth_repo::mark_token_used(
    infra::db::transaction& tx,
    std::string token_hash,
    std::string provider,
    core::time_point expires_at
) {
    // DO NOTHING rather than a unique violation: PostgreSQL would abort the whole transaction.
    auto done = co_await tx.query(
        "INSERT INTO oauth_used_tokens (token_hash, provider, expires_at_ms) VALUES ($1, $2, $3) "
        "ON CONFLICT (token_hash) DO NOTHING",
        std::move(token_hash), std::move(provider), to_ms(expires_at)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return done->affected() == 1;
}

core::task<core::result<std::optional<linked_identity>>> oauth_repo::find_identity(
    infra::db::transaction& tx, std::string provider, std::string subject
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{identity_columns} +
            " FROM user_identities WHERE provider = $1 AND subject = $2",
        std::move(provider), std::move(subject)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return first_identity(*rows);
}

core::task<core::result<std::optional<linked_identity>>> oauth_repo::find_identity_of(
    infra::db::transaction& tx, std::string id, std::string user_id
) {
    auto rows = co_await tx.query(
        "SELECT " + std::string{identity_columns} +
            " FROM user_identities WHERE id = $1 AND user_id = $2",
        std::move(id), std::move(user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return first_identity(*rows);
}

core::task<core::result<void>> oauth_repo::insert_identity(
    infra::db::transaction& tx, linked_identity i
) {
    std::optional<std::int64_t> last;
    if (i.last_used_at) {
        last = to_ms(*i.last_used_at);
    }
    auto done = co_await tx.query(
        "INSERT INTO user_identities (id, user_id, provider, subject, email, created_at_ms, "
        "last_used_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        std::move(i.id), std::move(i.user_id), std::move(i.provider), std::move(i.subject),
        std::move(i.email), to_ms(i.created_at), last
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> oauth_repo::touch_identity(
    infra::db::transaction& tx,
    std::string id,
    std::optional<std::string> email,
    core::time_point now
) {
    auto done = co_await tx.query(
        "UPDATE user_identities SET last_used_at_ms = $2, email = $3 WHERE id = $1", std::move(id),
        to_ms(now), std::move(email)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> oauth_repo::delete_identity(
    infra::db::transaction& tx, std::string id
) {
    auto done = co_await tx.query("DELETE FROM user_identities WHERE id = $1", std::move(id));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<page<linked_identity>>> oauth_repo::list_identities(
    std::string user_id, std::optional<std::string> before_id, int limit
) {
    std::string sql =
        "SELECT " + std::string{identity_columns} + " FROM user_identities WHERE user_id = $1";
    infra::db::params args{std::move(user_id)};
    if (before_id) {
        sql += " AND id < $2";
        args.emplace_back(std::move(*before_id));
    }
    sql += " ORDER BY id DESC LIMIT " + std::to_string(limit + 1);
    auto rows = co_await db_.read(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    page<linked_identity> out;
    for (auto r : *rows) {
        if (static_cast<int>(out.items.size()) == limit) {
            out.next_cursor = core::encode_cursor(out.items.back().id);
            break;
        }
        out.items.push_back(read_identity(r));
    }
    co_return out;
}

core::task<core::result<sign_in_methods>> oauth_repo::methods_of(
    infra::db::transaction& tx, std::string user_id
) {
    auto rows = co_await tx.query(
        "SELECT password_hash IS NOT NULL AS has_password, phone_verified_at_ms IS NOT NULL AS "
        "has_phone, (SELECT COUNT(*) FROM user_identities WHERE user_id = $1) AS identities FROM "
        "users WHERE id = $1",
        std::move(user_id)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return core::fail(core::errc::not_found, "no such user");
    }
    auto r = rows->front();
    co_return sign_in_methods{
        .password = r.get<bool>("has_password"),
        .verified_phone = r.get<bool>("has_phone"),
        .identities = r.get<std::int64_t>("identities"),
    };
}

}  // namespace identity
