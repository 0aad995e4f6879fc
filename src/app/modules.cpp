#include "app/modules.hpp"

#include <filesystem>

#include "app/media_routes.hpp"
#include "app/runtime.hpp"
#include "core/log.hpp"
#include "infra/cache/memory_cache.hpp"
#include "modules/admin/module.hpp"
#include "modules/customer/module.hpp"
#include "modules/identity/module.hpp"
#include "modules/shopping/module.hpp"
#include "modules/vendor/module.hpp"

namespace app {
namespace {

integrations::oidc::client_auth token_auth(const std::string& name) {
    return name == "client_secret_post" ? integrations::oidc::client_auth::secret_post
                                        : integrations::oidc::client_auth::secret_basic;
}

identity::oauth_settings oauth_settings(const config& c) {
    identity::oauth_settings s;
    s.redirect_base = c.oauth_redirect_base;
    s.allowed_redirects = c.oauth_allowed_redirects;
    s.state_ttl = c.oauth_state_ttl;
    s.timeout = c.oauth_timeout;
    s.jwks_min_refresh = c.oauth_jwks_min_refresh;
    s.oidc.push_back(identity::oidc_provider_settings{
        .name = "google",
        .issuer = c.google_issuer,
        .client_id = c.google_client_id,
        .client_secret = c.google_client_secret,
        .auth = token_auth(c.google_token_auth),
    });
    if (!c.oidc_name.empty()) {
        s.oidc.push_back(identity::oidc_provider_settings{
            .name = c.oidc_name,
            .issuer = c.oidc_issuer,
            .client_id = c.oidc_client_id,
            .client_secret = c.oidc_client_secret,
            .auth = token_auth(c.oidc_token_auth),
        });
    }
    s.facebook.graph.app_id = c.facebook_app_id;
    s.facebook.graph.app_secret = c.facebook_app_secret;
    s.facebook.graph.token_url = c.facebook_token_url;
    s.facebook.graph.graph_url = c.facebook_graph_url;
    s.facebook.graph.timeout = c.oauth_timeout;
    s.facebook.authorize_url = c.facebook_authorize_url;
    s.facebook.scope = c.facebook_scope;
    return s;
}

identity::settings identity_settings(const config& c) {
    identity::settings s;
    s.key_dir = std::filesystem::path{c.data_dir} / "keys";
    s.issuer = c.jwt_issuer;
    s.audience = c.jwt_audience;
    s.access_token_ttl = c.access_token_ttl;
    s.key_rotation_interval = c.jwt_key_rotation_interval;
    s.key_check_interval = c.jwt_key_check_interval;
    s.deletion_grace = c.account_deletion_grace;
    s.purge_interval = c.account_purge_interval;
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
    s.oauth = oauth_settings(c);
    return s;
}

infra::cache::memory_settings cache_settings(const config& c) {
    infra::cache::memory_settings s;
    s.max_bytes = c.cache_max_bytes;
    s.default_ttl = c.cache_ttl;
    s.admit_on_repeat = c.cache_admit_on_repeat;
    return s;
}

vendor::settings vendor_settings(const config& c) {
    vendor::settings s;
    s.image_max_bytes = c.media_max_bytes;
    s.import_max_bytes = c.import_max_bytes;
    s.import_max_rows = c.import_max_rows;
    return s;
}

shopping::settings shopping_settings(const config& c) {
    shopping::settings s;
    s.default_currency = c.store_currency;
    s.cache_ttl = c.cache_ttl;
    s.max_age = c.store_max_age;
    s.search_in_memory = c.search_in_memory;
    s.search_sync_interval = c.search_sync_interval;
    // Validated when the configuration was read.
    if (auto bands = shopping::parse_delivery_fees(c.delivery_fees)) {
        s.delivery_fees = std::move(*bands);
    }
    s.tax_rate_bps = c.tax_rate_bps;
    s.orders.reservation_ttl = c.reservation_ttl;
    s.orders.expiry_interval = c.reservation_sweep_interval;
    s.test_payments = c.test_hooks;
    return s;
}

}  // namespace

struct modules::state {
    explicit state(platform p)
        : parts(p),
          media(infra::media::make_local_storage(
              p.cfg.media_dir.empty() ? std::filesystem::path{p.cfg.data_dir} / "media"
                                      : std::filesystem::path{p.cfg.media_dir},
              p.cfg.media_base_url, p.workers
          )),
          identity({p.db, p.clock, p.workers, p.metrics}, identity_settings(p.cfg)),
          admin({p.db, p.clock, p.events}),
          vendor(
              {p.db, p.clock, p.events, identity.directory(), admin.categories(), *media},
              vendor_settings(p.cfg)
          ),
          cache(std::make_unique<infra::cache::memory_cache>(
              cache_settings(p.cfg), p.clock, p.metrics, "storefront"
          )),
          shopping(
              {p.db, p.clock, p.metrics, vendor.catalog(), admin.categories(), *cache, p.events,
               vendor.inventory()},
              shopping_settings(p.cfg)
          ),
          customer({p.db, p.clock, p.events, vendor.catalog(), shopping.purchases()}) {
        shopping.register_handlers(p.events);
    }

    platform parts;
    // Uploaded images and export files (local disk on the embedded profile).
    std::unique_ptr<infra::media::storage> media;
    identity::module identity;
    admin::module admin;    // categories
    vendor::module vendor;  // stores and products; other modules read them via vendor.catalog()
    // Rendered storefront pages; Redis can replace it behind infra::cache::cache.
    std::unique_ptr<infra::cache::memory_cache> cache;
    shopping::module shopping;  // storefront read model, search and cached pages
    customer::module customer;  // addresses, wishlist, reviews (purchases from shopping's orders)
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

void modules::register_routes(core::http::router& r) {
    register_media_routes(r, *state_->media);
    state_->identity.register_routes(r);
    state_->admin.register_routes(r);
    state_->vendor.register_routes(r);
    state_->shopping.register_routes(r);
    state_->customer.register_routes(r);
}

vendor::catalog& modules::catalog() { return state_->vendor.catalog(); }

admin::categories& modules::categories() { return state_->admin.categories(); }

shopping::module& modules::shopping() { return state_->shopping; }

std::vector<core::periodic_job> modules::jobs() {
    std::vector<core::periodic_job> out;
    for (auto& j : state_->identity.jobs()) {
        out.push_back(std::move(j));
    }
    for (auto& j : state_->shopping.jobs()) {
        out.push_back(std::move(j));
    }
    for (auto& j : state_->vendor.jobs()) {
        out.push_back(std::move(j));
    }
    return out;
}

const core::token_verifier* modules::token_verifier() const {
    return &state_->identity.token_verifier();
}

}  // namespace app
