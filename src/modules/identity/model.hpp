// Users, sessions and security events of the identity module, and their JSON shapes.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace identity {

// Timestamps are stored as milliseconds since the epoch (BIGINT on both dialects).
inline std::int64_t to_ms(core::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline core::time_point from_ms(std::int64_t ms) {
    return core::time_point{std::chrono::milliseconds{ms}};
}

namespace role {
inline constexpr std::string_view customer = "customer";
inline constexpr std::string_view vendor = "vendor";
inline constexpr std::string_view courier = "courier";
inline constexpr std::string_view admin = "admin";
}  // namespace role

enum class user_status { active, suspended };

std::string_view to_string(user_status s) noexcept;
user_status parse_user_status(std::string_view s) noexcept;

struct marketing_preferences {
    bool email = false;
    bool sms = false;
    bool push = false;
};

struct user {
    std::string id;
    std::optional<std::string> email;
    std::optional<core::time_point> email_verified_at;
    std::optional<std::string> phone;
    std::optional<core::time_point> phone_verified_at;
    std::string name;
    std::optional<std::string> locale;
    user_status status = user_status::active;
    std::vector<std::string> roles;  // active roles only: what access tokens carry
    marketing_preferences marketing;
    core::time_point created_at;
    core::time_point updated_at;
};

// One sign-in and its refresh-token family.
struct session {
    std::string id;
    std::string user_id;
    std::string method;
    std::optional<std::string> user_agent;
    std::optional<std::string> ip;
    core::time_point created_at;
    core::time_point last_used_at;
    core::time_point expires_at;
};

struct token_pair {
    std::string access_token;
    std::string refresh_token;
    std::chrono::seconds expires_in{0};
    std::string session_id;
};

// The answer of register, login and refresh.
struct signed_in {
    user account;
    token_pair tokens;
};

struct audit_event {
    std::string id;
    std::string type;
    std::optional<std::string> user_id;
    std::optional<std::string> actor_id;
    std::optional<std::string> ip;
    std::optional<std::string> user_agent;
    boost::json::object data;
    core::time_point created_at;
};

// An account at a sign-in provider (Google, Facebook, another OpenID provider) linked to a user.
struct linked_identity {
    std::string id;  // idn_...
    std::string user_id;
    std::string provider;
    std::string subject;               // the provider's stable user id
    std::optional<std::string> email;  // as the provider last asserted it
    core::time_point created_at;
    std::optional<core::time_point> last_used_at;
};

// Where a request came from, for sessions and the audit log.
struct client_info {
    std::string ip;
    std::optional<std::string> user_agent;
};

// One page of a cursor-paginated list.
template <class T>
struct page {
    std::vector<T> items;
    std::optional<std::string> next_cursor;
};

boost::json::object to_json(const user& u);
boost::json::object to_json(const session& s, std::string_view current_session_id);
boost::json::object to_json(const audit_event& e);
// {id, object: "identity", provider, email, created_at, last_used_at}; never the subject.
boost::json::object to_json(const linked_identity& i);
// {user, access_token, refresh_token, token_type, expires_in}
boost::json::object to_json(const signed_in& s);

}  // namespace identity
