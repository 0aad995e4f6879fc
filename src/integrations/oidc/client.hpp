// An OpenID provider as our social sign-in needs it: its discovery document (OpenID Connect
// Discovery 1.0), its JWK Set and its token endpoint (RFC 6749 section 4.1.3 with PKCE, RFC 7636).
// Blocking HTTP runs on the worker pool.
#pragma once

#include <chrono>
#include <string>

#include "core/result.hpp"
#include "core/task.hpp"
#include "core/worker_pool.hpp"
#include "integrations/https.hpp"

namespace integrations::oidc {

struct metadata {
    std::string issuer;
    std::string authorization_endpoint;
    std::string token_endpoint;
    std::string jwks_uri;
};

// How we authenticate at the token endpoint (RFC 6749 section 2.3.1).
enum class client_auth { secret_basic, secret_post };

struct code_grant {
    std::string token_endpoint;
    std::string code;
    std::string redirect_uri;
    std::string code_verifier;
    std::string client_id;
    std::string client_secret;
    client_auth auth = client_auth::secret_basic;
};

struct token_answer {
    std::string access_token;
    std::string id_token;  // empty when the provider sent none
};

class client {
public:
    client(core::worker_pool& workers, std::chrono::milliseconds timeout)
        : workers_(workers), timeout_(timeout) {}

    // GET <issuer>/.well-known/openid-configuration. `unavailable` when it cannot be read, lacks an
    // endpoint, or names another issuer than `issuer` (Discovery section 4.3).
    core::task<core::result<metadata>> discover(std::string issuer);
    // The body of a 200 answer to GET `url` (the JWK Set); `unavailable` otherwise.
    core::task<core::result<std::string>> get(std::string url);
    // Redeems an authorization code with its PKCE verifier. `unauthenticated` when the provider
    // refuses the grant (a used, expired or foreign code, or a wrong verifier); `unavailable` when
    // it cannot be reached or refuses our client credentials (a configuration error).
    core::task<core::result<token_answer>> redeem(code_grant grant);

    // The request `redeem` sends; apart so tests can check both client authentication methods.
    https_request token_request(const code_grant& grant) const;

private:
    core::task<core::result<https_response>> perform(https_request request);

    core::worker_pool& workers_;
    std::chrono::milliseconds timeout_;
};

}  // namespace integrations::oidc
