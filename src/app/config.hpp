// The process configuration: TRADER_* environment variables over an optional file over defaults,
// parsed once into typed settings and validated before anything starts.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.hpp"
#include "core/result.hpp"

namespace app {

struct config {
    // HTTP server
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    unsigned threads = 0;  // 0 = one per core
    unsigned workers = 0;  // blocking-work pool; 0 = max(4, 2 x cores)
    std::size_t header_limit = 16 * 1024;
    std::size_t body_limit = 1024 * 1024;
    std::chrono::milliseconds read_timeout{15000};
    std::chrono::milliseconds idle_timeout{60000};
    std::chrono::milliseconds shutdown_grace{10000};
    unsigned max_connections = 10000;
    std::vector<std::string> cors_origins;
    double rate_limit_rps = 0;  // per client address; 0 = off
    double rate_limit_burst = 0;

    // Storage
    std::string data_dir = "./var";
    std::string media_dir;  // empty = <data_dir>/media
    std::string media_base_url = "/api/v1/media/";
    std::size_t media_max_bytes = std::size_t{5} * 1024 * 1024;
    std::size_t import_max_bytes = std::size_t{32} * 1024 * 1024;
    std::size_t import_max_rows = 50'000;
    std::string database_url;  // empty = SQLite at <data_dir>/trader.db
    int db_pool_size = 8;
    int sqlite_readers = 8;
    bool auto_migrate = false;

    // Events
    std::chrono::milliseconds outbox_poll_interval{200};
    int outbox_batch_size = 100;
    std::chrono::milliseconds outbox_claim_timeout{30000};

    // Idempotency-Key records
    std::chrono::seconds idempotency_ttl{24L * 3600};  // a stored first response is replayed
    std::chrono::milliseconds idempotency_lock_timeout{60000};  // then a dead attempt's key is free
    std::chrono::milliseconds idempotency_purge_interval{60000};

    // Real time
    std::size_t ws_max_message = 64 * 1024;
    std::size_t ws_send_queue = 256;
    std::chrono::milliseconds ws_ping_interval{20000};

    // Tokens
    std::string jwt_issuer = "trader";
    std::string jwt_audience = "trader-api";
    std::chrono::seconds access_token_ttl{900};
    std::chrono::seconds jwt_key_rotation_interval{30L * 24 * 3600};
    std::chrono::milliseconds jwt_key_check_interval{60000};

    // Identity: account deletion
    std::chrono::seconds account_deletion_grace{30L * 24 * 3600};
    std::chrono::milliseconds account_purge_interval{60000};

    // Identity: refresh and single-use tokens, sign-in throttling
    std::chrono::seconds refresh_token_ttl{30L * 24 * 3600};
    std::chrono::seconds email_token_ttl{24L * 3600};
    std::chrono::seconds password_reset_ttl{3600};
    int login_account_burst = 5;  // sign-in attempts per account before throttling
    std::chrono::milliseconds login_account_interval{60000};  // one more attempt per interval
    int auth_address_burst = 30;  // sign-in, registration and reset attempts per client address
    std::chrono::milliseconds auth_address_interval{2000};

    // Phone one-time codes
    std::chrono::seconds otp_ttl{600};
    int otp_max_attempts = 5;  // checks of one code before it is locked
    std::chrono::milliseconds otp_resend_cooldown{30000};
    int otp_phone_burst = 5;  // codes sent to one phone before throttling
    std::chrono::milliseconds otp_phone_interval{600000};
    int otp_address_burst = 20;  // code starts and checks per client address
    std::chrono::milliseconds otp_address_interval{30000};

    // Twilio (SMS). No account SID = codes go to the notifications log (embedded profile).
    std::string twilio_account_sid;
    std::string twilio_auth_token;  // secret
    std::string twilio_from;
    std::string twilio_messaging_service_sid;
    std::string twilio_verify_service_sid;
    std::string twilio_base_url = "https://api.twilio.com";
    std::string twilio_verify_base_url = "https://verify.twilio.com";
    std::chrono::milliseconds twilio_timeout{10000};

    // Social sign-in. A provider without a client (app) id is off and its routes answer 404.
    std::string oauth_redirect_base;  // public base URL of this server; callbacks are under it
    std::vector<std::string> oauth_allowed_redirects;  // exact app URLs that may get tokens
    std::chrono::seconds oauth_state_ttl{600};
    std::chrono::milliseconds oauth_timeout{10000};
    std::chrono::milliseconds oauth_jwks_min_refresh{60000};
    std::string google_client_id;
    std::string google_client_secret;  // secret
    std::string google_issuer = "https://accounts.google.com";
    std::string google_token_auth = "client_secret_basic";
    std::string oidc_name;  // another OpenID provider, under /api/v1/auth/oauth/<name>
    std::string oidc_issuer;
    std::string oidc_client_id;
    std::string oidc_client_secret;  // secret
    std::string oidc_token_auth = "client_secret_basic";
    std::string facebook_app_id;
    std::string facebook_app_secret;  // secret
    std::string facebook_authorize_url = "https://www.facebook.com/v21.0/dialog/oauth";
    std::string facebook_token_url = "https://graph.facebook.com/v21.0/oauth/access_token";
    std::string facebook_graph_url = "https://graph.facebook.com/v21.0";
    std::string facebook_scope = "email public_profile";

    // Storefront: cached pages of /api/v1/store and their HTTP caching
    std::size_t cache_max_bytes = std::size_t{64} * 1024 * 1024;  // in-process cache; 0 = off
    std::chrono::milliseconds cache_ttl{60000};  // cached pages expire even without a change
    bool cache_admit_on_repeat = true;  // a page is cached when asked for the second time
    std::chrono::seconds store_max_age{10};      // Cache-Control max-age of public store pages
    bool search_in_memory = true;                        // storefront search from the engine
    std::chrono::milliseconds search_sync_interval{1000};  // engine follows other instances
    std::string store_currency = "EUR";          // of price filters, sorts and facets by default

    // Carts and pricing (docs/pricing.md)
    std::string delivery_fees = "3:299,8:499,15:799";  // km:fee bands of courier delivery
    std::int64_t tax_rate_bps = 0;                     // tax included in prices, basis points
    std::chrono::milliseconds reservation_ttl{15 * 60 * 1000};  // unpaid orders keep stock this long
    std::chrono::milliseconds reservation_sweep_interval{10000};

    // Logging
    core::log::level log_level = core::log::level::info;
    bool access_log = true;

    // Test-only routes and event handlers (never on in production).
    bool test_hooks = false;

    bool uses_postgres() const { return database_url.starts_with("postgres://") || database_url.starts_with("postgresql://"); }
    std::string sqlite_path() const;
};

// One setting as documented in docs/configuration.md and printed by `trader config`.
struct setting_info {
    std::string_view name;
    std::string_view default_text;
    std::string_view help;
    bool secret = false;
};

const std::vector<setting_info>& settings_table();

// Reads `environment` (and TRADER_CONFIG's file when set) into a config. The error names the variable.
core::result<config> load_config(const std::map<std::string, std::string>& environment);
std::map<std::string, std::string> process_environment();

// `NAME=value` lines of the effective configuration, secrets redacted.
std::string describe(const config& c);

// Hides the password of a URL: postgres://user:***@host/db
std::string redact_url(std::string_view url);

}  // namespace app
