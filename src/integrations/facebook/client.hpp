// Facebook Login as our social sign-in needs it: the code exchange of the login dialog and the
// Graph API calls that say whose a user access token is (`/debug_token`, and `/me` signed with
// `appsecret_proof`). Blocking HTTP runs on the worker pool.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/task.hpp"
#include "core/worker_pool.hpp"

namespace integrations::facebook {

struct settings {
    std::string app_id;
    std::string app_secret;  // secret
    std::string token_url = "https://graph.facebook.com/v21.0/oauth/access_token";
    std::string graph_url = "https://graph.facebook.com/v21.0";
    std::chrono::milliseconds timeout{10000};
};

// A user as `/me?fields=id,name,email` describes them; email only when the user shares one.
struct profile {
    std::string id;
    std::string name;
    std::optional<std::string> email;
};

// What `/debug_token` says about a user access token.
struct token_info {
    bool is_valid = false;
    std::string app_id;   // the app the token was issued to
    std::string user_id;  // the app-scoped user id
};

class client {
public:
    client(settings s, core::worker_pool& workers) : settings_(std::move(s)), workers_(workers) {}

    const settings& config() const { return settings_; }

    // Redeems the login dialog's code (with its PKCE verifier) for a user access token.
    // `unauthenticated` when Facebook refuses the code; `unavailable` when it cannot be reached.
    core::task<core::result<std::string>> redeem(
        std::string code, std::string redirect_uri, std::string code_verifier
    );
    // GET /debug_token with the app access token (`app_id|app_secret`).
    core::task<core::result<token_info>> debug_token(std::string user_token);
    // GET /me?fields=id,name,email with `appsecret_proof`. `unauthenticated` when Graph refuses
    // the token.
    core::task<core::result<profile>> me(std::string user_token);

    // Hex HMAC-SHA256 of the user token keyed with the app secret: proves to Graph that the call
    // comes from the app's server.
    static std::string appsecret_proof(std::string_view app_secret, std::string_view token);

private:
    settings settings_;
    core::worker_pool& workers_;
};

// The JSON bodies of `/debug_token` and `/me`; `unavailable` when they are not what Graph sends.
core::result<token_info> parse_token_info(std::string_view body);
core::result<profile> parse_profile(std::string_view body);

}  // namespace integrations::facebook
