// Access tokens that must stop working before they expire: sessions revoked and users suspended
// recently.
#pragma once

#include <chrono>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "infra/crypto/jwt.hpp"

namespace identity {

// A short in-memory list: an entry only matters while tokens issued before it can still be valid,
// so it is forgotten after `window` (access-token lifetime + leeway). Per process: other instances
// learn of a revocation when the session is refused at the next refresh (docs/security.md).
// Thread-safe.
class revocation_list {
public:
    revocation_list(const core::clock& clock, std::chrono::seconds window);

    void revoke_session(const std::string& session_id);
    // Refuses the user's tokens until reinstate_user(); a suspended user cannot get new ones
    // meanwhile.
    void suspend_user(const std::string& user_id);
    void reinstate_user(const std::string& user_id);

    bool refuses(const std::string& user_id, const std::string& session_id) const;

    // Entries restored at start-up: revocations made by an earlier run within the window.
    void restore_session(const std::string& session_id, core::time_point revoked_at);
    void restore_user(const std::string& user_id, core::time_point suspended_at);

    std::chrono::seconds window() const noexcept { return window_; }

private:
    void prune_locked(core::time_point now);

    const core::clock& clock_;
    std::chrono::seconds window_;
    mutable std::shared_mutex mu_;
    std::unordered_map<std::string, core::time_point> sessions_;
    std::unordered_map<std::string, core::time_point> users_;
    core::time_point last_prune_{};
};

// The module's core::token_verifier: a strictly verified JWT whose session and user are not
// revoked.
class access_verifier final : public core::token_verifier {
public:
    access_verifier(const infra::crypto::jwt_codec& codec, const revocation_list& revoked)
        : codec_(codec), revoked_(revoked) {}
    core::result<core::principal> verify(std::string_view token) const override;

private:
    const infra::crypto::jwt_codec& codec_;
    const revocation_list& revoked_;
};

}  // namespace identity
