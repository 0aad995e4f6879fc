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
#include "modules/identity/account_deletion.hpp"
#include "modules/identity/account_service.hpp"
#include "modules/identity/auth_service.hpp"
#include "modules/identity/courier_service.hpp"
#include "modules/identity/model.hpp"
#include "modules/identity/oauth_service.hpp"
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

// Account deletion requests: /api/v1/me/deletion.
class deletion_routes {
public:
    explicit deletion_routes(deletion_service& deletions) : deletions_(deletions) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> request(core::http::request& req);
    core::task<core::http::response> show(core::http::request& req);
    core::task<core::http::response> cancel(core::http::request& req);

    deletion_service& deletions_;
};

// The signing keys, for admins: /api/v1/admin/keys.
class key_routes {
public:
    key_routes(infra::crypto::key_ring& keys, audit_repo audit)
        : keys_(keys), audit_(std::move(audit)) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> list(core::http::request& req);
    core::task<core::http::response> rotate(core::http::request& req);

    infra::crypto::key_ring& keys_;
    audit_repo audit_;
};

// Social sign-in (/api/v1/auth/oauth/{provider}/...) and the caller's linked identities
// (/api/v1/me/identities).
class oauth_routes {
public:
    explicit oauth_routes(oauth_service& oauth) : oauth_(oauth) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> start(core::http::request& req);
    core::task<core::http::response> callback(core::http::request& req);
    core::task<core::http::response> token(core::http::request& req);
    core::task<core::http::response> identities(core::http::request& req);
    core::task<core::http::response> unlink(core::http::request& req);

    oauth_service& oauth_;
};

// Courier applications: /api/v1/me/courier-application and /api/v1/admin/couriers.
class courier_routes {
public:
    explicit courier_routes(courier_service& couriers) : couriers_(couriers) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> apply(core::http::request& req);
    core::task<core::http::response> mine(core::http::request& req);
    core::task<core::http::response> list(core::http::request& req);
    core::task<core::http::response> approve(core::http::request& req);
    core::task<core::http::response> reject(core::http::request& req);

    courier_service& couriers_;
};

}  // namespace identity
