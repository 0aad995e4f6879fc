// SQL for sessions and the refresh tokens rotated within them.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/identity/model.hpp"

namespace identity {

// A presented refresh token with its session and account, as found.
struct refresh_lookup {
    std::string session_id;
    std::string user_id;
    core::time_point expires_at;
    bool used = false;
    bool session_revoked = false;
    user_status status = user_status::active;
};

class session_repo {
public:
    explicit session_repo(infra::db::database& db) : db_(db) {}

    // A new session with its first refresh token.
    core::task<core::result<void>> insert(
        infra::db::transaction& tx, session s, std::string token_hash
    );
    core::task<core::result<std::optional<refresh_lookup>>> find_refresh(
        infra::db::transaction& tx, std::string token_hash
    );
    // Marks an unused token used; false when it already was (a concurrent refresh won).
    core::task<core::result<bool>> mark_used(
        infra::db::transaction& tx, std::string token_hash, core::time_point now
    );
    // The next token of a session; the session records its use.
    core::task<core::result<void>> rotate(
        infra::db::transaction& tx,
        std::string session_id,
        std::string token_hash,
        core::time_point now,
        core::time_point expires_at,
        client_info client
    );

    // Revokes one active session of the user; false when there is none with that id.
    core::task<core::result<bool>> revoke(
        infra::db::transaction& tx,
        std::string session_id,
        std::string user_id,
        std::string reason,
        core::time_point now
    );
    // Revokes every active session of the user but `keep`; returns the revoked ids.
    core::task<core::result<std::vector<std::string>>> revoke_all(
        infra::db::transaction& tx,
        std::string user_id,
        std::string reason,
        core::time_point now,
        std::optional<std::string> keep
    );

    // Active sessions, newest first, after the cursor position `before_id`.
    core::task<core::result<page<session>>> list_active(
        std::string user_id, core::time_point now, std::optional<std::string> before_id, int limit
    );

    // Sessions revoked since `since` (start-up restores the revocation list from them).
    core::task<core::result<std::vector<std::pair<std::string, core::time_point>>>> revoked_since(
        core::time_point since
    );

private:
    infra::db::database& db_;
};

}  // namespace identity
