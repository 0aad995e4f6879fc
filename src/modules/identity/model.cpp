#include "modules/identity/model.hpp"

namespace identity {
namespace {

boost::json::value optional_text(const std::optional<std::string>& s) {
    return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

}  // namespace

std::string_view to_string(user_status s) noexcept {
    return s == user_status::suspended ? "suspended" : "active";
}

user_status parse_user_status(std::string_view s) noexcept {
    return s == "suspended" ? user_status::suspended : user_status::active;
}

boost::json::object to_json(const user& u) {
    boost::json::array roles;
    for (const auto& r : u.roles) {
        roles.emplace_back(r);
    }
    return {
        {"id", u.id},
        {"object", "user"},
        {"email", optional_text(u.email)},
        {"email_verified", u.email_verified_at.has_value()},
        {"phone", optional_text(u.phone)},
        {"phone_verified", u.phone_verified_at.has_value()},
        {"name", u.name},
        {"locale", optional_text(u.locale)},
        {"roles", std::move(roles)},
        {"status", to_string(u.status)},
        {"marketing",
         {{"email", u.marketing.email}, {"sms", u.marketing.sms}, {"push", u.marketing.push}}},
        {"created_at", core::format_rfc3339(u.created_at)},
        {"updated_at", core::format_rfc3339(u.updated_at)},
    };
}

boost::json::object to_json(const session& s, std::string_view current_session_id) {
    return {
        {"id", s.id},
        {"object", "session"},
        {"method", s.method},
        {"user_agent", optional_text(s.user_agent)},
        {"ip", optional_text(s.ip)},
        {"current", s.id == current_session_id},
        {"created_at", core::format_rfc3339(s.created_at)},
        {"last_used_at", core::format_rfc3339(s.last_used_at)},
        {"expires_at", core::format_rfc3339(s.expires_at)},
    };
}

boost::json::object to_json(const audit_event& e) {
    return {
        {"id", e.id},
        {"object", "audit_event"},
        {"type", e.type},
        {"user_id", optional_text(e.user_id)},
        {"actor_id", optional_text(e.actor_id)},
        {"ip", optional_text(e.ip)},
        {"user_agent", optional_text(e.user_agent)},
        {"data", e.data},
        {"created_at", core::format_rfc3339(e.created_at)},
    };
}

boost::json::object to_json(const linked_identity& i) {
    return {
        {"id", i.id},
        {"object", "identity"},
        {"provider", i.provider},
        {"email", optional_text(i.email)},
        {"created_at", core::format_rfc3339(i.created_at)},
        {"last_used_at",
         i.last_used_at ? boost::json::value(core::format_rfc3339(*i.last_used_at))
                        : boost::json::value(nullptr)},
    };
}

boost::json::object to_json(const signed_in& s) {
    return {
        {"user", to_json(s.account)},
        {"access_token", s.tokens.access_token},
        {"refresh_token", s.tokens.refresh_token},
        {"token_type", "Bearer"},
        {"expires_in", s.tokens.expires_in.count()},
    };
}

}  // namespace identity
