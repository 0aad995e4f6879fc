#include "modules/identity/oauth_service.hpp"

#include <algorithm>
#include <functional>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/crypto/jws.hpp"
#include "modules/identity/policy.hpp"
#include "modules/identity/secrets.hpp"

namespace identity {
namespace {

using core::errc;
using core::fail;

constexpr std::string_view callback_prefix = "/api/v1/auth/oauth/";

double per_second(std::chrono::milliseconds interval) {
    return 1000.0 / static_cast<double>(std::max<std::int64_t>(1, interval.count()));
}

bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return diff == 0;
}

// Providers' own error codes (RFC 6749 section 4.1.2.1); those that mean "try later" are a 503.
core::error provider_refusal(const std::string& error) {
    if (error == "temporarily_unavailable" || error == "server_error") {
        return core::error{errc::unavailable, "the provider could not sign you in: " + error};
    }
    return core::error{errc::unauthenticated, "the provider did not sign you in: " + error};
}

std::string reason_of(const core::error& e) {
    switch (e.code) {
        case errc::forbidden:
            return "suspended";
        case errc::conflict:
            return "unverified_account_email";
        case errc::unavailable:
            return "provider_unavailable";
        case errc::invalid:
            return "invalid_credential";
        default:
            return "rejected";
    }
}

// A name the account can carry: the provider's, when it passes our rules.
std::string account_name(const std::string& name) {
    return policy::check_name(name) ? std::string{} : name;
}

boost::json::value optional_json(const std::optional<std::string>& s) {
    return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

}  // namespace

oauth_service::oauth_service(
    infra::db::database& db,
    const core::clock& clock,
    core::metrics::registry& metrics,
    auth_service& auth,
    std::vector<std::unique_ptr<oauth_provider>> providers,
    oauth_settings settings,
    throttle address
)
    : db_(db),
      clock_(clock),
      auth_(auth),
      providers_(std::move(providers)),
      settings_(std::move(settings)),
      repo_(db),
      users_(db),
      audit_(db, clock),
      address_limiter_(per_second(address.interval), address.burst, clock),
      sign_ins_(metrics.get_counter(
          "identity_oauth_sign_ins_total", "Sign-ins through Google, Facebook or OpenID providers"
      )),
      failures_(metrics.get_counter(
          "identity_oauth_failures_total",
          "Social sign-ins refused (state, provider refusal, token checks, suspended accounts)"
      )) {}

oauth_provider* oauth_service::find(std::string_view name) const {
    for (const auto& p : providers_) {
        if (p->name() == name) {
            return p.get();
        }
    }
    return nullptr;
}

bool oauth_service::has_provider(std::string_view name) const { return find(name) != nullptr; }

std::string oauth_service::callback_url(std::string_view provider) const {
    return settings_.redirect_base + std::string{callback_prefix} + std::string{provider} +
           "/callback";
}

core::result<void> oauth_service::take(const std::string& key) {
    auto d = address_limiter_.take(key);
    if (d.allowed) {
        return core::ok();
    }
    core::error e{errc::rate_limited, "too many sign-in attempts; try again later"};
    e.retry_after = d.retry_after_seconds;
    return e;
}

core::task<core::error> oauth_service::refused(
    std::string provider, std::string reason, core::error cause, client_info client
) {
    failures_.inc();
    core::log::info("social sign-in refused")
        .field("provider", provider)
        .field("reason", reason)
        .field("detail", cause.detail);
    audit_entry entry{
        .type = "login.failed",
        .client = std::move(client),
        .data = {{"method", provider}, {"reason", reason}, {"detail", cause.detail}}};
    auto audited = co_await audit_.append(std::move(entry));
    if (!audited) {
        co_return std::move(audited).error();
    }
    co_return cause;
}

// Starting

core::task<core::result<oauth_started>> oauth_service::start(std::string provider, oauth_start s) {
    auto* p = find(provider);
    if (p == nullptr) {
        co_return fail(errc::not_found, "no such sign-in provider");
    }
    if (s.redirect_to &&
        std::find(
            settings_.allowed_redirects.begin(), settings_.allowed_redirects.end(), *s.redirect_to
        ) == settings_.allowed_redirects.end()) {
        co_return core::error{
            errc::invalid,
            "1 parameter is invalid",
            {core::field_error{
                "/redirect_to", "not_allowed", "is not one of the allowed app addresses"}}};
    }
    if (auto t = take("oauth-address:" + s.client.ip); !t) {
        co_return std::move(t).error();
    }
    auto state = secrets::random_token();
    auto verifier = secrets::random_token();
    auto browser_key = secrets::random_token();
    std::optional<std::string> nonce;
    if (p->uses_nonce()) {
        nonce = secrets::random_token();
    }
    authorization_request request{
        .state = state,
        .nonce = nonce,
        .code_challenge = infra::crypto::sha256_base64url(verifier),
        .redirect_uri = callback_url(provider),
        .login_hint = std::move(s.login_hint),
    };
    // Before anything is stored: an unreachable provider leaves no row behind.
    auto location = co_await p->authorization_url(std::move(request));
    if (!location) {
        co_return std::move(location).error();
    }
    auto now = clock_.now();
    pending_sign_in pending{
        .state_hash = secrets::sha256_hex(state),
        .provider = provider,
        .nonce = std::move(nonce),
        .code_verifier = std::move(verifier),
        .redirect_to = std::move(s.redirect_to),
        .browser_hash = secrets::sha256_hex(browser_key),
        .created_at = now,
        .expires_at = now + settings_.state_ttl,
    };
    auto body = std::bind_front(&oauth_service::start_tx, this, std::move(pending));
    auto stored = co_await infra::db::transact(db_, std::move(body));
    if (!stored) {
        co_return std::move(stored).error();
    }
    co_return oauth_started{
        .location = std::move(*location),
        .browser_key = std::move(browser_key),
        .expires_in = settings_.state_ttl,
    };
}

core::task<core::result<void>> oauth_service::start_tx(
    pending_sign_in p, infra::db::transaction& tx
) {
    // Housekeeping on the way: the table only ever holds minutes of sign-ins.
    auto swept = co_await repo_.delete_expired(tx, p.created_at);
    if (!swept) {
        co_return std::move(swept).error();
    }
    co_return co_await repo_.insert_state(tx, std::move(p));
}

// The callback

core::task<core::result<oauth_signed_in>> oauth_service::complete(
    std::string provider, oauth_callback c
) {
    auto* p = find(provider);
    if (p == nullptr) {
        co_return fail(errc::not_found, "no such sign-in provider");
    }
    // Spent before anything else, so a state works once whatever happens next.
    auto consumed =
        co_await repo_.consume_state(secrets::sha256_hex(c.state.value_or("")), clock_.now());
    if (!consumed) {
        co_return std::move(consumed).error();
    }
    if (!*consumed || (*consumed)->provider != provider) {
        core::error e{
            errc::unauthenticated, "the sign-in attempt is unknown, expired or already used"};
        co_return co_await refused(provider, "invalid_state", std::move(e), std::move(c.client));
    }
    auto pending = std::move(**consumed);
    // A callback carried to another browser (login CSRF) lacks the cookie the start set.
    if (!c.browser_key || !same_secret(secrets::sha256_hex(*c.browser_key), pending.browser_hash)) {
        core::error e{errc::unauthenticated, "the sign-in was started in another browser"};
        co_return co_await refused(provider, "browser_mismatch", std::move(e), std::move(c.client));
    }
    if (c.error) {
        auto e = provider_refusal(*c.error);
        co_return co_await refused(provider, *c.error, std::move(e), std::move(c.client));
    }
    if (!c.code) {
        co_return core::error{
            errc::bad_request, "code is required", {{"/code", "required", "is required"}}};
    }
    authorization_grant grant{
        .code = std::move(*c.code),
        .code_verifier = std::move(pending.code_verifier),
        .redirect_uri = callback_url(provider),
        .nonce = std::move(pending.nonce),
        .issuer = std::move(c.issuer),
    };
    auto ext = co_await p->redeem(std::move(grant));
    if (!ext) {
        auto e = std::move(ext).error();
        auto reason = reason_of(e);
        co_return co_await refused(provider, std::move(reason), std::move(e), std::move(c.client));
    }
    auto body = std::bind_front(&oauth_service::sign_in_tx, this, std::move(*ext), c.client);
    auto done = co_await infra::db::transact(db_, std::move(body));
    if (!done) {
        auto e = std::move(done).error();
        auto reason = reason_of(e);
        co_return co_await refused(provider, std::move(reason), std::move(e), std::move(c.client));
    }
    sign_ins_.inc();
    co_return oauth_signed_in{
        .session = std::move(*done), .redirect_to = std::move(pending.redirect_to)};
}

// Native apps

core::task<core::result<signed_in>> oauth_service::sign_in_with_token(
    std::string provider, native_credential c, client_info client
) {
    auto* p = find(provider);
    if (p == nullptr) {
        co_return fail(errc::not_found, "no such sign-in provider");
    }
    if (auto t = take("oauth-address:" + client.ip); !t) {
        co_return std::move(t).error();
    }
    auto ext = co_await p->verify(std::move(c));
    if (!ext) {
        if (ext.error().code == errc::invalid) {
            co_return std::move(ext).error();
        }
        auto e = std::move(ext).error();
        auto reason = reason_of(e);
        co_return co_await refused(provider, std::move(reason), std::move(e), std::move(client));
    }
    auto body = std::bind_front(&oauth_service::sign_in_tx, this, std::move(*ext), client);
    auto done = co_await infra::db::transact(db_, std::move(body));
    if (!done) {
        auto e = std::move(done).error();
        auto reason = reason_of(e);
        co_return co_await refused(provider, std::move(reason), std::move(e), std::move(client));
    }
    sign_ins_.inc();
    co_return std::move(*done);
}

// Accounts

core::task<core::result<signed_in>> oauth_service::sign_in_tx(
    external_identity ext, client_info client, infra::db::transaction& tx
) {
    auto now = clock_.now();
    if (ext.single_use_key) {
        auto first = co_await repo_.mark_token_used(
            tx, *ext.single_use_key, ext.provider, ext.single_use_until
        );
        if (!first) {
            co_return std::move(first).error();
        }
        if (!*first) {
            co_return fail(errc::unauthenticated, "this ID token was already used");
        }
    }
    auto found = co_await repo_.find_identity(tx, ext.provider, ext.subject);
    if (!found) {
        co_return std::move(found).error();
    }
    linked_identity identity;
    if (*found) {
        identity = std::move(**found);
        auto touched = co_await repo_.touch_identity(tx, identity.id, ext.email, now);
        if (!touched) {
            co_return std::move(touched).error();
        }
    } else {
        auto linked = co_await link_tx(ext, client, now, tx);
        if (!linked) {
            co_return std::move(linked).error();
        }
        identity = std::move(*linked);
    }
    auto account = co_await users_.find(tx, identity.user_id);
    if (!account) {
        co_return std::move(account).error();
    }
    if (!*account) {
        co_return fail(errc::internal, "a linked identity has no user");
    }
    if ((*account)->status != user_status::active) {
        co_return fail(errc::forbidden, "this account is suspended");
    }
    auto tokens = co_await auth_.open_session(
        tx, identity.user_id, (*account)->roles, ext.provider, client, now
    );
    if (!tokens) {
        co_return std::move(tokens).error();
    }
    audit_entry entry{
        .type = "login.succeeded",
        .user_id = identity.user_id,
        .client = client,
        .data = {
            {"session_id", tokens->session_id},
            {"method", ext.provider},
            {"identity_id", identity.id}}};
    auto audited = co_await audit_.append(tx, std::move(entry));
    if (!audited) {
        co_return std::move(audited).error();
    }
    co_return signed_in{std::move(**account), std::move(*tokens)};
}

core::task<core::result<linked_identity>> oauth_service::link_tx(
    external_identity ext, client_info client, core::time_point now, infra::db::transaction& tx
) {
    std::optional<std::string> user_id;
    std::string linked_by = "sign_up";
    // Only a verified address proves the person owns the account that has it.
    if (ext.email && ext.email_verified) {
        auto owner = co_await users_.find_id_by_email(tx, *ext.email);
        if (!owner) {
            co_return std::move(owner).error();
        }
        if (*owner) {
            auto account = co_await users_.find(tx, **owner);
            if (!account) {
                co_return std::move(account).error();
            }
            // Whoever registered an address they never proved may not be its owner: linking
            // would give them a way into the provider user's account (pre-account takeover).
            if (!*account || !(*account)->email_verified_at) {
                co_return fail(
                    errc::conflict,
                    "an account with this email address exists but its address is not "
                    "verified; sign in to it and verify the address first"
                );
            }
            user_id = **owner;
            linked_by = "email";
        }
    }
    if (!user_id) {
        auto id = core::new_id("usr", now);
        std::optional<std::string> email = ext.email;
        if (email) {
            // An unverified address another account has stays with that account.
            auto taken = co_await users_.find_id_by_email(tx, *email);
            if (!taken) {
                co_return std::move(taken).error();
            }
            if (*taken) {
                email.reset();
            }
        }
        std::optional<core::time_point> verified_at;
        if (email && ext.email_verified) {
            verified_at = now;
        }
        auto name = account_name(ext.name);
        new_user fresh{.id = id, .email = email, .name = name, .email_verified_at = verified_at};
        auto inserted = co_await users_.insert(tx, std::move(fresh), now);
        if (!inserted) {
            co_return std::move(inserted).error();
        }
        auto granted = co_await users_.grant_role(tx, id, std::string(role::customer), now);
        if (!granted) {
            co_return std::move(granted).error();
        }
        if (ext.locale && !policy::check_locale(*ext.locale)) {
            profile_update locale{.locale_present = true, .locale = ext.locale};
            auto updated = co_await users_.update_profile(tx, id, std::move(locale), now);
            if (!updated) {
                co_return std::move(updated).error();
            }
        }
        boost::json::object event{
            {"user_id", id},
            {"email", optional_json(email)},
            {"name", name},
            {"roles", boost::json::array{role::customer}},
            {"provider", ext.provider}};
        auto appended =
            co_await infra::bus::append(tx, clock_, "user.registered", id, std::move(event));
        if (!appended) {
            co_return std::move(appended).error();
        }
        audit_entry registered{
            .type = "user.registered",
            .user_id = id,
            .client = client,
            .data = {{"email", optional_json(email)}, {"provider", ext.provider}}};
        auto audited = co_await audit_.append(tx, std::move(registered));
        if (!audited) {
            co_return std::move(audited).error();
        }
        user_id = id;
    }
    linked_identity identity{
        .id = core::new_id("idn", now),
        .user_id = *user_id,
        .provider = ext.provider,
        .subject = ext.subject,
        .email = ext.email,
        .created_at = now,
        .last_used_at = now,
    };
    auto inserted = co_await repo_.insert_identity(tx, identity);
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    audit_entry linked{
        .type = "identity.linked",
        .user_id = *user_id,
        .client = client,
        .data = {
            {"identity_id", identity.id},
            {"provider", ext.provider},
            {"email", optional_json(ext.email)},
            {"by", linked_by}}};
    auto audited = co_await audit_.append(tx, std::move(linked));
    if (!audited) {
        co_return std::move(audited).error();
    }
    co_return identity;
}

// Linked identities

core::task<core::result<page<linked_identity>>> oauth_service::identities(
    core::principal who, std::optional<std::string> before_id, int limit
) {
    co_return co_await repo_.list_identities(std::move(who.user_id), std::move(before_id), limit);
}

core::task<core::result<void>> oauth_service::unlink(
    core::principal who, std::string identity_id, client_info client
) {
    if (!core::is_id(identity_id, "idn")) {
        co_return fail(errc::not_found, "no such identity");
    }
    auto body = std::bind_front(
        &oauth_service::unlink_tx, this, std::move(who), std::move(identity_id), std::move(client)
    );
    // Serializable: two concurrent unlinks must not both see the other identity as a way back in.
    co_return co_await infra::db::transact(
        db_, std::move(body), infra::db::tx_mode::serializable_write
    );
}

core::task<core::result<void>> oauth_service::unlink_tx(
    core::principal who, std::string identity_id, client_info client, infra::db::transaction& tx
) {
    auto found = co_await repo_.find_identity_of(tx, identity_id, who.user_id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::not_found, "no such identity");
    }
    auto methods = co_await repo_.methods_of(tx, who.user_id);
    if (!methods) {
        co_return std::move(methods).error();
    }
    if (!methods->password && !methods->verified_phone && methods->identities <= 1) {
        co_return fail(
            errc::conflict,
            "this is your only way to sign in; set a password, verify a phone or link another "
            "provider first"
        );
    }
    auto removed = co_await repo_.delete_identity(tx, identity_id);
    if (!removed) {
        co_return std::move(removed).error();
    }
    audit_entry entry{
        .type = "identity.unlinked",
        .user_id = who.user_id,
        .client = std::move(client),
        .data = {
            {"identity_id", identity_id},
            {"provider", (*found)->provider},
            {"email", optional_json((*found)->email)}}};
    co_return co_await audit_.append(tx, std::move(entry));
}

}  // namespace identity
