#include "modules/identity/account_deletion.hpp"

#include <array>
#include <functional>

#include "infra/bus/outbox.hpp"
#include "modules/identity/secrets.hpp"

namespace identity {
namespace {

using core::errc;
using core::fail;

core::error password_mismatch() {
    return core::error{
        errc::invalid,
        "1 field is invalid",
        {core::field_error{"/password", "mismatch", "is not your current password"}}};
}

}  // namespace

deletion_service::deletion_service(
    infra::db::database& db,
    const core::clock& clock,
    core::worker_pool& workers,
    revocation_list& revoked,
    std::chrono::seconds grace
)
    : db_(db),
      clock_(clock),
      workers_(workers),
      revoked_(revoked),
      grace_(grace),
      users_(db),
      sessions_(db),
      audit_(db, clock) {}

core::task<core::result<account_deletion>> deletion_service::request(
    core::principal who, std::optional<std::string> password, client_info client
) {
    auto found = co_await users_.find_credentials(who.user_id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::not_found, "no such user");
    }
    // A stolen access token alone must not be enough to erase an account that has a password.
    if (auto hash = (*found)->password_hash) {
        if (!password) {
            co_return core::error{
                errc::invalid,
                "1 field is invalid",
                {core::field_error{"/password", "required", "is required for this account"}}};
        }
        auto check = [hash = *hash, typed = std::move(*password)] {
            return secrets::verify_password(hash, typed);
        };
        if (!(co_await workers_.run(std::move(check)))) {
            co_return password_mismatch();
        }
    }
    auto body = std::bind_front(&deletion_service::request_tx, this, who, std::move(client));
    auto done = co_await infra::db::transact(db_, std::move(body));
    if (!done) {
        co_return std::move(done).error();
    }
    for (const auto& id : done->sessions) {
        revoked_.revoke_session(id);
    }
    co_return std::move(done->deletion);
}

core::task<core::result<deletion_service::revoked_ids>> deletion_service::request_tx(
    core::principal who, client_info client, infra::db::transaction& tx
) {
    auto now = clock_.now();
    account_deletion d{.user_id = who.user_id, .requested_at = now, .purge_after = now + grace_};
    auto existing = co_await tx.query(
        "SELECT completed_at_ms FROM account_deletions WHERE user_id = $1", who.user_id
    );
    if (!existing) {
        co_return std::move(existing).error();
    }
    if (!existing->empty()) {
        co_return fail(errc::conflict, "a deletion of this account is already scheduled");
    }
    auto inserted = co_await tx.query(
        "INSERT INTO account_deletions (user_id, requested_at_ms, purge_after_ms) VALUES ($1, $2, "
        "$3)",
        who.user_id, to_ms(d.requested_at), to_ms(d.purge_after)
    );
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    auto revoked =
        co_await sessions_.revoke_all(tx, who.user_id, "deletion_requested", now, std::nullopt);
    if (!revoked) {
        co_return std::move(revoked).error();
    }
    boost::json::object event{
        {"user_id", who.user_id}, {"purge_after", core::format_rfc3339(d.purge_after)}};
    auto appended = co_await infra::bus::append(
        tx, clock_, "user.deletion_requested", who.user_id, std::move(event)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    audit_entry entry{
        .type = "account.deletion_requested",
        .user_id = who.user_id,
        .actor_id = who.user_id,
        .client = std::move(client),
        .data = {{"sessions_revoked", revoked->size()}}};
    auto audited = co_await audit_.append(tx, std::move(entry));
    if (!audited) {
        co_return std::move(audited).error();
    }
    co_return revoked_ids{std::move(d), std::move(*revoked)};
}

core::task<core::result<void>> deletion_service::cancel(core::principal who, client_info client) {
    auto body = std::bind_front(&deletion_service::cancel_tx, this, who, std::move(client));
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<void>> deletion_service::cancel_tx(
    core::principal who, client_info client, infra::db::transaction& tx
) {
    auto deleted = co_await tx.query(
        "DELETE FROM account_deletions WHERE user_id = $1 AND completed_at_ms IS NULL RETURNING "
        "user_id",
        who.user_id
    );
    if (!deleted) {
        co_return std::move(deleted).error();
    }
    if (deleted->empty()) {
        co_return fail(errc::not_found, "no deletion of this account is scheduled");
    }
    boost::json::object event{{"user_id", who.user_id}};
    auto appended = co_await infra::bus::append(
        tx, clock_, "user.deletion_cancelled", who.user_id, std::move(event)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    audit_entry entry{
        .type = "account.deletion_cancelled",
        .user_id = who.user_id,
        .actor_id = who.user_id,
        .client = std::move(client)};
    co_return co_await audit_.append(tx, std::move(entry));
}

core::task<core::result<std::optional<account_deletion>>> deletion_service::scheduled(
    std::string user_id
) {
    auto rows = co_await db_.select(
        "SELECT requested_at_ms, purge_after_ms FROM account_deletions WHERE user_id = $1 AND "
        "completed_at_ms IS NULL",
        user_id
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return std::optional<account_deletion>{};
    }
    const auto& r = rows->front();
    co_return account_deletion{
        .user_id = std::move(user_id),
        .requested_at = from_ms(r.get<std::int64_t>(0)),
        .purge_after = from_ms(r.get<std::int64_t>(1))};
}

core::task<core::result<int>> deletion_service::purge_due(int limit) {
    auto body = std::bind_front(&deletion_service::purge_tx, this, limit);
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<int>> deletion_service::purge_tx(int limit, infra::db::transaction& tx) {
    auto now = to_ms(clock_.now());
    // The claim: a concurrent purge on another instance waits for this row lock, then finds the
    // row completed and skips it.
    auto claimed = co_await tx.query(
        "UPDATE account_deletions SET completed_at_ms = $1 WHERE completed_at_ms IS NULL AND "
        "user_id IN (SELECT user_id FROM account_deletions WHERE completed_at_ms IS NULL AND "
        "purge_after_ms <= $1 ORDER BY purge_after_ms LIMIT $2) RETURNING user_id",
        now, limit
    );
    if (!claimed) {
        co_return std::move(claimed).error();
    }
    int purged = 0;
    for (auto r : *claimed) {
        auto id = r.get<std::string>(0);
        // Personal data goes; the row stays so that orders and reviews keep a valid reference.
        static constexpr std::array<std::string_view, 7> erase = {
            "UPDATE users SET email = NULL, email_verified_at_ms = NULL, phone = NULL, "
            "phone_verified_at_ms = NULL, password_hash = NULL, name = 'Deleted user', locale = "
            "NULL, marketing_email = 0, marketing_sms = 0, marketing_push = 0, status = "
            "'suspended', status_changed_at_ms = $2, updated_at_ms = $2 WHERE id = $1",
            "DELETE FROM user_identities WHERE user_id = $1",
            "DELETE FROM user_roles WHERE user_id = $1",
            "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE "
            "user_id = $1)",
            "UPDATE sessions SET revoked_at_ms = COALESCE(revoked_at_ms, $2), revoked_reason = "
            "COALESCE(revoked_reason, 'deleted'), user_agent = NULL, ip = NULL WHERE user_id = $1",
            "DELETE FROM user_tokens WHERE user_id = $1",
            "DELETE FROM phone_otps WHERE user_id = $1",
        };
        for (auto sql : erase) {
            // Only the UPDATEs stamp a time.
            if (sql.find("$2") == std::string_view::npos) {
                auto done = co_await tx.query(std::string{sql}, id);
                if (!done) {
                    co_return std::move(done).error();
                }
            } else {
                auto done = co_await tx.query(std::string{sql}, id, now);
                if (!done) {
                    co_return std::move(done).error();
                }
            }
        }
        boost::json::object event{{"user_id", id}};
        auto appended = co_await infra::bus::append(tx, clock_, "user.deleted", id, std::move(event));
        if (!appended) {
            co_return std::move(appended).error();
        }
        audit_entry entry{.type = "account.deleted", .user_id = id};
        auto audited = co_await audit_.append(tx, std::move(entry));
        if (!audited) {
            co_return std::move(audited).error();
        }
        revoked_.suspend_user(id);
        ++purged;
    }
    co_return purged;
}

}  // namespace identity
