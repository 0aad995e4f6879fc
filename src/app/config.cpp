#include "app/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/money.hpp"
#include "modules/shopping/delivery.hpp"

extern char** environ;  // NOLINT: POSIX

namespace app {
namespace {

using core::errc;
using core::fail;

// How one variable is parsed into the config, and how it is printed back.
struct setting {
    setting_info info;
    std::function<std::optional<std::string>(config&, std::string_view)> apply;
    std::function<std::string(const config&)> show;
};

template <class T>
std::optional<T> parse_int(std::string_view text) {
    T v{};
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || p != text.data() + text.size()) {
        return std::nullopt;
    }
    return v;
}

std::optional<double> parse_double(std::string_view text) {
    try {
        std::size_t used = 0;
        double v = std::stod(std::string{text}, &used);
        if (used != text.size() || !std::isfinite(v)) {
            return std::nullopt;
        }
        return v;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<bool> parse_bool(std::string_view text) {
    if (text == "1" || text == "true" || text == "yes" || text == "on") {
        return true;
    }
    if (text == "0" || text == "false" || text == "no" || text == "off") {
        return false;
    }
    return std::nullopt;
}

// "250ms", "15s", "2m" or a plain number of milliseconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    std::int64_t scale = 1;
    std::string_view digits = text;
    if (text.ends_with("ms")) {
        digits = text.substr(0, text.size() - 2);
    } else if (text.ends_with('s')) {
        digits = text.substr(0, text.size() - 1);
        scale = 1000;
    } else if (text.ends_with('m')) {
        digits = text.substr(0, text.size() - 1);
        scale = 60'000;
    }
    auto n = parse_int<std::int64_t>(digits);
    if (!n || *n < 0 || *n > 86'400'000) {
        return std::nullopt;
    }
    return std::chrono::milliseconds{*n * scale};
}

// "30d", "12h", "15m", "90s": lifetimes longer than parse_duration allows.
std::optional<std::chrono::seconds> parse_lifetime(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::int64_t scale = 0;
    switch (text.back()) {
        case 's':
            scale = 1;
            break;
        case 'm':
            scale = 60;
            break;
        case 'h':
            scale = 3600;
            break;
        case 'd':
            scale = 86400;
            break;
        default:
            return std::nullopt;
    }
    auto n = parse_int<std::int64_t>(text.substr(0, text.size() - 1));
    if (!n || *n < 0 || *n > 3650L * 86400) {
        return std::nullopt;
    }
    return std::chrono::seconds{*n * scale};
}

setting lifetime(setting_info info, std::chrono::seconds config::*field, std::chrono::seconds min, std::chrono::seconds max) {
    return {info,
            [=](config& c, std::string_view v) -> std::optional<std::string> {
                auto d = parse_lifetime(v);
                if (!d || *d < min || *d > max) {
                    return "must be a duration such as 90s, 15m, 12h or 30d, from " + std::to_string(min.count()) + "s to " +
                           std::to_string(max.count()) + "s";
                }
                c.*field = *d;
                return std::nullopt;
            },
            [=](const config& c) { return std::to_string((c.*field).count()) + "s"; }};
}

std::string show_ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

template <class T>
setting integer(setting_info info, T config::*field, T min, T max) {
    return {info,
            [=](config& c, std::string_view v) -> std::optional<std::string> {
                auto n = parse_int<T>(v);
                if (!n || *n < min || *n > max) {
                    return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
                }
                c.*field = *n;
                return std::nullopt;
            },
            [=](const config& c) { return std::to_string(c.*field); }};
}

setting duration(setting_info info, std::chrono::milliseconds config::*field, std::chrono::milliseconds min) {
    return {info,
            [=](config& c, std::string_view v) -> std::optional<std::string> {
                auto d = parse_duration(v);
                if (!d || *d < min) {
                    return "must be a duration such as 250ms, 15s or 2m, at least " + show_ms(min);
                }
                c.*field = *d;
                return std::nullopt;
            },
            [=](const config& c) { return show_ms(c.*field); }};
}

setting boolean(setting_info info, bool config::*field) {
    return {info,
            [=](config& c, std::string_view v) -> std::optional<std::string> {
                auto b = parse_bool(v);
                if (!b) {
                    return "must be 1/0, true/false, yes/no or on/off";
                }
                c.*field = *b;
                return std::nullopt;
            },
            [=](const config& c) { return std::string{c.*field ? "1" : "0"}; }};
}

setting text(setting_info info, std::string config::*field, std::size_t max_length = 4096) {
    return {info,
            [=](config& c, std::string_view v) -> std::optional<std::string> {
                if (v.size() > max_length) {
                    return "must be at most " + std::to_string(max_length) + " characters";
                }
                c.*field = std::string{v};
                return std::nullopt;
            },
            [=](const config& c) { return c.*field; }};
}

setting number(setting_info info, double config::*field, double min, double max) {
    return {info,
            [=](config& c, std::string_view v) -> std::optional<std::string> {
                auto d = parse_double(v);
                if (!d || *d < min || *d > max) {
                    return "must be a number from " + std::to_string(min) + " to " + std::to_string(max);
                }
                c.*field = *d;
                return std::nullopt;
            },
            [=](const config& c) {
                std::ostringstream out;
                out << c.*field;
                return out.str();
            }};
}

// A secret string: printed redacted.
setting secret_text(setting_info info, std::string config::*field) {
    info.secret = true;
    return {info,
            [=](config& c, std::string_view v) -> std::optional<std::string> {
                if (v.size() > 4096) {
                    return "must be at most 4096 characters";
                }
                c.*field = std::string{v};
                return std::nullopt;
            },
            [=](const config& c) { return std::string{(c.*field).empty() ? "" : "<redacted>"}; }};
}

// An http:// or https:// base URL without a trailing slash.
setting base_url(setting_info info, std::string config::*field) {
    return {info,
            [=](config& c, std::string_view v) -> std::optional<std::string> {
                if (!(v.starts_with("https://") || v.starts_with("http://")) || v.size() > 2048) {
                    return "must be an http:// or https:// URL";
                }
                while (v.ends_with('/')) {
                    v.remove_suffix(1);
                }
                c.*field = std::string{v};
                return std::nullopt;
            },
            [=](const config& c) { return c.*field; }};
}

// An OpenID issuer URL, kept exactly as written: ID tokens must name it character for character.
setting issuer_url(setting_info info, std::string config::*field) {
    return {info,
            [=](config& c, std::string_view v) -> std::optional<std::string> {
                if (!(v.starts_with("https://") || v.starts_with("http://")) || v.size() > 2048 ||
                    v.find_first_of("?#") != std::string_view::npos) {
                    return "must be an http:// or https:// URL without query or fragment";
                }
                c.*field = std::string{v};
                return std::nullopt;
            },
            [=](const config& c) { return c.*field; }};
}

// One of a few fixed words.
setting choice(setting_info info, std::string config::*field, std::vector<std::string_view> allowed) {
    return {info,
            [=](config& c, std::string_view v) -> std::optional<std::string> {
                if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
                    std::string names;
                    for (auto a : allowed) {
                        names += names.empty() ? std::string{a} : " or " + std::string{a};
                    }
                    return "must be " + names;
                }
                c.*field = std::string{v};
                return std::nullopt;
            },
            [=](const config& c) { return c.*field; }};
}

const std::vector<setting>& settings() {
    static const std::vector<setting> table = [] {
        std::vector<setting> t;
        t.push_back(text({"TRADER_HOST", "127.0.0.1", "IP address to listen on (0.0.0.0 or :: for every interface)."}, &config::host, 64));
        t.push_back({{"TRADER_PORT", "8080", "TCP port to listen on; 0 picks a free port (logged at start)."},
                     [](config& c, std::string_view v) -> std::optional<std::string> {
                         auto n = parse_int<int>(v);
                         if (!n || *n < 0 || *n > 65535) {
                             return "must be an integer from 0 to 65535";
                         }
                         c.port = static_cast<std::uint16_t>(*n);
                         return std::nullopt;
                     },
                     [](const config& c) { return std::to_string(c.port); }});
        t.push_back(integer<unsigned>({"TRADER_THREADS", "0", "I/O threads, each with its own event loop and listener; 0 = one per core."}, &config::threads, 0U, 256U));
        t.push_back(integer<unsigned>({"TRADER_WORKERS", "0", "Threads for blocking work (SQLite, password hashing); 0 = max(4, 2 x cores)."}, &config::workers, 0U, 512U));
        t.push_back(integer<std::size_t>({"TRADER_HEADER_LIMIT", "16384", "Largest request header block in bytes; larger gets 431."}, &config::header_limit, 1024, 1024 * 1024));
        t.push_back(integer<std::size_t>({"TRADER_BODY_LIMIT", "1048576", "Default largest request body in bytes (routes may allow more); larger gets 413."}, &config::body_limit, 1024, 1024 * 1024 * 1024));
        t.push_back(duration({"TRADER_READ_TIMEOUT", "15s", "Time a started request has to arrive in full; then 408 and close."}, &config::read_timeout, std::chrono::milliseconds{10}));
        t.push_back(duration({"TRADER_IDLE_TIMEOUT", "60s", "Keep-alive connections without a request are closed after this."}, &config::idle_timeout, std::chrono::milliseconds{10}));
        t.push_back(duration({"TRADER_SHUTDOWN_GRACE", "10s", "On SIGTERM/SIGINT, time in-flight requests get to finish before exit."}, &config::shutdown_grace, std::chrono::milliseconds{0}));
        t.push_back(integer<unsigned>({"TRADER_MAX_CONNECTIONS", "10000", "Open connections beyond this are answered 503 and closed."}, &config::max_connections, 1U, 1'000'000U));
        t.push_back({{"TRADER_CORS_ORIGINS", "", "Comma-separated origins allowed by CORS (exact, or * for any); empty = CORS off."},
                     [](config& c, std::string_view v) -> std::optional<std::string> {
                         c.cors_origins.clear();
                         std::string item;
                         std::istringstream in{std::string{v}};
                         while (std::getline(in, item, ',')) {
                             auto b = item.find_first_not_of(' ');
                             auto e = item.find_last_not_of(' ');
                             if (b == std::string::npos) {
                                 continue;
                             }
                             item = item.substr(b, e - b + 1);
                             if (item != "*" && !item.starts_with("http://") && !item.starts_with("https://")) {
                                 return "each origin must be * or start with http:// or https://";
                             }
                             c.cors_origins.push_back(item);
                         }
                         return std::nullopt;
                     },
                     [](const config& c) {
                         std::string out;
                         for (const auto& o : c.cors_origins) {
                             out += out.empty() ? o : "," + o;
                         }
                         return out;
                     }});
        t.push_back(number({"TRADER_RATE_LIMIT_RPS", "0", "Requests per second allowed per client address (token bucket); 0 = off."}, &config::rate_limit_rps, 0, 1e9));
        t.push_back(number({"TRADER_RATE_LIMIT_BURST", "0", "Burst size of the per-address bucket; 0 = 2 x the rate."}, &config::rate_limit_burst, 0, 1e9));
        t.push_back(text({"TRADER_DATA_DIR", "./var", "Directory for the SQLite database, signing keys and media on the embedded profile."}, &config::data_dir));
        t.push_back(text({"TRADER_MEDIA_DIR", "", "Directory of uploaded images and export files; empty = <TRADER_DATA_DIR>/media."}, &config::media_dir));
        t.push_back(text({"TRADER_MEDIA_BASE_URL", "/api/v1/media/", "URL prefix of media in API responses: this server's media route, or a CDN in front of it."}, &config::media_base_url, 512));
        t.push_back(integer<std::size_t>({"TRADER_MEDIA_MAX_BYTES", "5242880", "Largest accepted image upload in bytes (413 above)."}, &config::media_max_bytes, 1024, std::size_t{64} * 1024 * 1024));
        t.push_back(integer<std::size_t>({"TRADER_IMPORT_MAX_BYTES", "33554432", "Largest catalog import CSV in bytes (413 above)."}, &config::import_max_bytes, 1024, std::size_t{256} * 1024 * 1024));
        t.push_back(integer<std::size_t>({"TRADER_IMPORT_MAX_ROWS", "50000", "Most data rows in one catalog import CSV (422 above)."}, &config::import_max_rows, 1, 1'000'000));
        t.push_back({{"TRADER_DATABASE_URL", "", "postgres://user:password@host:port/db to use PostgreSQL; empty = SQLite in TRADER_DATA_DIR.", true},
                     [](config& c, std::string_view v) -> std::optional<std::string> {
                         if (!v.empty() && !v.starts_with("postgres://") && !v.starts_with("postgresql://") && !v.starts_with("sqlite:")) {
                             return "must start with postgres://, postgresql:// or sqlite:";
                         }
                         c.database_url = std::string{v};
                         return std::nullopt;
                     },
                     [](const config& c) { return redact_url(c.database_url); }});
        t.push_back(integer<int>({"TRADER_DB_POOL_SIZE", "8", "PostgreSQL connections in the pool."}, &config::db_pool_size, 1, 1000));
        t.push_back(integer<int>({"TRADER_SQLITE_READERS", "8", "SQLite reader connections (there is always one writer); a read transaction holds one across its statements."}, &config::sqlite_readers, 1, 64));
        t.push_back(boolean({"TRADER_AUTO_MIGRATE", "0", "Apply pending migrations at start on PostgreSQL (always done on SQLite)."}, &config::auto_migrate));
        t.push_back(duration({"TRADER_OUTBOX_POLL_INTERVAL", "200ms", "How often the outbox dispatcher looks for events written by other instances."}, &config::outbox_poll_interval, std::chrono::milliseconds{5}));
        t.push_back(duration({"TRADER_OUTBOX_CLAIM_TIMEOUT", "30s", "An event claimed by an instance that died is redelivered after this."}, &config::outbox_claim_timeout, std::chrono::milliseconds{100}));
        t.push_back(integer<int>({"TRADER_OUTBOX_BATCH_SIZE", "100", "Events the dispatcher delivers per round."}, &config::outbox_batch_size, 1, 10000));
        t.push_back(lifetime({"TRADER_IDEMPOTENCY_TTL", "24h", "How long the first response to an Idempotency-Key is replayed to retries (1 minute to 30 days)."}, &config::idempotency_ttl, std::chrono::minutes{1}, std::chrono::hours{24 * 30}));
        t.push_back(duration({"TRADER_IDEMPOTENCY_LOCK_TIMEOUT", "60s", "A request holding an Idempotency-Key that has not answered after this (its instance died) lets a retry run."}, &config::idempotency_lock_timeout, std::chrono::milliseconds{1000}));
        t.push_back(duration({"TRADER_IDEMPOTENCY_PURGE_INTERVAL", "1m", "How often expired Idempotency-Key records are deleted (in bounded batches)."}, &config::idempotency_purge_interval, std::chrono::milliseconds{100}));
        t.push_back(integer<std::size_t>({"TRADER_WS_MAX_MESSAGE", "65536", "Largest WebSocket message accepted from a client, in bytes."}, &config::ws_max_message, 128, 16 * 1024 * 1024));
        t.push_back(integer<std::size_t>({"TRADER_WS_SEND_QUEUE", "256", "Messages queued for one WebSocket; a consumer that falls further behind is dropped."}, &config::ws_send_queue, 1, 1'000'000));
        t.push_back(duration({"TRADER_WS_PING_INTERVAL", "20s", "WebSocket ping interval; a peer that misses two pongs is closed."}, &config::ws_ping_interval, std::chrono::milliseconds{10}));
        t.push_back(text({"TRADER_JWT_ISSUER", "trader", "`iss` of the access tokens we sign and accept."}, &config::jwt_issuer, 256));
        t.push_back(text({"TRADER_JWT_AUDIENCE", "trader-api", "`aud` of the access tokens we sign and accept."}, &config::jwt_audience, 256));
        t.push_back({{"TRADER_ACCESS_TOKEN_TTL", "15m", "Lifetime of access tokens."},
                     [](config& c, std::string_view v) -> std::optional<std::string> {
                         auto d = parse_duration(v);
                         if (!d || *d < std::chrono::seconds{30} || *d > std::chrono::hours{24}) {
                             return "must be a duration from 30s to 1440m";
                         }
                         c.access_token_ttl = std::chrono::duration_cast<std::chrono::seconds>(*d);
                         return std::nullopt;
                     },
                     [](const config& c) { return std::to_string(c.access_token_ttl.count()) + "s"; }});
        t.push_back(lifetime({"TRADER_JWT_KEY_ROTATION_INTERVAL", "30d", "Age at which the active signing key is replaced by a new one (0s = only by hand); older keys keep verifying."}, &config::jwt_key_rotation_interval, std::chrono::seconds{0}, std::chrono::hours{24 * 365}));
        t.push_back(duration({"TRADER_JWT_KEY_CHECK_INTERVAL", "1m", "How often an instance re-reads the key directory: rotations by other instances, retirement of old keys."}, &config::jwt_key_check_interval, std::chrono::milliseconds{100}));
        t.push_back(lifetime({"TRADER_ACCOUNT_DELETION_GRACE", "30d", "Time between a deletion request and the erasure of the account; signing in and cancelling keeps it."}, &config::account_deletion_grace, std::chrono::seconds{0}, std::chrono::hours{24 * 365}));
        t.push_back(duration({"TRADER_ACCOUNT_PURGE_INTERVAL", "1m", "How often accounts whose deletion grace period is over are erased."}, &config::account_purge_interval, std::chrono::milliseconds{100}));
        t.push_back(lifetime({"TRADER_REFRESH_TOKEN_TTL", "30d", "Lifetime of a refresh token; each refresh issues a new one (90s, 15m, 12h or 30d)."}, &config::refresh_token_ttl, std::chrono::minutes{1}, std::chrono::hours{24 * 365}));
        t.push_back(lifetime({"TRADER_EMAIL_TOKEN_TTL", "24h", "Lifetime of an email verification token."}, &config::email_token_ttl, std::chrono::minutes{1}, std::chrono::hours{24 * 30}));
        t.push_back(lifetime({"TRADER_PASSWORD_RESET_TTL", "1h", "Lifetime of a password reset token."}, &config::password_reset_ttl, std::chrono::minutes{1}, std::chrono::hours{24}));
        t.push_back(integer<int>({"TRADER_LOGIN_ACCOUNT_BURST", "5", "Sign-in attempts per account before throttling (429 with Retry-After)."}, &config::login_account_burst, 1, 1000));
        t.push_back(duration({"TRADER_LOGIN_ACCOUNT_INTERVAL", "1m", "A throttled account regains one sign-in attempt per interval."}, &config::login_account_interval, std::chrono::milliseconds{10}));
        t.push_back(integer<int>({"TRADER_AUTH_ADDRESS_BURST", "30", "Sign-in, registration and reset requests per client address before throttling."}, &config::auth_address_burst, 1, 1'000'000));
        t.push_back(duration({"TRADER_AUTH_ADDRESS_INTERVAL", "2s", "A throttled address regains one such request per interval."}, &config::auth_address_interval, std::chrono::milliseconds{1}));
        t.push_back(lifetime({"TRADER_OTP_TTL", "10m", "Lifetime of a one-time code sent by SMS."}, &config::otp_ttl, std::chrono::minutes{1}, std::chrono::hours{1}));
        t.push_back(integer<int>({"TRADER_OTP_MAX_ATTEMPTS", "5", "Checks of one SMS code before it is locked (a new code must be requested)."}, &config::otp_max_attempts, 1, 20));
        t.push_back(duration({"TRADER_OTP_RESEND_COOLDOWN", "30s", "Time before another code may be sent to the same phone (429 with Retry-After before)."}, &config::otp_resend_cooldown, std::chrono::milliseconds{0}));
        t.push_back(integer<int>({"TRADER_OTP_PHONE_BURST", "5", "Codes sent to one phone before throttling."}, &config::otp_phone_burst, 1, 1'000'000));
        t.push_back(duration({"TRADER_OTP_PHONE_INTERVAL", "10m", "A throttled phone regains one code per interval."}, &config::otp_phone_interval, std::chrono::milliseconds{1}));
        t.push_back(integer<int>({"TRADER_OTP_ADDRESS_BURST", "20", "Code requests and checks per client address before throttling."}, &config::otp_address_burst, 1, 1'000'000));
        t.push_back(duration({"TRADER_OTP_ADDRESS_INTERVAL", "30s", "A throttled address regains one code request or check per interval."}, &config::otp_address_interval, std::chrono::milliseconds{1}));
        t.push_back(text({"TRADER_TWILIO_ACCOUNT_SID", "", "Twilio account SID (AC...); empty = SMS codes go to the notifications log."}, &config::twilio_account_sid, 64));
        t.push_back(secret_text({"TRADER_TWILIO_AUTH_TOKEN", "", "Twilio auth token (Basic auth password)."}, &config::twilio_auth_token));
        t.push_back(text({"TRADER_TWILIO_FROM", "", "Sender number (E.164) of code messages sent through the Messages API."}, &config::twilio_from, 32));
        t.push_back(text({"TRADER_TWILIO_MESSAGING_SERVICE_SID", "", "Messaging service (MG...) that sends code messages; wins over TRADER_TWILIO_FROM."}, &config::twilio_messaging_service_sid, 64));
        t.push_back(text({"TRADER_TWILIO_VERIFY_SERVICE_SID", "", "Twilio Verify service (VA...); when set, Verify makes and checks the codes."}, &config::twilio_verify_service_sid, 64));
        t.push_back(base_url({"TRADER_TWILIO_BASE_URL", "https://api.twilio.com", "Base URL of Twilio's REST API (Messages)."}, &config::twilio_base_url));
        t.push_back(base_url({"TRADER_TWILIO_VERIFY_BASE_URL", "https://verify.twilio.com", "Base URL of Twilio Verify."}, &config::twilio_verify_base_url));
        t.push_back(duration({"TRADER_TWILIO_TIMEOUT", "10s", "Time a Twilio request may take; then 503 to the caller."}, &config::twilio_timeout, std::chrono::milliseconds{100}));
        t.push_back(base_url({"TRADER_OAUTH_REDIRECT_BASE", "", "Public base URL of this server; provider callbacks are <base>/api/v1/auth/oauth/<provider>/callback."}, &config::oauth_redirect_base));
        t.push_back({{"TRADER_OAUTH_ALLOWED_REDIRECTS", "", "Comma-separated app URLs a social sign-in may return tokens to (redirect_to, exact match)."},
                     [](config& c, std::string_view v) -> std::optional<std::string> {
                         c.oauth_allowed_redirects.clear();
                         std::string item;
                         std::istringstream in{std::string{v}};
                         while (std::getline(in, item, ',')) {
                             auto b = item.find_first_not_of(' ');
                             auto e = item.find_last_not_of(' ');
                             if (b == std::string::npos) {
                                 continue;
                             }
                             item = item.substr(b, e - b + 1);
                             auto scheme = item.find("://");
                             if (scheme == std::string::npos || scheme == 0 || item.find('#') != std::string::npos ||
                                 item.size() > 2048) {
                                 return "each URL must be absolute (scheme://...) without a fragment";
                             }
                             c.oauth_allowed_redirects.push_back(item);
                         }
                         return std::nullopt;
                     },
                     [](const config& c) {
                         std::string out;
                         for (const auto& u : c.oauth_allowed_redirects) {
                             out += out.empty() ? u : "," + u;
                         }
                         return out;
                     }});
        t.push_back(lifetime({"TRADER_OAUTH_STATE_TTL", "10m", "Time a started social sign-in has to come back to its callback."}, &config::oauth_state_ttl, std::chrono::minutes{1}, std::chrono::hours{1}));
        t.push_back(duration({"TRADER_OAUTH_TIMEOUT", "10s", "Time a request to a sign-in provider may take; then 503."}, &config::oauth_timeout, std::chrono::milliseconds{100}));
        t.push_back(duration({"TRADER_OAUTH_JWKS_MIN_REFRESH", "1m", "An ID token with an unknown key id refetches the provider's keys at most this often."}, &config::oauth_jwks_min_refresh, std::chrono::milliseconds{0}));
        t.push_back(text({"TRADER_GOOGLE_CLIENT_ID", "", "Google OAuth client id; empty = Google sign-in off."}, &config::google_client_id, 512));
        t.push_back(secret_text({"TRADER_GOOGLE_CLIENT_SECRET", "", "Google OAuth client secret."}, &config::google_client_secret));
        t.push_back(issuer_url({"TRADER_GOOGLE_ISSUER", "https://accounts.google.com", "Google's OpenID issuer; discovery at <issuer>/.well-known/openid-configuration."}, &config::google_issuer));
        t.push_back(choice({"TRADER_GOOGLE_TOKEN_AUTH", "client_secret_basic", "How we authenticate at Google's token endpoint: client_secret_basic or client_secret_post."}, &config::google_token_auth, {"client_secret_basic", "client_secret_post"}));
        t.push_back({{"TRADER_OIDC_NAME", "", "Name of another OpenID provider (lower-case letters, digits, -), its {provider} in the routes."},
                     [](config& c, std::string_view v) -> std::optional<std::string> {
                         bool ok = v.size() <= 32 && std::all_of(v.begin(), v.end(), [](char ch) {
                                       return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
                                   });
                         if (!ok || v == "google" || v == "facebook") {
                             return "must be 1-32 lower-case letters, digits or -, other than google and facebook";
                         }
                         c.oidc_name = std::string{v};
                         return std::nullopt;
                     },
                     [](const config& c) { return c.oidc_name; }});
        t.push_back(issuer_url({"TRADER_OIDC_ISSUER", "", "Issuer of that OpenID provider; discovery at <issuer>/.well-known/openid-configuration."}, &config::oidc_issuer));
        t.push_back(text({"TRADER_OIDC_CLIENT_ID", "", "Our client id at that provider; empty = off."}, &config::oidc_client_id, 512));
        t.push_back(secret_text({"TRADER_OIDC_CLIENT_SECRET", "", "Our client secret at that provider."}, &config::oidc_client_secret));
        t.push_back(choice({"TRADER_OIDC_TOKEN_AUTH", "client_secret_basic", "client_secret_basic or client_secret_post at that provider's token endpoint."}, &config::oidc_token_auth, {"client_secret_basic", "client_secret_post"}));
        t.push_back(text({"TRADER_FACEBOOK_APP_ID", "", "Facebook app id; empty = Facebook sign-in off."}, &config::facebook_app_id, 64));
        t.push_back(secret_text({"TRADER_FACEBOOK_APP_SECRET", "", "Facebook app secret (code exchange, app token, appsecret_proof)."}, &config::facebook_app_secret));
        t.push_back(base_url({"TRADER_FACEBOOK_AUTHORIZE_URL", "https://www.facebook.com/v21.0/dialog/oauth", "Facebook's login dialog."}, &config::facebook_authorize_url));
        t.push_back(base_url({"TRADER_FACEBOOK_TOKEN_URL", "https://graph.facebook.com/v21.0/oauth/access_token", "Facebook's code exchange endpoint."}, &config::facebook_token_url));
        t.push_back(base_url({"TRADER_FACEBOOK_GRAPH_URL", "https://graph.facebook.com/v21.0", "Base URL of the Graph API (/me, /debug_token)."}, &config::facebook_graph_url));
        t.push_back(text({"TRADER_FACEBOOK_SCOPE", "email public_profile", "Permissions asked in Facebook's login dialog (space-separated)."}, &config::facebook_scope, 512));
        t.push_back(integer<std::size_t>({"TRADER_CACHE_MAX_BYTES", "67108864", "Byte budget of the in-process cache of storefront pages (sharded LRU); 0 = no cache."}, &config::cache_max_bytes, 0, std::size_t{64} * 1024 * 1024 * 1024));
        t.push_back(boolean({"TRADER_CACHE_ADMIT_ON_REPEAT", "1", "Cache a storefront page only when it is asked for a second time (within roughly the last 65,536 pages put), so one-off searches do not push popular pages out; 0 = cache every page."}, &config::cache_admit_on_repeat));
        t.push_back(duration({"TRADER_CACHE_TTL", "60s", "Cached storefront pages expire after this even when no change invalidated them."}, &config::cache_ttl, std::chrono::milliseconds{1000}));
        t.push_back(lifetime({"TRADER_STORE_MAX_AGE", "10s", "Cache-Control max-age of public storefront answers (0s = no-cache: clients revalidate with the ETag)."}, &config::store_max_age, std::chrono::seconds{0}, std::chrono::seconds{86400}));
        t.push_back(boolean({"TRADER_SEARCH_IN_MEMORY", "1", "Answer storefront searches and facets from the in-process search engine (0 = from the database's full-text index)."}, &config::search_in_memory));
        t.push_back(duration({"TRADER_SEARCH_SYNC_INTERVAL", "1s", "How often the in-process search engine applies read-model changes made by other instances."}, &config::search_sync_interval, std::chrono::milliseconds{50}));
        t.push_back({{"TRADER_STORE_CURRENCY", "EUR", "Currency of storefront price filters, price sorts and price facets when a request names none (ISO 4217)."},
                     [](config& c, std::string_view v) -> std::optional<std::string> {
                         if (!core::currency::parse(v)) {
                             return "must be an ISO 4217 currency code such as EUR";
                         }
                         c.store_currency = std::string{v};
                         return std::nullopt;
                     },
                     [](const config& c) { return c.store_currency; }});
        t.push_back({{"TRADER_DELIVERY_FEES", "3:299,8:499,15:799", "Courier delivery fee bands: <km>:<fee in minor units>, distances increasing; beyond the last band courier delivery is refused; empty = no courier delivery."},
                     [](config& c, std::string_view v) -> std::optional<std::string> {
                         auto bands = shopping::parse_delivery_fees(v);
                         if (!bands) {
                             return bands.error().detail;
                         }
                         c.delivery_fees = std::string{v};
                         return std::nullopt;
                     },
                     [](const config& c) { return c.delivery_fees; }});
        t.push_back(integer<std::int64_t>({"TRADER_TAX_RATE_BPS", "0", "Tax rate included in prices, in basis points (1900 = 19 %); carts and orders show the tax part."}, &config::tax_rate_bps, 0, 10000));
        t.push_back(duration({"TRADER_RESERVATION_TTL", "15m", "How long an unpaid order keeps its reserved stock before it is cancelled."}, &config::reservation_ttl, std::chrono::milliseconds{1000}));
        t.push_back(duration({"TRADER_RESERVATION_SWEEP_INTERVAL", "10s", "How often each instance looks for unpaid orders whose reservation ran out."}, &config::reservation_sweep_interval, std::chrono::milliseconds{50}));
        t.push_back({{"TRADER_LOG_LEVEL", "info", "debug, info, warn or error."},
                     [](config& c, std::string_view v) -> std::optional<std::string> {
                         if (!core::log::parse_level(v, c.log_level)) {
                             return "must be debug, info, warn or error";
                         }
                         return std::nullopt;
                     },
                     [](const config& c) {
                         constexpr std::string_view names[] = {"debug", "info", "warn", "error"};
                         return std::string{names[static_cast<int>(c.log_level)]};
                     }});
        t.push_back(boolean({"TRADER_ACCESS_LOG", "1", "One JSON line per request on stdout."}, &config::access_log));
        t.push_back(boolean({"TRADER_TEST_HOOKS", "0", "Enables test-only event handlers; never set in production."}, &config::test_hooks));
        return t;
    }();
    return table;
}

// KEY=VALUE lines; blank lines and # comments ignored; optional quotes around values.
core::result<std::map<std::string, std::string>> read_config_file(const std::string& path) {
    std::ifstream in{path};
    if (!in) {
        return fail(errc::invalid, "TRADER_CONFIG: cannot read " + path);
    }
    std::map<std::string, std::string> out;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        auto b = line.find_first_not_of(" \t");
        if (b == std::string::npos || line[b] == '#') {
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string::npos) {
            return fail(errc::invalid, "TRADER_CONFIG: " + path + ":" + std::to_string(number) + ": expected NAME=value");
        }
        auto key = line.substr(b, eq - b);
        while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) {
            key.pop_back();
        }
        auto value = line.substr(eq + 1);
        auto vb = value.find_first_not_of(" \t");
        value = vb == std::string::npos ? "" : value.substr(vb);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) {
            value.pop_back();
        }
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        out[key] = value;
    }
    return out;
}

// Settings that only make sense together: an enabled provider needs its secret, and callbacks need
// the public base URL.
std::optional<std::string> check_oauth(const config& c) {
    if (!c.google_client_id.empty() && c.google_client_secret.empty()) {
        return "TRADER_GOOGLE_CLIENT_SECRET: required with TRADER_GOOGLE_CLIENT_ID";
    }
    if (!c.oidc_client_id.empty()) {
        if (c.oidc_name.empty() || c.oidc_issuer.empty()) {
            return "TRADER_OIDC_NAME: required, with TRADER_OIDC_ISSUER, with TRADER_OIDC_CLIENT_ID";
        }
        if (c.oidc_client_secret.empty()) {
            return "TRADER_OIDC_CLIENT_SECRET: required with TRADER_OIDC_CLIENT_ID";
        }
    }
    if (!c.facebook_app_id.empty() && c.facebook_app_secret.empty()) {
        return "TRADER_FACEBOOK_APP_SECRET: required with TRADER_FACEBOOK_APP_ID";
    }
    bool any = !c.google_client_id.empty() || !c.oidc_client_id.empty() || !c.facebook_app_id.empty();
    if (any && c.oauth_redirect_base.empty()) {
        return "TRADER_OAUTH_REDIRECT_BASE: required when a sign-in provider is configured";
    }
    return std::nullopt;
}

}  // namespace

std::string config::sqlite_path() const {
    if (database_url.starts_with("sqlite:")) {
        return database_url.substr(7);
    }
    return (std::filesystem::path{data_dir} / "trader.db").string();
}

const std::vector<setting_info>& settings_table() {
    static const std::vector<setting_info> infos = [] {
        std::vector<setting_info> out;
        out.push_back({"TRADER_CONFIG", "", "Optional file of NAME=value lines; environment variables win over it."});
        for (const auto& s : settings()) {
            out.push_back(s.info);
        }
        return out;
    }();
    return infos;
}

std::map<std::string, std::string> process_environment() {
    std::map<std::string, std::string> out;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv{*e};
        if (!kv.starts_with("TRADER_")) {
            continue;
        }
        auto eq = kv.find('=');
        if (eq != std::string_view::npos) {
            out.emplace(std::string{kv.substr(0, eq)}, std::string{kv.substr(eq + 1)});
        }
    }
    return out;
}

core::result<config> load_config(const std::map<std::string, std::string>& environment) {
    std::map<std::string, std::string> merged;
    if (auto file = environment.find("TRADER_CONFIG"); file != environment.end() && !file->second.empty()) {
        auto from_file = read_config_file(file->second);
        if (!from_file) {
            return std::move(from_file).error();
        }
        merged = std::move(*from_file);
    }
    for (const auto& [k, v] : environment) {
        merged[k] = v;
    }

    config c;
    for (const auto& [name, value] : merged) {
        if (!name.starts_with("TRADER_") || name == "TRADER_CONFIG" || name.starts_with("TRADER_TEST_PG") ||
            name == "TRADER_TEST_PROFILE") {
            continue;
        }
        const setting* s = nullptr;
        for (const auto& candidate : settings()) {
            if (candidate.info.name == name) {
                s = &candidate;
                break;
            }
        }
        if (!s) {
            return fail(errc::invalid, name + ": unknown setting (see docs/configuration.md)");
        }
        if (auto problem = s->apply(c, value)) {
            return fail(errc::invalid, name + "=" + (s->info.secret ? std::string{"<redacted>"} : value) + ": " + *problem);
        }
    }
    if (!c.twilio_account_sid.empty()) {
        if (c.twilio_auth_token.empty()) {
            return fail(errc::invalid, "TRADER_TWILIO_AUTH_TOKEN: required with TRADER_TWILIO_ACCOUNT_SID");
        }
        if (c.twilio_verify_service_sid.empty() && c.twilio_from.empty() && c.twilio_messaging_service_sid.empty()) {
            return fail(errc::invalid,
                        "TRADER_TWILIO_FROM: set it, TRADER_TWILIO_MESSAGING_SERVICE_SID or TRADER_TWILIO_VERIFY_SERVICE_SID "
                        "with TRADER_TWILIO_ACCOUNT_SID");
        }
    }
    if (auto oauth = check_oauth(c)) {
        return fail(errc::invalid, *oauth);
    }
    if (c.rate_limit_burst == 0) {
        c.rate_limit_burst = c.rate_limit_rps * 2;
    }
    return c;
}

std::string describe(const config& c) {
    std::string out;
    for (const auto& s : settings()) {
        out += s.info.name;
        out += '=';
        out += s.show(c);
        out += '\n';
    }
    return out;
}

std::string redact_url(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme == std::string_view::npos) {
        return std::string{url};
    }
    auto at = url.find('@', scheme + 3);
    if (at == std::string_view::npos) {
        return std::string{url};
    }
    auto colon = url.find(':', scheme + 3);
    if (colon == std::string_view::npos || colon > at) {
        return std::string{url};
    }
    return std::string{url.substr(0, colon + 1)} + "***" + std::string{url.substr(at)};
}

}  // namespace app
