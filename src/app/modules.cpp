#include "app/modules.hpp"

#include <filesystem>

#include "app/runtime.hpp"
#include "core/log.hpp"
#include "modules/identity/module.hpp"

namespace app {
namespace {

identity::settings identity_settings(const config& c) {
    identity::settings s;
    s.key_dir = std::filesystem::path{c.data_dir} / "keys";
    s.issuer = c.jwt_issuer;
    s.audience = c.jwt_audience;
    s.access_token_ttl = c.access_token_ttl;
    s.auth.refresh_token_ttl = c.refresh_token_ttl;
    s.auth.email_token_ttl = c.email_token_ttl;
    s.auth.password_reset_ttl = c.password_reset_ttl;
    s.auth.login_account = {c.login_account_burst, c.login_account_interval};
    s.auth.address = {c.auth_address_burst, c.auth_address_interval};
    s.otp.code_ttl = c.otp_ttl;
    s.otp.max_attempts = c.otp_max_attempts;
    s.otp.resend_cooldown = c.otp_resend_cooldown;
    s.otp.phone = {c.otp_phone_burst, c.otp_phone_interval};
    s.otp.address = {c.otp_address_burst, c.otp_address_interval};
    s.twilio.account_sid = c.twilio_account_sid;
    s.twilio.auth_token = c.twilio_auth_token;
    s.twilio.from = c.twilio_from;
    s.twilio.messaging_service_sid = c.twilio_messaging_service_sid;
    s.twilio.verify_service_sid = c.twilio_verify_service_sid;
    s.twilio.base_url = c.twilio_base_url;
    s.twilio.verify_base_url = c.twilio_verify_base_url;
    s.twilio.timeout = c.twilio_timeout;
    return s;
}

}  // namespace

struct modules::state {
    explicit state(platform p)
        : parts(p), identity({p.db, p.clock, p.workers, p.metrics}, identity_settings(p.cfg)) {}

    platform parts;
    identity::module identity;
};

modules::modules(platform p) : state_(std::make_unique<state>(p)) {
    // Revocations of an earlier run still matter to access tokens that have not expired yet.
    auto restored =
        run_sync<core::result<void>>([this] { return state_->identity.restore_revocations(); });
    if (!restored) {
        core::log::warn("could not restore the token revocation list")
            .field("cause", restored.error().detail);
    }
}

modules::~modules() = default;

void modules::register_routes(core::http::router& r) { state_->identity.register_routes(r); }

const core::token_verifier* modules::token_verifier() const {
    return &state_->identity.token_verifier();
}

}  // namespace app
