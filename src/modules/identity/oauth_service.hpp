// Social sign-in: starts a code flow with a provider (state, nonce, PKCE kept in the database),
// finishes it at the callback, signs native apps in with a provider's token, and finds, links or
// creates the account. The rules are in docs/security.md.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/http/middleware.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/identity/audit_repo.hpp"
#include "modules/identity/auth_service.hpp"
#include "modules/identity/model.hpp"
#include "modules/identity/oauth_provider.hpp"
#include "modules/identity/oauth_repo.hpp"
#include "modules/identity/user_repo.hpp"

namespace identity {

struct oauth_start {
    std::optional<std::string> redirect_to;
    std::optional<std::string> login_hint;
    client_info client;
};

// Where to send the browser, and the cookie value that binds the sign-in to it.
struct oauth_started {
    std::string location;
    std::string browser_key;
    std::chrono::seconds expires_in{0};
};

// The provider's answer at the callback, as the routes read it.
struct oauth_callback {
    std::optional<std::string> code;
    std::optional<std::string> state;
    std::optional<std::string> error;
    std::optional<std::string> issuer;
    std::optional<std::string> browser_key;  // the binding cookie, when the browser sent it
    client_info client;
};

struct oauth_signed_in {
    signed_in session;
    std::optional<std::string> redirect_to;
};

class oauth_service {
public:
    oauth_service(
        infra::db::database& db,
        const core::clock& clock,
        core::metrics::registry& metrics,
        auth_service& auth,
        std::vector<std::unique_ptr<oauth_provider>> providers,
        oauth_settings settings,
        throttle address
    );

    // True for a configured provider; the others' routes answer 404.
    bool has_provider(std::string_view name) const;
    // The callback URL registered with the provider: <redirect
    // base>/api/v1/auth/oauth/<name>/callback.
    std::string callback_url(std::string_view provider) const;

    // `invalid` for a redirect_to that is not allow-listed; `rate_limited` per client address.
    core::task<core::result<oauth_started>> start(std::string provider, oauth_start s);
    // `unauthenticated` for an unknown, expired, used or foreign state, a refusal by the user or
    // the provider, and a code or ID token that fails a check; `conflict` when the verified email
    // belongs to an account whose own address is not verified; `forbidden` for a suspended
    // account. Nothing is created on failure.
    core::task<core::result<oauth_signed_in>> complete(std::string provider, oauth_callback c);
    // Native apps: an ID token (OpenID providers; single use) or an access token (Facebook).
    core::task<core::result<signed_in>> sign_in_with_token(
        std::string provider, native_credential c, client_info client
    );

    core::task<core::result<page<linked_identity>>> identities(
        core::principal who, std::optional<std::string> before_id, int limit
    );
    // `not_found` unless it is the caller's; `conflict` when it is the caller's last way to sign in
    // (no password, no verified phone, no other identity).
    core::task<core::result<void>> unlink(
        core::principal who, std::string identity_id, client_info client
    );

private:
    oauth_provider* find(std::string_view name) const;
    core::task<core::result<void>> start_tx(pending_sign_in p, infra::db::transaction& tx);
    core::task<core::result<signed_in>> sign_in_tx(
        external_identity ext, client_info client, infra::db::transaction& tx
    );
    // Links the identity to the account with its verified email, or creates an account; returns
    // the identity.
    core::task<core::result<linked_identity>> link_tx(
        external_identity ext, client_info client, core::time_point now, infra::db::transaction& tx
    );
    core::task<core::result<void>> unlink_tx(
        core::principal who, std::string identity_id, client_info client, infra::db::transaction& tx
    );
    // Records a refused sign-in and hands back the error to answer with.
    core::task<core::error> refused(
        std::string provider, std::string reason, core::error cause, client_info client
    );
    core::result<void> take(const std::string& key);

    infra::db::database& db_;
    const core::clock& clock_;
    auth_service& auth_;
    std::vector<std::unique_ptr<oauth_provider>> providers_;
    oauth_settings settings_;
    oauth_repo repo_;
    user_repo users_;
    audit_repo audit_;
    core::http::token_bucket_limiter address_limiter_;
    core::metrics::counter& sign_ins_;
    core::metrics::counter& failures_;
};

}  // namespace identity
