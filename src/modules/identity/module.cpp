#include "modules/identity/module.hpp"

#include <functional>
#include <stdexcept>

#include "core/log.hpp"
#include "infra/crypto/jwt.hpp"
#include "modules/identity/account_service.hpp"
#include "modules/identity/directory_service.hpp"
#include "modules/identity/notification_sender.hpp"
#include "modules/identity/revocation.hpp"
#include "modules/identity/routes.hpp"
#include "modules/identity/session_repo.hpp"
#include "modules/identity/sms_provider.hpp"
#include "modules/identity/user_repo.hpp"

namespace identity {
namespace {

std::unique_ptr<infra::crypto::key_ring> open_keys(const settings& s, const core::clock& clock) {
    auto ring = infra::crypto::key_ring::open(s.key_dir, clock);
    if (!ring) {
        throw std::runtime_error(
            "cannot open the token signing keys in " + s.key_dir.string() + ": " +
            ring.error().detail
        );
    }
    return std::move(*ring);
}

infra::crypto::jwt_settings jwt_settings_of(const settings& s) {
    infra::crypto::jwt_settings j;
    j.issuer = s.issuer;
    j.audience = s.audience;
    j.access_token_lifetime = s.access_token_ttl;
    j.key_dir = s.key_dir;
    return j;
}

std::unique_ptr<sms_provider> make_sms_provider(
    const settings& s,
    infra::db::database& db,
    notification_sender& log,
    integrations::twilio::client& twilio
) {
    if (s.twilio.account_sid.empty()) {
        return std::make_unique<sms_log_provider>(db, log);
    }
    if (!s.twilio.verify_service_sid.empty()) {
        return std::make_unique<twilio_verify_provider>(twilio);
    }
    return std::make_unique<twilio_messages_provider>(twilio);
}

}  // namespace

struct module::parts {
    parts(dependencies d, const settings& s)
        : db(d.db),
          clock(d.clock),
          keys(open_keys(s, d.clock)),
          codec(*keys, d.clock, jwt_settings_of(s)),
          // Long enough that no access token issued before an entry outlives it.
          revoked(d.clock, s.access_token_ttl + codec.settings().leeway),
          verifier(codec, revoked),
          sender(d.clock),
          auth(d.db, d.clock, d.workers, d.metrics, codec, revoked, sender, s.auth),
          twilio(s.twilio, d.workers),
          sms(make_sms_provider(s, d.db, sender, twilio)),
          otp(d.db, d.clock, d.metrics, auth, *sms, s.otp),
          accounts(d.db, d.clock, revoked),
          directory(d.db, d.clock),
          deletions(d.db, d.clock, d.workers, revoked, s.deletion_grace),
          couriers(d.db, d.clock),
          auth_http(auth, *keys),
          otp_http(otp),
          me_http(auth, accounts),
          admin_http(accounts),
          deletion_http(deletions),
          key_http(*keys, audit_repo{d.db, d.clock}),
          courier_http(couriers),
          oauth(
              d.db, d.clock, d.metrics, auth, make_oauth_providers(s.oauth, d.workers, d.clock),
              s.oauth, s.auth.address
          ),
          oauth_http(oauth),
          config(s) {}

    infra::db::database& db;
    const core::clock& clock;
    std::unique_ptr<infra::crypto::key_ring> keys;
    infra::crypto::jwt_codec codec;
    revocation_list revoked;
    access_verifier verifier;
    notification_log sender;
    auth_service auth;
    integrations::twilio::client twilio;
    std::unique_ptr<sms_provider> sms;
    otp_service otp;
    account_service accounts;
    directory_service directory;
    deletion_service deletions;
    courier_service couriers;
    auth_routes auth_http;
    otp_routes otp_http;
    me_routes me_http;
    admin_routes admin_http;
    deletion_routes deletion_http;
    key_routes key_http;
    courier_routes courier_http;
    oauth_service oauth;
    oauth_routes oauth_http;
    settings config;
};

module::module(dependencies deps, const settings& s) :parts_(std::make_unique<parts>(deps, s)) {}
module::~module() = default;

void module::register_routes(core::http::router& r) {
    parts_->auth_http.register_routes(r);
    parts_->otp_http.register_routes(r);
    parts_->me_http.register_routes(r);
    parts_->admin_http.register_routes(r);
    parts_->deletion_http.register_routes(r);
    parts_->key_http.register_routes(r);
    parts_->courier_http.register_routes(r);
    parts_->oauth_http.register_routes(r);
}

std::vector<core::periodic_job> module::jobs() {
    return {
        {"identity_signing_keys", parts_->config.key_check_interval,
         std::bind_front(&module::maintain_keys, this)},
        {"identity_account_purge", parts_->config.purge_interval,
         std::bind_front(&module::purge_accounts, this)},
    };
}

core::task<core::result<void>> module::maintain_keys() {
    auto& keys = *parts_->keys;
    auto now = parts_->clock.now();
    if (parts_->config.key_rotation_interval.count() > 0) {
        auto rotated = keys.rotate_if_older_than(now - parts_->config.key_rotation_interval);
        if (!rotated) {
            co_return std::move(rotated).error();
        }
    } else if (auto loaded = keys.reload(); !loaded) {
        co_return loaded;
    }
    // No unexpired token can still name a key that stopped signing this long ago.
    co_return keys.retire_older_than(now - parts_->revoked.window());
}

core::task<core::result<void>> module::purge_accounts() {
    // Drain what is due in batches; a batch is one transaction.
    for (;;) {
        auto purged = co_await parts_->deletions.purge_due();
        if (!purged) {
            co_return std::move(purged).error();
        }
        if (*purged == 0) {
            co_return core::ok();
        }
        core::log::info("accounts purged").field("count", *purged);
    }
}

const core::token_verifier& module::token_verifier() const { return parts_->verifier; }

identity::directory& module::directory() { return parts_->directory; }

core::task<core::result<void>> module::restore_revocations() {
    auto since = parts_->clock.now() - parts_->revoked.window();
    session_repo sessions{parts_->db};
    auto revoked_sessions = co_await sessions.revoked_since(since);
    if (!revoked_sessions) {
        co_return std::move(revoked_sessions).error();
    }
    for (const auto& [id, at] : *revoked_sessions) {
        parts_->revoked.restore_session(id, at);
    }
    user_repo users{parts_->db};
    auto suspended = co_await users.suspended_since(since);
    if (!suspended) {
        co_return std::move(suspended).error();
    }
    for (const auto& [id, at] : *suspended) {
        parts_->revoked.restore_user(id, at);
    }
    co_return core::ok();
}

}  // namespace identity
