// The HTTP adapters of the identity module: decode and validate, call a service, encode. One class
// per audience (/auth, /me, /admin); handlers are member functions bound to the router.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/http/router.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/crypto/jwt.hpp"
#include "modules/identity/account_service.hpp"
#include "modules/identity/auth_service.hpp"
#include "modules/identity/model.hpp"
#include "modules/identity/otp_service.hpp"

#include "core/http/body.hpp"

namespace identity {

// Largest body an identity route reads; larger gets 413 before it is read.
inline constexpr std::size_t body_limit = std::size_t{16} * 1024;

// The one body reader every module uses (src/core/http/body.hpp).
using core::http::json_body;
client_info client_of(const core::http::request& req);

// `cursor` (a position within `prefix` ids) and `limit` (1-100, default 20) query parameters.
struct page_query {
    std::optional<std::string> before_id;
    int limit = 20;
};
core::result<page_query> page_of(const core::http::request& req, std::string_view prefix);

template <class T>
boost::json::object list_json(
    const page<T>& p, const std::function<boost::json::object(const T&)>& item
) {
    boost::json::array items;
    for (const auto& i : p.items) {
        items.push_back(item(i));
    }
    return {
        {"object", "list"},
        {"items", std::move(items)},
        {"next_cursor",
         p.next_cursor ? boost::json::value(*p.next_cursor) : boost::json::value(nullptr)},
    };
}

class auth_routes {
public:
    auth_routes(auth_service& auth, const infra::crypto::key_ring& keys)
        : auth_(auth), keys_(keys) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> jwks(core::http::request& req);
    core::task<core::http::response> register_user(core::http::request& req);
    core::task<core::http::response> login(core::http::request& req);
    core::task<core::http::response> refresh(core::http::request& req);
    core::task<core::http::response> logout(core::http::request& req);
    core::task<core::http::response> request_email_verification(core::http::request& req);
    core::task<core::http::response> verify_email(core::http::request& req);
    core::task<core::http::response> request_password_reset(core::http::request& req);
    core::task<core::http::response> reset_password(core::http::request& req);

    auth_service& auth_;
    const infra::crypto::key_ring& keys_;
};

// Phone one-time codes: /api/v1/auth/otp/*.
class otp_routes {
public:
    explicit otp_routes(otp_service& otp) : otp_(otp) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> start(core::http::request& req);
    core::task<core::http::response> verify(core::http::request& req);

    otp_service& otp_;
};

class me_routes {
public:
    me_routes(auth_service& auth, account_service& accounts) : auth_(auth), accounts_(accounts) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> show(core::http::request& req);
    core::task<core::http::response> update(core::http::request& req);
    core::task<core::http::response> change_password(core::http::request& req);
    core::task<core::http::response> sessions(core::http::request& req);
    core::task<core::http::response> revoke_session(core::http::request& req);

    auth_service& auth_;
    account_service& accounts_;
};

class admin_routes {
public:
    explicit admin_routes(account_service& accounts) : accounts_(accounts) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> audit_events(core::http::request& req);
    core::task<core::http::response> suspend(core::http::request& req);
    core::task<core::http::response> reactivate(core::http::request& req);
    core::task<core::http::response> change_status(core::http::request& req, user_status status);

    account_service& accounts_;
};

}  // namespace identity
