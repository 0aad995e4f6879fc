#include "modules/identity/revocation.hpp"

#include <mutex>

namespace identity {

revocation_list::revocation_list(const core::clock& clock, std::chrono::seconds window)
    : clock_(clock), window_(window) {}

void revocation_list::prune_locked(core::time_point now) {
    // At most once per window/4: keeps the hot path a lookup.
    if (now - last_prune_ < window_ / 4) {
        return;
    }
    last_prune_ = now;
    auto cutoff = now - window_;
    std::erase_if(sessions_, [&](const auto& kv) { return kv.second < cutoff; });
    std::erase_if(users_, [&](const auto& kv) { return kv.second < cutoff; });
}

void revocation_list::revoke_session(const std::string& session_id) {
    restore_session(session_id, clock_.now());
}

void revocation_list::suspend_user(const std::string& user_id) {
    restore_user(user_id, clock_.now());
}

void revocation_list::reinstate_user(const std::string& user_id) {
    std::lock_guard lock{mu_};
    users_.erase(user_id);
}

void revocation_list::restore_session(const std::string& session_id, core::time_point revoked_at) {
    std::lock_guard lock{mu_};
    prune_locked(clock_.now());
    sessions_[session_id] = revoked_at;
}

void revocation_list::restore_user(const std::string& user_id, core::time_point suspended_at) {
    std::lock_guard lock{mu_};
    prune_locked(clock_.now());
    users_[user_id] = suspended_at;
}

bool revocation_list::refuses(const std::string& user_id, const std::string& session_id) const {
    std::shared_lock lock{mu_};
    return users_.contains(user_id) || sessions_.contains(session_id);
}

core::result<core::principal> access_verifier::verify(std::string_view token) const {
    auto claims = codec_.verify(token);
    if (!claims) {
        return std::move(claims).error();
    }
    if (revoked_.refuses(claims->sub, claims->sid)) {
        return core::fail(
            core::errc::unauthenticated, "the session or user of the token is revoked"
        );
    }
    return core::principal{
        .user_id = std::move(claims->sub),
        .roles = std::move(claims->roles),
        .session_id = std::move(claims->sid),
    };
}

}  // namespace identity
