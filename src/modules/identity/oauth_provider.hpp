// Social sign-in providers behind one interface: Google and any other OpenID provider (code flow,
// ID tokens checked against the provider's JWK Set) and Facebook Login (code exchange, then the
// Graph API). The rules are in docs/security.md.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "core/worker_pool.hpp"
#include "infra/crypto/jws.hpp"
#include "integrations/facebook/client.hpp"
#include "integrations/oidc/client.hpp"
#include "modules/identity/id_token.hpp"

namespace identity {

// An OpenID provider; disabled without a client id.
struct oidc_provider_settings {
    std::string name;  // the {provider} of the routes and of user_identities.provider
    std::string issuer;
    std::string client_id;
    std::string client_secret;  // secret
    integrations::oidc::client_auth auth = integrations::oidc::client_auth::secret_basic;
    std::string scope = "openid email profile";
};

// Facebook Login; disabled without an app id.
struct facebook_provider_settings {
    integrations::facebook::settings graph;
    std::string authorize_url = "https://www.facebook.com/v21.0/dialog/oauth";
    std::string scope = "email public_profile";
};

struct oauth_settings {
    std::vector<oidc_provider_settings> oidc;
    facebook_provider_settings facebook;
    std::string redirect_base;  // public base URL of this server: callbacks are under it
    std::vector<std::string> allowed_redirects;  // exact `redirect_to` values apps may ask for
    std::chrono::seconds state_ttl{600};
    std::chrono::milliseconds timeout{10000};  // each provider request
    std::chrono::milliseconds jwks_min_refresh{
        60000};                                    // unknown kids refetch keys at most this often
    std::chrono::seconds jwks_max_age{3600};       // keys are fetched again after this
    std::chrono::seconds metadata_max_age{86400};  // the discovery document, likewise
};

// Who the provider says signed in.
struct external_identity {
    std::string provider;
    std::string subject;               // the provider's stable user id
    std::optional<std::string> email;  // normalised; nullopt when absent or not an address
    bool email_verified = false;
    std::string name;
    std::optional<std::string> locale;
    // Set for a credential that must work once (an ID token an app presents): its hash, kept as
    // used until `single_use_until`.
    std::optional<std::string> single_use_key;
    core::time_point single_use_until;
};

// Where the browser is sent: the parameters of the authorization request.
struct authorization_request {
    std::string state;
    std::optional<std::string> nonce;
    std::string code_challenge;  // S256
    std::string redirect_uri;
    std::optional<std::string> login_hint;
};

// A code that came back, with what the start kept for it.
struct authorization_grant {
    std::string code;
    std::string code_verifier;
    std::string redirect_uri;
    std::optional<std::string> nonce;
    std::optional<std::string> issuer;  // the callback's `iss` (RFC 9207), when sent
};

// What a native app got from the provider's SDK.
struct native_credential {
    std::optional<std::string> id_token;
    std::optional<std::string> nonce;
    std::optional<std::string> access_token;
};

class oauth_provider {
public:
    virtual ~oauth_provider() = default;

    virtual const std::string& name() const = 0;
    // OpenID providers bind their ID token to a nonce; Facebook's dialog has none.
    virtual bool uses_nonce() const = 0;
    // `unavailable` when the provider's metadata cannot be read.
    virtual core::task<core::result<std::string>> authorization_url(authorization_request r) = 0;
    // Redeems a code: `unauthenticated` when the provider refuses it or what it answers fails a
    // check; `unavailable` when it cannot be reached.
    virtual core::task<core::result<external_identity>> redeem(authorization_grant g) = 0;
    // Checks an app's credential like redeem(); `invalid` when it is of the wrong kind.
    virtual core::task<core::result<external_identity>> verify(native_credential c) = 0;
};

class oidc_provider final : public oauth_provider {
public:
    oidc_provider(
        oidc_provider_settings s,
        const oauth_settings& common,
        core::worker_pool& workers,
        const core::clock& clock
    );

    const std::string& name() const override { return settings_.name; }
    bool uses_nonce() const override { return true; }
    core::task<core::result<std::string>> authorization_url(authorization_request r) override;
    core::task<core::result<external_identity>> redeem(authorization_grant g) override;
    core::task<core::result<external_identity>> verify(native_credential c) override;

private:
    using key_set = std::shared_ptr<const infra::crypto::jwk_set>;

    core::task<core::result<integrations::oidc::metadata>> metadata();
    // The cached keys, fetched again when they are old, or when `kid` is unknown and the last
    // fetch is older than the minimum refresh interval (so unknown kids cannot cause a storm).
    core::task<core::result<key_set>> keys_for(std::string kid);
    core::task<core::result<id_token_claims>> check(
        std::string id_token, std::optional<std::string> nonce
    );
    external_identity identity_of(const id_token_claims& c) const;

    oidc_provider_settings settings_;
    std::chrono::milliseconds jwks_min_refresh_;
    std::chrono::seconds jwks_max_age_;
    std::chrono::seconds metadata_max_age_;
    integrations::oidc::client http_;
    const core::clock& clock_;
    std::mutex mutex_;  // guards the caches below; never held across a co_await
    std::optional<integrations::oidc::metadata> metadata_;
    core::time_point metadata_at_;
    key_set keys_;
    core::time_point keys_at_;
};

class facebook_provider final : public oauth_provider {
public:
    facebook_provider(facebook_provider_settings s, core::worker_pool& workers);

    const std::string& name() const override { return name_; }
    bool uses_nonce() const override { return false; }
    core::task<core::result<std::string>> authorization_url(authorization_request r) override;
    core::task<core::result<external_identity>> redeem(authorization_grant g) override;
    core::task<core::result<external_identity>> verify(native_credential c) override;

private:
    external_identity identity_of(const integrations::facebook::profile& p) const;

    std::string name_ = "facebook";
    facebook_provider_settings settings_;
    integrations::facebook::client graph_;
};

// The enabled providers of `s` (those with a client or app id).
std::vector<std::unique_ptr<oauth_provider>> make_oauth_providers(
    const oauth_settings& s, core::worker_pool& workers, const core::clock& clock
);

}  // namespace identity
