// SQL for social sign-in: external identities linked to users, sign-ins started with a provider
// (oauth_states) and ID tokens already used by apps.
#pragma once

#include <optional>
#include <string>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/identity/model.hpp"

namespace identity {

// A sign-in started with a provider, keyed by the SHA-256 of its state.
struct pending_sign_in {
    std::string state_hash;
    std::string provider;
    std::optional<std::string> nonce;
    std::string code_verifier;
    std::optional<std::string> redirect_to;
    std::string browser_hash;  // SHA-256 of the cookie that binds it to the browser
    core::time_point created_at;
    core::time_point expires_at;
};

// What a user can still sign in with.
struct sign_in_methods {
    bool password = false;
    bool verified_phone = false;
    std::int64_t identities = 0;
};

class oauth_repo {
public:
    explicit oauth_repo(infra::db::database& db) : db_(db) {}

    core::task<core::result<void>> insert_state(infra::db::transaction& tx, pending_sign_in p);
    // Marks an unused, unexpired state used and returns it, in one statement so a state works
    // once; nullopt when there is none.
    core::task<core::result<std::optional<pending_sign_in>>> consume_state(
        std::string state_hash, core::time_point now
    );
    // Drops expired states and used-token records.
    core::task<core::result<void>> delete_expired(infra::db::transaction& tx, core::time_point now);
    // Records a single-use token; false when it was recorded before (a replay).
    core::task<core::result<bool>> mark_token_used(
        infra::db::transaction& tx,
        std::string token_hash,
        std::string provider,
        core::time_point expires_at
    );

    core::task<core::result<std::optional<linked_identity>>> find_identity(
        infra::db::transaction& tx, std::string provider, std::string subject
    );
    // The identity `id` when it belongs to `user_id`.
    core::task<core::result<std::optional<linked_identity>>> find_identity_of(
        infra::db::transaction& tx, std::string id, std::string user_id
    );
    core::task<core::result<void>> insert_identity(infra::db::transaction& tx, linked_identity i);
    // Records a sign-in with the identity and the email the provider asserts now.
    core::task<core::result<void>> touch_identity(
        infra::db::transaction& tx,
        std::string id,
        std::optional<std::string> email,
        core::time_point now
    );
    core::task<core::result<void>> delete_identity(infra::db::transaction& tx, std::string id);
    // Newest first, after the cursor position `before_id`.
    core::task<core::result<page<linked_identity>>> list_identities(
        std::string user_id, std::optional<std::string> before_id, int limit
    );

    core::task<core::result<sign_in_methods>> methods_of(
        infra::db::transaction& tx, std::string user_id
    );

private:
    infra::db::database& db_;
};

}  // namespace identity
