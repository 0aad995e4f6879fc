#include "modules/identity/oauth_provider.hpp"

#include "core/log.hpp"
#include "integrations/https.hpp"
#include "modules/identity/policy.hpp"
#include "modules/identity/secrets.hpp"

namespace identity {
namespace {

using core::errc;

constexpr std::string_view google_issuer = "https://accounts.google.com";
constexpr std::chrono::seconds id_token_leeway{60};

std::optional<std::string> usable_email(const std::optional<std::string>& raw) {
    if (!raw) {
        return std::nullopt;
    }
    auto email = policy::normalise_email(*raw);
    if (policy::check_email(email)) {
        return std::nullopt;
    }
    return email;
}

std::string with_query(const std::string& url, const integrations::form_fields& fields) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") +
           integrations::form_encode(fields);
}

core::error wrong_credential(std::string pointer, std::string message) {
    return core::error{
        errc::invalid,
        "1 field is invalid",
        {core::field_error{std::move(pointer), "provider", std::move(message)}}};
}

}  // namespace

// OpenID providers

oidc_provider::oidc_provider(
    oidc_provider_settings s,
    const oauth_settings& common,
    core::worker_pool& workers,
    const core::clock& clock
)
    : settings_(std::move(s)),
      jwks_min_refresh_(common.jwks_min_refresh),
      jwks_max_age_(common.jwks_max_age),
      metadata_max_age_(common.metadata_max_age),
      http_(workers, common.timeout),
      clock_(clock) {}

core::task<core::result<integrations::oidc::metadata>> oidc_provider::metadata() {
    auto now = clock_.now();
    {
        std::lock_guard lock{mutex_};
        if (metadata_ && now - metadata_at_ < metadata_max_age_) {
            co_return *metadata_;
        }
    }
    auto fetched = co_await http_.discover(settings_.issuer);
    std::lock_guard lock{mutex_};
    if (!fetched) {
        if (metadata_) {
            // An outage of the discovery document does not stop sign-ins with what we know.
            core::log::warn("OpenID discovery failed; using the cached document")
                .field("provider", settings_.name)
                .field("reason", fetched.error().detail);
            co_return *metadata_;
        }
        co_return std::move(fetched).error();
    }
    metadata_ = *fetched;
    metadata_at_ = now;
    co_return std::move(*fetched);
}

core::task<core::result<oidc_provider::key_set>> oidc_provider::keys_for(std::string kid) {
    auto now = clock_.now();
    {
        std::lock_guard lock{mutex_};
        if (keys_ && now - keys_at_ < jwks_max_age_) {
            if (kid.empty() || keys_->contains(kid) || now - keys_at_ < jwks_min_refresh_) {
                co_return keys_;
            }
        }
    }
    auto meta = co_await metadata();
    if (!meta) {
        co_return std::move(meta).error();
    }
    auto body = co_await http_.get(meta->jwks_uri);
    auto parsed = body ? infra::crypto::jwk_set::parse(*body)
                       : core::result<infra::crypto::jwk_set>{std::move(body).error()};
    std::lock_guard lock{mutex_};
    if (!parsed) {
        if (keys_) {
            core::log::warn("OpenID key set fetch failed; using the cached keys")
                .field("provider", settings_.name)
                .field("reason", parsed.error().detail);
            co_return keys_;
        }
        co_return core::fail(errc::unavailable, "the provider's key set: " + parsed.error().detail);
    }
    core::log::info("OpenID key set fetched")
        .field("provider", settings_.name)
        .field("keys", static_cast<std::int64_t>(parsed->size()));
    keys_ = std::make_shared<const infra::crypto::jwk_set>(std::move(*parsed));
    keys_at_ = now;
    co_return keys_;
}

core::task<core::result<id_token_claims>> oidc_provider::check(
    std::string id_token, std::optional<std::string> nonce
) {
    id_token_rules rules{
        .issuers = {settings_.issuer},
        .client_id = settings_.client_id,
        .nonce = std::move(nonce),
        .leeway = id_token_leeway,
    };
    // Google documents both forms of its issuer in ID tokens.
    if (settings_.issuer == google_issuer) {
        rules.issuers.emplace_back("accounts.google.com");
    }
    auto header = read_id_token_header(id_token, rules.max_bytes);
    if (!header) {
        co_return std::move(header).error();
    }
    auto keys = co_await keys_for(header->kid);
    if (!keys) {
        co_return std::move(keys).error();
    }
    co_return verify_id_token(id_token, **keys, rules, clock_.now());
}

external_identity oidc_provider::identity_of(const id_token_claims& c) const {
    external_identity out{
        .provider = settings_.name,
        .subject = c.subject,
        .email = usable_email(c.email),
        .name = c.name.value_or(""),
        .locale = c.locale,
    };
    out.email_verified = out.email.has_value() && c.email_verified;
    return out;
}

core::task<core::result<std::string>> oidc_provider::authorization_url(authorization_request r) {
    auto meta = co_await metadata();
    if (!meta) {
        co_return std::move(meta).error();
    }
    integrations::form_fields fields{
        {"response_type", "code"},
        {"client_id", settings_.client_id},
        {"redirect_uri", r.redirect_uri},
        {"scope", settings_.scope},
        {"state", r.state},
        {"code_challenge", r.code_challenge},
        {"code_challenge_method", "S256"},
    };
    if (r.nonce) {
        fields.emplace_back("nonce", *r.nonce);
    }
    if (r.login_hint) {
        fields.emplace_back("login_hint", *r.login_hint);
    }
    co_return with_query(meta->authorization_endpoint, fields);
}

core::task<core::result<external_identity>> oidc_provider::redeem(authorization_grant g) {
    auto meta = co_await metadata();
    if (!meta) {
        co_return std::move(meta).error();
    }
    // RFC 9207: a code that another provider sent to our callback must not be redeemed here.
    if (g.issuer && *g.issuer != meta->issuer) {
        co_return core::fail(errc::unauthenticated, "the callback names another issuer");
    }
    integrations::oidc::code_grant grant{
        .token_endpoint = meta->token_endpoint,
        .code = std::move(g.code),
        .redirect_uri = std::move(g.redirect_uri),
        .code_verifier = std::move(g.code_verifier),
        .client_id = settings_.client_id,
        .client_secret = settings_.client_secret,
        .auth = settings_.auth,
    };
    auto tokens = co_await http_.redeem(std::move(grant));
    if (!tokens) {
        co_return std::move(tokens).error();
    }
    if (tokens->id_token.empty()) {
        co_return core::fail(errc::unauthenticated, "the provider sent no ID token");
    }
    auto claims = co_await check(std::move(tokens->id_token), std::move(g.nonce));
    if (!claims) {
        co_return std::move(claims).error();
    }
    co_return identity_of(*claims);
}

core::task<core::result<external_identity>> oidc_provider::verify(native_credential c) {
    if (c.access_token) {
        co_return wrong_credential("/access_token", "this provider signs in with an id_token");
    }
    if (!c.id_token) {
        co_return wrong_credential("/id_token", "is required for this provider");
    }
    auto claims = co_await check(*c.id_token, std::move(c.nonce));
    if (!claims) {
        co_return std::move(claims).error();
    }
    auto out = identity_of(*claims);
    out.single_use_key = secrets::sha256_hex(*c.id_token);
    out.single_use_until = claims->expires_at + id_token_leeway;
    co_return out;
}

// Facebook

facebook_provider::facebook_provider(facebook_provider_settings s, core::worker_pool& workers)
    : settings_(std::move(s)), graph_(settings_.graph, workers) {}

external_identity facebook_provider::identity_of(const integrations::facebook::profile& p) const {
    auto email = usable_email(p.email);
    // Graph only shares addresses the user confirmed with Facebook.
    return external_identity{
        .provider = name_,
        .subject = p.id,
        .email = email,
        .email_verified = email.has_value(),
        .name = p.name,
    };
}

core::task<core::result<std::string>> facebook_provider::authorization_url(authorization_request r
) {
    integrations::form_fields fields{
        {"response_type", "code"},
        {"client_id", settings_.graph.app_id},
        {"redirect_uri", r.redirect_uri},
        {"scope", settings_.scope},
        {"state", r.state},
        {"code_challenge", r.code_challenge},
        {"code_challenge_method", "S256"},
    };
    if (r.login_hint) {
        fields.emplace_back("login_hint", *r.login_hint);
    }
    co_return with_query(settings_.authorize_url, fields);
}

core::task<core::result<external_identity>> facebook_provider::redeem(authorization_grant g) {
    auto token = co_await graph_.redeem(
        std::move(g.code), std::move(g.redirect_uri), std::move(g.code_verifier)
    );
    if (!token) {
        co_return std::move(token).error();
    }
    auto profile = co_await graph_.me(std::move(*token));
    if (!profile) {
        co_return std::move(profile).error();
    }
    co_return identity_of(*profile);
}

core::task<core::result<external_identity>> facebook_provider::verify(native_credential c) {
    if (c.id_token || c.nonce) {
        co_return wrong_credential(
            c.id_token ? "/id_token" : "/nonce", "this provider signs in with an access_token"
        );
    }
    if (!c.access_token) {
        co_return wrong_credential("/access_token", "is required for this provider");
    }
    // The token must have been issued to our app: a token another app obtained for the same user
    // would otherwise sign in here.
    auto info = co_await graph_.debug_token(*c.access_token);
    if (!info) {
        co_return std::move(info).error();
    }
    if (!info->is_valid) {
        co_return core::fail(errc::unauthenticated, "Facebook says the token is not valid");
    }
    if (info->app_id != settings_.graph.app_id) {
        co_return core::fail(errc::unauthenticated, "the token was issued to another app");
    }
    auto profile = co_await graph_.me(std::move(*c.access_token));
    if (!profile) {
        co_return std::move(profile).error();
    }
    if (profile->id != info->user_id) {
        co_return core::fail(errc::unauthenticated, "the token belongs to another user");
    }
    co_return identity_of(*profile);
}

std::vector<std::unique_ptr<oauth_provider>> make_oauth_providers(
    const oauth_settings& s, core::worker_pool& workers, const core::clock& clock
) {
    std::vector<std::unique_ptr<oauth_provider>> out;
    for (const auto& p : s.oidc) {
        if (!p.client_id.empty()) {
            out.push_back(std::make_unique<oidc_provider>(p, s, workers, clock));
        }
    }
    if (!s.facebook.graph.app_id.empty()) {
        auto fb = s.facebook;
        fb.graph.timeout = s.timeout;
        out.push_back(std::make_unique<facebook_provider>(std::move(fb), workers));
    }
    return out;
}

}  // namespace identity
