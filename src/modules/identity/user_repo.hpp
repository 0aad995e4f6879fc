// SQL for users, their roles and the single-use tokens sent to them.
#pragma once

#include <optional>
#include <string>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/identity/model.hpp"

namespace identity {

// What sign-in needs to know about an account.
struct credentials {
    std::string user_id;
    std::optional<std::string> email;
    std::optional<std::string> password_hash;
    user_status status = user_status::active;
};

struct new_user {
    std::string id;
    std::optional<std::string> email;
    std::optional<std::string> password_hash;
    std::string name;
    std::optional<core::time_point> email_verified_at;
    std::optional<std::string> phone;  // E.164, verified when set
};

struct profile_update {
    std::optional<std::string> name;
    bool locale_present = false;
    std::optional<std::string> locale;  // nullopt with locale_present = cleared
    std::optional<bool> marketing_email;
    std::optional<bool> marketing_sms;
    std::optional<bool> marketing_push;
};

enum class token_purpose { verify_email, reset_password };

// A single-use token that was valid and is now spent.
struct spent_token {
    std::string user_id;
    std::string email;
};

class user_repo {
public:
    explicit user_repo(infra::db::database& db) : db_(db) {}

    core::task<core::result<std::optional<credentials>>> find_credentials_by_email(std::string email
    );
    core::task<core::result<std::optional<credentials>>> find_credentials(std::string user_id);

    core::task<core::result<std::optional<user>>> find(std::string user_id);
    core::task<core::result<std::optional<user>>> find(
        infra::db::transaction& tx, std::string user_id
    );
    core::task<core::result<std::optional<std::string>>> find_id_by_email(
        infra::db::transaction& tx, std::string email
    );

    core::task<core::result<std::optional<std::string>>> find_id_by_phone(
        infra::db::transaction& tx, std::string phone
    );
    // Sets the user's phone as verified; `conflict` when another account has it.
    core::task<core::result<void>> set_verified_phone(
        infra::db::transaction& tx, std::string user_id, std::string phone, core::time_point now
    );

    // `conflict` when the email (or phone) is taken.
    core::task<core::result<void>> insert(
        infra::db::transaction& tx, new_user u, core::time_point now
    );
    // Grants an active role; false when the user already had it active.
    core::task<core::result<bool>> grant_role(
        infra::db::transaction& tx, std::string user_id, std::string role, core::time_point now
    );
    // Removes a role (active or pending); false when the user did not have it.
    core::task<core::result<bool>> revoke_role(
        infra::db::transaction& tx, std::string user_id, std::string role
    );
    core::task<core::result<void>> set_password(
        infra::db::transaction& tx, std::string user_id, std::string hash, core::time_point now
    );
    // False when the user already had that status; not_found when there is no such user.
    core::task<core::result<bool>> set_status(
        infra::db::transaction& tx, std::string user_id, user_status status, core::time_point now
    );
    core::task<core::result<void>> update_profile(
        infra::db::transaction& tx, std::string user_id, profile_update p, core::time_point now
    );
    // Marks the email verified when it is still the user's address; false otherwise.
    core::task<core::result<bool>> mark_email_verified(
        infra::db::transaction& tx, std::string user_id, std::string email, core::time_point now
    );

    // Users suspended since `since` (start-up restores the revocation list from them).
    core::task<core::result<std::vector<std::pair<std::string, core::time_point>>>> suspended_since(
        core::time_point since
    );

    core::task<core::result<void>> insert_token(
        infra::db::transaction& tx,
        std::string token_hash,
        std::string user_id,
        token_purpose purpose,
        std::string email,
        core::time_point now,
        core::time_point expires_at
    );
    // Spends an unexpired, unused token of that purpose; nullopt when there is none.
    core::task<core::result<std::optional<spent_token>>> consume_token(
        infra::db::transaction& tx,
        std::string token_hash,
        token_purpose purpose,
        core::time_point now
    );

private:
    infra::db::database& db_;
};

}  // namespace identity
