#include "modules/identity/auth_service.hpp"

#include <functional>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "infra/bus/outbox.hpp"
#include "modules/identity/policy.hpp"
#include "modules/identity/secrets.hpp"

namespace identity {
namespace {

using core::errc;
using core::fail;

constexpr std::string_view wrong_credentials = "the email address or password is wrong";
constexpr std::string_view method_password = "password";

// Opaque tokens are 43 base64url characters; anything else is refused without a database round
// trip.
bool looks_like_token(std::string_view token) {
    return token.size() == 43 && std::all_of(token.begin(), token.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
           });
}

core::error invalid_field(std::string pointer, std::string code, std::string message) {
    return core::error{
        errc::invalid,
        "1 field is invalid",
        {core::field_error{std::move(pointer), std::move(code), std::move(message)}}};
}

double per_second(std::chrono::milliseconds interval) {
    return 1000.0 / static_cast<double>(std::max<std::int64_t>(1, interval.count()));
}

boost::json::array json_roles(const std::vector<std::string>& roles) {
    boost::json::array out;
    for (const auto& r : roles) {
        out.emplace_back(r);
    }
    return out;
}

std::string make_hash_on_startup() {
    auto h = secrets::hash_password(secrets::random_token());
    if (!h) {
        throw std::runtime_error("cannot hash a password: " + h.error().detail);
    }
    return std::move(*h);
}

}  // namespace

auth_service::auth_service(
    infra::db::database& db,
    const core::clock& clock,
    core::worker_pool& workers,
    core::metrics::registry& metrics,
    const infra::crypto::jwt_codec& codec,
    revocation_list& revoked,
    notification_sender& sender,
    auth_settings settings
)
    : db_(db),
      clock_(clock),
      workers_(workers),
      codec_(codec),
      revoked_(revoked),
      sender_(sender),
      settings_(settings),
      users_(db),
      sessions_(db),
      audit_(db, clock),
      account_limiter_(
          per_second(settings.login_account.interval), settings.login_account.burst, clock
      ),
      address_limiter_(per_second(settings.address.interval), settings.address.burst, clock),
      dummy_hash_(make_hash_on_startup()),
      login_failures_(metrics.get_counter(
          "identity_login_failures_total",
          "Sign-in attempts refused (unknown email, wrong password, suspended)"
      )),
      throttled_(metrics.get_counter(
          "identity_throttled_total",
          "Sign-in, registration and reset attempts refused by a throttle"
      )),
      refresh_reuse_(metrics.get_counter(
          "identity_refresh_token_reuse_total",
          "Used refresh tokens presented again (session revoked)"
      )) {}

core::result<void> auth_service::take(core::http::rate_limiter& limiter, const std::string& key) {
    auto d = limiter.take(key);
    if (d.allowed) {
        return core::ok();
    }
    throttled_.inc();
    core::error e{errc::rate_limited, "too many attempts; try again later"};
    e.retry_after = d.retry_after_seconds;
    return e;
}

token_pair auth_service::access_for(
    std::string user_id, std::vector<std::string> roles, std::string session_id, std::string refresh
) const {
    auto claims = codec_.issue(std::move(user_id), std::move(roles), session_id);
    return token_pair{
        .access_token = codec_.sign(claims),
        .refresh_token = std::move(refresh),
        .expires_in = codec_.settings().access_token_lifetime,
        .session_id = std::move(session_id),
    };
}

core::task<core::result<token_pair>> auth_service::open_session(
    infra::db::transaction& tx,
    std::string user_id,
    std::vector<std::string> roles,
    std::string method,
    client_info client,
    core::time_point now
) {
    auto refresh = secrets::random_token();
    session s{
        .id = core::new_id("ses", now),
        .user_id = user_id,
        .method = std::move(method),
        .user_agent = std::move(client.user_agent),
        .ip = std::move(client.ip),
        .created_at = now,
        .last_used_at = now,
        .expires_at = now + settings_.refresh_token_ttl,
    };
    auto sid = s.id;
    auto stored = co_await sessions_.insert(tx, std::move(s), secrets::sha256_hex(refresh));
    if (!stored) {
        co_return std::move(stored).error();
    }
    co_return access_for(std::move(user_id), std::move(roles), std::move(sid), std::move(refresh));
}

core::task<core::result<void>> auth_service::send_verification(
    infra::db::transaction& tx, std::string user_id, std::string email, core::time_point now
) {
    auto token = secrets::random_token();
    auto stored = co_await users_.insert_token(
        tx, secrets::sha256_hex(token), user_id, token_purpose::verify_email, email, now,
        now + settings_.email_token_ttl
    );
    if (!stored) {
        co_return std::move(stored).error();
    }
    auto hours = std::chrono::duration_cast<std::chrono::hours>(settings_.email_token_ttl).count();
    notification message{
        .channel = "email",
        .recipient = email,
        .template_name = "verify_email",
        .subject = "Confirm your email address",
        .body = "Confirm this email address for your trader account with this code: " + token +
                "\nIt expires in " + std::to_string(std::max<std::int64_t>(1, hours)) +
                " hour(s). If you did not sign up, ignore this message.",
        .data =
            {{"token", token},
             {"expires_at", core::format_rfc3339(now + settings_.email_token_ttl)}},
        .user_id = std::move(user_id),
    };
    co_return co_await sender_.send(tx, std::move(message));
}

// Registration

core::task<core::result<signed_in>> auth_service::register_user(registration r) {
    if (auto t = take(address_limiter_, "address:" + r.client.ip); !t) {
        co_return std::move(t).error();
    }
    // Hashed before the transaction: SQLite has one writer, and hashing takes tens of milliseconds.
    auto job = [password = std::move(r.password)] { return secrets::hash_password(password); };
    auto hash = co_await workers_.run(std::move(job));
    if (!hash) {
        co_return std::move(hash).error();
    }
    auto body = std::bind_front(&auth_service::register_tx, this, std::move(r), std::move(*hash));
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<signed_in>> auth_service::register_tx(
    registration r, std::string hash, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto id = core::new_id("usr", now);
    new_user fresh{.id = id, .email = r.email, .password_hash = std::move(hash), .name = r.name};
    auto inserted = co_await users_.insert(tx, std::move(fresh), now);
    if (!inserted) {
        if (inserted.error().code == errc::conflict) {
            co_return fail(errc::conflict, "an account with this email address already exists");
        }
        co_return std::move(inserted).error();
    }
    auto granted = co_await users_.grant_role(tx, id, std::string(role::customer), now);
    if (!granted) {
        co_return std::move(granted).error();
    }
    auto sent = co_await send_verification(tx, id, r.email, now);
    if (!sent) {
        co_return std::move(sent).error();
    }
    boost::json::object event{
        {"user_id", id},
        {"email", r.email},
        {"name", r.name},
        {"roles", json_roles({std::string{role::customer}})}};
    auto appended =
        co_await infra::bus::append(tx, clock_, "user.registered", id, std::move(event));
    if (!appended) {
        co_return std::move(appended).error();
    }
    audit_entry entry{
        .type = "user.registered", .user_id = id, .client = r.client, .data = {{"email", r.email}}};
    auto audited = co_await audit_.append(tx, std::move(entry));
    if (!audited) {
        co_return std::move(audited).error();
    }
    std::vector<std::string> roles{std::string{role::customer}};
    auto tokens = co_await open_session(
        tx, id, std::move(roles), std::string{method_password}, r.client, now
    );
    if (!tokens) {
        co_return std::move(tokens).error();
    }
    auto account = co_await users_.find(tx, id);
    if (!account) {
        co_return std::move(account).error();
    }
    if (!*account) {
        co_return fail(errc::internal, "the new user is missing");
    }
    co_return signed_in{std::move(**account), std::move(*tokens)};
}

// Sign-in

core::task<core::result<signed_in>> auth_service::login(login_attempt a) {
    if (auto t = take(address_limiter_, "address:" + a.client.ip); !t) {
        co_return std::move(t).error();
    }
    if (auto t = take(account_limiter_, "login:" + a.email); !t) {
        co_return std::move(t).error();
    }
    auto found = co_await users_.find_credentials_by_email(a.email);
    if (!found) {
        co_return std::move(found).error();
    }
    // Unknown emails and accounts without a password are checked against a dummy hash: the same
    // work as a wrong password, so the answer's timing does not tell them apart.
    bool has_password = *found && (*found)->password_hash;
    std::string hash = has_password ? *(*found)->password_hash : dummy_hash_;
    auto job = [hash, password = a.password] { return secrets::verify_password(hash, password); };
    bool matches = co_await workers_.run(std::move(job)) && has_password;
    if (!matches) {
        login_failures_.inc();
        std::optional<std::string> user_id;
        if (*found) {
            user_id = (*found)->user_id;
        }
        const auto* reason = *found ? "wrong_password" : "unknown_email";
        audit_entry entry{
            .type = "login.failed",
            .user_id = user_id,
            .client = a.client,
            .data = {{"email", a.email}, {"reason", reason}}};
        auto audited = co_await audit_.append(std::move(entry));
        if (!audited) {
            co_return std::move(audited).error();
        }
        co_return fail(errc::unauthenticated, std::string{wrong_credentials});
    }
    const auto& account = **found;
    if (account.status == user_status::suspended) {
        login_failures_.inc();
        audit_entry entry{
            .type = "login.failed",
            .user_id = account.user_id,
            .client = a.client,
            .data = {{"email", a.email}, {"reason", "suspended"}}};
        auto audited = co_await audit_.append(std::move(entry));
        if (!audited) {
            co_return std::move(audited).error();
        }
        co_return fail(errc::forbidden, "this account is suspended");
    }
    std::optional<std::string> new_hash;
    if (secrets::needs_rehash(hash)) {
        auto rehash = [password = std::move(a.password)] {
            return secrets::hash_password(password);
        };
        auto made = co_await workers_.run(std::move(rehash));
        if (made) {
            new_hash = std::move(*made);
        }
    }
    auto body = std::bind_front(
        &auth_service::login_tx, this, account.user_id, std::move(new_hash), std::move(a.client)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<signed_in>> auth_service::login_tx(
    std::string user_id,
    std::optional<std::string> new_hash,
    client_info client,
    infra::db::transaction& tx
) {
    auto now = clock_.now();
    if (new_hash) {
        auto updated = co_await users_.set_password(tx, user_id, std::move(*new_hash), now);
        if (!updated) {
            co_return std::move(updated).error();
        }
    }
    auto account = co_await users_.find(tx, user_id);
    if (!account) {
        co_return std::move(account).error();
    }
    if (!*account || (*account)->status != user_status::active) {
        co_return fail(errc::unauthenticated, std::string{wrong_credentials});
    }
    auto tokens = co_await open_session(
        tx, user_id, (*account)->roles, std::string{method_password}, client, now
    );
    if (!tokens) {
        co_return std::move(tokens).error();
    }
    audit_entry entry{
        .type = "login.succeeded",
        .user_id = user_id,
        .client = client,
        .data = {{"session_id", tokens->session_id}, {"method", method_password}}};
    auto audited = co_await audit_.append(tx, std::move(entry));
    if (!audited) {
        co_return std::move(audited).error();
    }
    co_return signed_in{std::move(**account), std::move(*tokens)};
}

// Refresh-token rotation

core::task<core::result<signed_in>> auth_service::refresh(
    std::string refresh_token, client_info client
) {
    if (!looks_like_token(refresh_token)) {
        co_return fail(errc::unauthenticated, "the refresh token is not valid");
    }
    auto body = std::bind_front(
        &auth_service::refresh_tx, this, secrets::sha256_hex(refresh_token), std::move(client)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (!out) {
        co_return std::move(out).error();
    }
    if (out->reused_session) {
        refresh_reuse_.inc();
        revoked_.revoke_session(*out->reused_session);
        core::log::warn("refresh token reused; session revoked")
            .field("session_id", *out->reused_session);
        co_return fail(
            errc::unauthenticated, "the refresh token was already used; its session is revoked"
        );
    }
    co_return std::move(*out->renewed);
}

core::task<core::result<auth_service::refresh_outcome>> auth_service::refresh_tx(
    std::string token_hash, client_info client, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto found = co_await sessions_.find_refresh(tx, token_hash);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::unauthenticated, "the refresh token is not valid");
    }
    const auto& t = **found;
    if (t.session_revoked) {
        co_return fail(errc::unauthenticated, "the session is revoked");
    }
    bool first_use = false;
    if (!t.used) {
        auto marked = co_await sessions_.mark_used(tx, token_hash, now);
        if (!marked) {
            co_return std::move(marked).error();
        }
        first_use = *marked;
    }
    if (!first_use) {
        // A used token again: stolen and used by someone, or replayed. Either way the family is
        // compromised.
        auto revoked = co_await sessions_.revoke(tx, t.session_id, t.user_id, "reuse", now);
        if (!revoked) {
            co_return std::move(revoked).error();
        }
        audit_entry entry{
            .type = "refresh_token.reused",
            .user_id = t.user_id,
            .client = client,
            .data = {{"session_id", t.session_id}}};
        auto audited = co_await audit_.append(tx, std::move(entry));
        if (!audited) {
            co_return std::move(audited).error();
        }
        co_return refresh_outcome{.reused_session = t.session_id};
    }
    if (t.expires_at <= now) {
        co_return fail(errc::unauthenticated, "the refresh token has expired");
    }
    if (t.status != user_status::active) {
        co_return fail(errc::unauthenticated, "the account is suspended");
    }
    auto account = co_await users_.find(tx, t.user_id);
    if (!account) {
        co_return std::move(account).error();
    }
    if (!*account) {
        co_return fail(errc::unauthenticated, "the refresh token is not valid");
    }
    auto next = secrets::random_token();
    auto rotated = co_await sessions_.rotate(
        tx, t.session_id, secrets::sha256_hex(next), now, now + settings_.refresh_token_ttl, client
    );
    if (!rotated) {
        co_return std::move(rotated).error();
    }
    auto tokens = access_for(t.user_id, (*account)->roles, t.session_id, std::move(next));
    co_return refresh_outcome{.renewed = signed_in{std::move(**account), std::move(tokens)}};
}

// Sessions

core::task<core::result<void>> auth_service::logout(core::principal who, client_info client) {
    auto sid = who.session_id;
    auto body = std::bind_front(
        &auth_service::logout_tx, this, std::move(who), std::string{"logout"}, std::move(client)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (!out) {
        co_return std::move(out).error();
    }
    revoked_.revoke_session(sid);
    co_return core::ok();
}

core::task<core::result<bool>> auth_service::logout_tx(
    core::principal who, std::string reason, client_info client, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto revoked = co_await sessions_.revoke(tx, who.session_id, who.user_id, reason, now);
    if (!revoked) {
        co_return std::move(revoked).error();
    }
    if (*revoked) {
        audit_entry entry{
            .type = "session.revoked",
            .user_id = who.user_id,
            .client = client,
            .data = {{"session_id", who.session_id}, {"reason", reason}}};
        auto audited = co_await audit_.append(tx, std::move(entry));
        if (!audited) {
            co_return std::move(audited).error();
        }
    }
    co_return *revoked;
}

core::task<core::result<page<session>>> auth_service::sessions(
    core::principal who, std::optional<std::string> before_id, int limit
) {
    co_return co_await sessions_.list_active(
        std::move(who.user_id), clock_.now(), std::move(before_id), limit
    );
}

core::task<core::result<void>> auth_service::revoke_session(
    core::principal who, std::string session_id, client_info client
) {
    if (!core::is_id(session_id, "ses")) {
        co_return fail(errc::not_found, "no such session");
    }
    who.session_id = session_id;
    auto body = std::bind_front(
        &auth_service::logout_tx, this, std::move(who), std::string{"revoked"}, std::move(client)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (!out) {
        co_return std::move(out).error();
    }
    if (!*out) {
        co_return fail(errc::not_found, "no such session");
    }
    revoked_.revoke_session(session_id);
    co_return core::ok();
}

// Email verification

core::task<core::result<void>> auth_service::request_email_verification(
    core::principal who, client_info client
) {
    if (auto t = take(account_limiter_, "verify:" + who.user_id); !t) {
        co_return std::move(t).error();
    }
    auto body = std::bind_front(
        &auth_service::email_verification_tx, this, std::move(who), std::move(client)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<void>> auth_service::email_verification_tx(
    core::principal who, client_info client, infra::db::transaction& tx
) {
    auto account = co_await users_.find(tx, who.user_id);
    if (!account) {
        co_return std::move(account).error();
    }
    if (!*account) {
        co_return fail(errc::not_found, "no such user");
    }
    const auto& u = **account;
    if (!u.email) {
        co_return fail(errc::conflict, "the account has no email address");
    }
    if (u.email_verified_at) {
        co_return fail(errc::conflict, "the email address is already verified");
    }
    auto now = clock_.now();
    auto sent = co_await send_verification(tx, u.id, *u.email, now);
    if (!sent) {
        co_return std::move(sent).error();
    }
    audit_entry entry{
        .type = "email.verification_requested",
        .user_id = u.id,
        .client = client,
        .data = {{"email", *u.email}}};
    co_return co_await audit_.append(tx, std::move(entry));
}

core::task<core::result<void>> auth_service::verify_email(std::string token, client_info client) {
    if (!looks_like_token(token)) {
        co_return invalid_field("/token", "invalid_token", "is invalid, expired or already used");
    }
    auto body = std::bind_front(
        &auth_service::verify_email_tx, this, secrets::sha256_hex(token), std::move(client)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<void>> auth_service::verify_email_tx(
    std::string token_hash, client_info client, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto spent =
        co_await users_.consume_token(tx, std::move(token_hash), token_purpose::verify_email, now);
    if (!spent) {
        co_return std::move(spent).error();
    }
    if (!*spent) {
        co_return invalid_field("/token", "invalid_token", "is invalid, expired or already used");
    }
    auto marked = co_await users_.mark_email_verified(tx, (*spent)->user_id, (*spent)->email, now);
    if (!marked) {
        co_return std::move(marked).error();
    }
    if (!*marked) {
        // The account's address changed since the token was sent.
        co_return invalid_field("/token", "invalid_token", "is invalid, expired or already used");
    }
    boost::json::object event{{"user_id", (*spent)->user_id}, {"email", (*spent)->email}};
    auto appended = co_await infra::bus::append(
        tx, clock_, "user.email_verified", (*spent)->user_id, std::move(event)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    audit_entry entry{
        .type = "email.verified",
        .user_id = (*spent)->user_id,
        .client = client,
        .data = {{"email", (*spent)->email}}};
    co_return co_await audit_.append(tx, std::move(entry));
}

// Password reset and change

core::task<core::result<void>> auth_service::request_password_reset(
    std::string email, client_info client
) {
    if (auto t = take(address_limiter_, "address:" + client.ip); !t) {
        co_return std::move(t).error();
    }
    if (auto t = take(account_limiter_, "reset:" + email); !t) {
        co_return std::move(t).error();
    }
    // Known or not, the request writes one transaction (an audit event at least) and answers the
    // same.
    auto body = std::bind_front(
        &auth_service::password_reset_request_tx, this, std::move(email), std::move(client)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<void>> auth_service::password_reset_request_tx(
    std::string email, client_info client, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto id = co_await users_.find_id_by_email(tx, email);
    if (!id) {
        co_return std::move(id).error();
    }
    if (*id) {
        auto token = secrets::random_token();
        auto stored = co_await users_.insert_token(
            tx, secrets::sha256_hex(token), **id, token_purpose::reset_password, email, now,
            now + settings_.password_reset_ttl
        );
        if (!stored) {
            co_return std::move(stored).error();
        }
        auto minutes =
            std::chrono::duration_cast<std::chrono::minutes>(settings_.password_reset_ttl).count();
        notification message{
            .channel = "email",
            .recipient = email,
            .template_name = "reset_password",
            .subject = "Reset your password",
            .body =
                "Someone asked to reset the password of your trader account. To choose a new "
                "password, use this code: " +
                token + "\nIt expires in " + std::to_string(minutes) +
                " minutes. If it was not you, ignore this message; your password stays as it is.",
            .data =
                {{"token", token},
                 {"expires_at", core::format_rfc3339(now + settings_.password_reset_ttl)}},
            .user_id = **id,
        };
        auto sent = co_await sender_.send(tx, std::move(message));
        if (!sent) {
            co_return std::move(sent).error();
        }
    }
    audit_entry entry{
        .type = "password.reset_requested",
        .user_id = *id,
        .client = client,
        .data = {{"email", email}, {"known", id->has_value()}}};
    co_return co_await audit_.append(tx, std::move(entry));
}

core::task<core::result<void>> auth_service::reset_password(
    std::string token, std::string password, client_info client
) {
    if (!looks_like_token(token)) {
        co_return invalid_field("/token", "invalid_token", "is invalid, expired or already used");
    }
    auto job = [password] { return secrets::hash_password(password); };
    auto hash = co_await workers_.run(std::move(job));
    if (!hash) {
        co_return std::move(hash).error();
    }
    auto body = std::bind_front(
        &auth_service::reset_password_tx, this, secrets::sha256_hex(token), std::move(password),
        std::move(*hash), std::move(client)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (!out) {
        co_return std::move(out).error();
    }
    for (const auto& id : out->ids) {
        revoked_.revoke_session(id);
    }
    co_return core::ok();
}

core::task<core::result<auth_service::revoked_sessions>> auth_service::reset_password_tx(
    std::string token_hash,
    std::string password,
    std::string hash,
    client_info client,
    infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto spent = co_await users_.consume_token(
        tx, std::move(token_hash), token_purpose::reset_password, now
    );
    if (!spent) {
        co_return std::move(spent).error();
    }
    if (!*spent) {
        co_return invalid_field("/token", "invalid_token", "is invalid, expired or already used");
    }
    const auto& s = **spent;
    if (auto bad = policy::check_password(password, s.email)) {
        co_return invalid_field("/password", bad->code, bad->message);
    }
    auto updated = co_await users_.set_password(tx, s.user_id, std::move(hash), now);
    if (!updated) {
        co_return std::move(updated).error();
    }
    // The reset link reached the inbox: that proves the address.
    auto verified = co_await users_.mark_email_verified(tx, s.user_id, s.email, now);
    if (!verified) {
        co_return std::move(verified).error();
    }
    auto revoked =
        co_await sessions_.revoke_all(tx, s.user_id, "password_reset", now, std::nullopt);
    if (!revoked) {
        co_return std::move(revoked).error();
    }
    boost::json::object event{{"user_id", s.user_id}, {"reason", "reset"}};
    auto appended = co_await infra::bus::append(
        tx, clock_, "user.password_changed", s.user_id, std::move(event)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    audit_entry entry{
        .type = "password.reset",
        .user_id = s.user_id,
        .client = client,
        .data = {{"sessions_revoked", revoked->size()}}};
    auto audited = co_await audit_.append(tx, std::move(entry));
    if (!audited) {
        co_return std::move(audited).error();
    }
    co_return revoked_sessions{std::move(*revoked)};
}

core::task<core::result<void>> auth_service::change_password(
    core::principal who, password_change change, client_info client
) {
    if (auto t = take(account_limiter_, "password:" + who.user_id); !t) {
        co_return std::move(t).error();
    }
    auto found = co_await users_.find_credentials(who.user_id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::not_found, "no such user");
    }
    std::string hash = (*found)->password_hash.value_or(dummy_hash_);
    bool has_password = (*found)->password_hash.has_value();
    auto check = [hash, password = std::move(change.current_password)] {
        return secrets::verify_password(hash, password);
    };
    if (!(co_await workers_.run(std::move(check))) || !has_password) {
        co_return invalid_field("/current_password", "mismatch", "is not your current password");
    }
    if (auto bad = policy::check_password(change.new_password, (*found)->email.value_or(""))) {
        co_return invalid_field("/new_password", bad->code, bad->message);
    }
    auto job = [password = std::move(change.new_password)] {
        return secrets::hash_password(password);
    };
    auto new_hash = co_await workers_.run(std::move(job));
    if (!new_hash) {
        co_return std::move(new_hash).error();
    }
    auto body = std::bind_front(
        &auth_service::change_password_tx, this, std::move(who), std::move(*new_hash),
        std::move(client)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (!out) {
        co_return std::move(out).error();
    }
    for (const auto& id : out->ids) {
        revoked_.revoke_session(id);
    }
    co_return core::ok();
}

core::task<core::result<auth_service::revoked_sessions>> auth_service::change_password_tx(
    core::principal who, std::string hash, client_info client, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto updated = co_await users_.set_password(tx, who.user_id, std::move(hash), now);
    if (!updated) {
        co_return std::move(updated).error();
    }
    auto revoked =
        co_await sessions_.revoke_all(tx, who.user_id, "password_changed", now, who.session_id);
    if (!revoked) {
        co_return std::move(revoked).error();
    }
    boost::json::object event{{"user_id", who.user_id}, {"reason", "changed"}};
    auto appended = co_await infra::bus::append(
        tx, clock_, "user.password_changed", who.user_id, std::move(event)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    audit_entry entry{
        .type = "password.changed",
        .user_id = who.user_id,
        .client = client,
        .data = {{"sessions_revoked", revoked->size()}}};
    auto audited = co_await audit_.append(tx, std::move(entry));
    if (!audited) {
        co_return std::move(audited).error();
    }
    co_return revoked_sessions{std::move(*revoked)};
}

}  // namespace identity
