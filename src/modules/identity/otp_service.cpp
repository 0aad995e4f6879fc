#include "modules/identity/otp_service.hpp"

#include <functional>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "infra/bus/outbox.hpp"
#include "modules/identity/secrets.hpp"

namespace identity {
namespace {

using core::errc;
using core::fail;

constexpr int code_digits = 6;
constexpr std::string_view method_otp = "otp";
constexpr std::string_view wrong_code = "is wrong, expired or already used";

core::error invalid_code() {
    return core::error{
        errc::invalid,
        "1 field is invalid",
        {core::field_error{"/code", "invalid_code", std::string{wrong_code}}}};
}

double per_second(std::chrono::milliseconds interval) {
    return 1000.0 / static_cast<double>(std::max<std::int64_t>(1, interval.count()));
}

// Bound to the phone, so one hash cannot be replayed for another number.
std::string code_hash(const std::string& phone, const std::string& code) {
    return secrets::sha256_hex(phone + ":" + code);
}

bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return diff == 0;
}

}  // namespace

otp_service::otp_service(
    infra::db::database& db,
    const core::clock& clock,
    core::metrics::registry& metrics,
    auth_service& auth,
    sms_provider& sms,
    otp_settings settings
)
    : db_(db),
      clock_(clock),
      auth_(auth),
      sms_(sms),
      settings_(settings),
      users_(db),
      audit_(db, clock),
      phone_limiter_(per_second(settings.phone.interval), settings.phone.burst, clock),
      address_limiter_(per_second(settings.address.interval), settings.address.burst, clock),
      sent_(metrics.get_counter("identity_otp_sent_total", "One-time codes sent by SMS")),
      failed_(metrics.get_counter(
          "identity_otp_failed_total", "One-time code checks refused (wrong, expired or locked)"
      )),
      throttled_(metrics.get_counter(
          "identity_otp_throttled_total", "One-time code requests refused by a cooldown or throttle"
      )),
      send_errors_(metrics.get_counter(
          "identity_otp_send_errors_total", "One-time codes the SMS provider could not send"
      )) {}

core::result<void> otp_service::take(core::http::rate_limiter& limiter, const std::string& key) {
    auto d = limiter.take(key);
    if (d.allowed) {
        return core::ok();
    }
    throttled_.inc();
    core::error e{errc::rate_limited, "too many code requests; try again later"};
    e.retry_after = d.retry_after_seconds;
    return e;
}

core::error otp_service::locked_error(std::int64_t sent_at_ms) const {
    auto resend_at = from_ms(sent_at_ms) + settings_.resend_cooldown;
    auto wait = std::chrono::duration_cast<std::chrono::seconds>(resend_at - clock_.now()).count();
    core::error e{errc::rate_limited, "too many wrong codes; request a new code"};
    e.retry_after = static_cast<int>(std::max<std::int64_t>(1, wait));
    return e;
}

// Sending

core::task<core::result<otp_started>> otp_service::start(
    std::string phone, std::optional<core::principal> who, client_info client
) {
    if (auto t = take(address_limiter_, "otp-address:" + client.ip); !t) {
        co_return std::move(t).error();
    }
    if (auto t = take(phone_limiter_, "otp-phone:" + phone); !t) {
        co_return std::move(t).error();
    }
    std::string code;
    std::optional<std::string> hash;
    if (!sms_.checks_codes()) {
        code = secrets::random_digits(code_digits);
        hash = code_hash(phone, code);
    }
    std::optional<std::string> user_id;
    if (who) {
        user_id = who->user_id;
    }
    auto body = std::bind_front(
        &otp_service::start_tx, this, phone, std::move(user_id), std::move(hash), client
    );
    auto stored = co_await infra::db::transact(db_, std::move(body));
    if (!stored) {
        if (stored.error().code == errc::rate_limited) {
            throttled_.inc();
        }
        co_return std::move(stored).error();
    }
    auto sent_at_ms = to_ms(clock_.now());
    auto sent = co_await sms_.send_code(phone, std::move(code));
    if (!sent) {
        send_errors_.inc();
        core::log::warn("one-time code not sent")
            .field("provider", sms_.name())
            .field("reason", sent.error().detail);
        // Lets the caller ask again at once rather than wait for a code that never left.
        auto forgotten = co_await forget_code(phone, sent_at_ms);
        (void)forgotten;
        if (sent.error().code == errc::invalid) {
            co_return fail(errc::unavailable, "the SMS provider refused the message");
        }
        co_return std::move(sent).error();
    }
    sent_.inc();
    co_return otp_started{
        .expires_in = settings_.code_ttl,
        .resend_after = std::chrono::ceil<std::chrono::seconds>(settings_.resend_cooldown)};
}

core::task<core::result<void>> otp_service::start_tx(
    std::string phone,
    std::optional<std::string> user_id,
    std::optional<std::string> hash,
    client_info client,
    infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto previous = co_await tx.query("SELECT sent_at_ms FROM phone_otps WHERE phone = $1", phone);
    if (!previous) {
        co_return std::move(previous).error();
    }
    if (!previous->empty()) {
        auto resend_at =
            from_ms(previous->front().get<std::int64_t>(0)) + settings_.resend_cooldown;
        if (now < resend_at) {
            auto wait = std::chrono::ceil<std::chrono::seconds>(resend_at - now).count();
            core::error e{
                errc::rate_limited, "a code was sent moments ago; wait before asking again"};
            e.retry_after = static_cast<int>(std::max<std::int64_t>(1, wait));
            co_return e;
        }
    }
    auto stored = co_await tx.query(
        "INSERT INTO phone_otps (phone, user_id, code_hash, sent_at_ms, expires_at_ms, attempts, "
        "consumed_at_ms) VALUES ($1, $2, $3, $4, $5, 0, NULL)"
        " ON CONFLICT (phone) DO UPDATE SET user_id = excluded.user_id, code_hash = "
        "excluded.code_hash, sent_at_ms = excluded.sent_at_ms, expires_at_ms = "
        "excluded.expires_at_ms, attempts = 0, consumed_at_ms = NULL",
        phone, user_id, std::move(hash), to_ms(now), to_ms(now + settings_.code_ttl)
    );
    if (!stored) {
        co_return std::move(stored).error();
    }
    audit_entry entry{
        .type = "otp.sent",
        .user_id = std::move(user_id),
        .client = std::move(client),
        .data = {{"phone", phone}, {"provider", sms_.name()}}};
    co_return co_await audit_.append(tx, std::move(entry));
}

core::task<core::result<void>> otp_service::forget_code(
    std::string phone, std::int64_t sent_at_ms
) {
    auto tx = co_await db_.begin(infra::db::tx_mode::write);
    if (!tx) {
        co_return std::move(tx).error();
    }
    // Only the row this start wrote (its send time is at or after sent_at_ms - a clock step).
    auto removed = co_await (*tx)->query(
        "DELETE FROM phone_otps WHERE phone = $1 AND consumed_at_ms IS NULL AND attempts = 0 AND "
        "sent_at_ms >= $2",
        std::move(phone), sent_at_ms - 1000
    );
    if (!removed) {
        co_return std::move(removed).error();
    }
    co_return co_await (*tx)->commit();
}

// Checking

core::task<core::result<otp_verified>> otp_service::verify(
    std::string phone, std::string code, std::optional<core::principal> who, client_info client
) {
    if (auto t = take(address_limiter_, "otp-address:" + client.ip); !t) {
        co_return std::move(t).error();
    }
    auto body = std::bind_front(&otp_service::claim_tx, this, phone);
    auto claimed = co_await infra::db::transact(db_, std::move(body));
    if (!claimed) {
        failed_.inc();
        co_return std::move(claimed).error();
    }
    bool right = false;
    if (claimed->code_hash) {
        right = same_secret(*claimed->code_hash, code_hash(phone, code));
    } else {
        auto checked = co_await sms_.check_code(phone, code);
        if (!checked) {
            co_return std::move(checked).error();
        }
        right = *checked;
    }
    std::optional<std::string> expected_user;
    if (who) {
        expected_user = who->user_id;
    }
    // A code sent for a sign-in does not verify an account's phone, nor the other way round.
    if (right && claimed->user_id != expected_user) {
        right = false;
    }
    if (!right) {
        failed_.inc();
        bool locked = claimed->attempts >= settings_.max_attempts;
        audit_entry entry{
            .type = locked ? "otp.locked" : "otp.failed",
            .user_id = expected_user,
            .client = client,
            .data = {{"phone", phone}, {"attempts", claimed->attempts}}};
        auto audited = co_await audit_.append(std::move(entry));
        if (!audited) {
            co_return std::move(audited).error();
        }
        co_return invalid_code();
    }
    auto finish = std::bind_front(
        &otp_service::complete_tx, this, std::move(phone), std::move(*claimed), std::move(who),
        std::move(client)
    );
    co_return co_await infra::db::transact(db_, std::move(finish));
}

core::task<core::result<otp_service::claim>> otp_service::claim_tx(
    std::string phone, infra::db::transaction& tx
) {
    auto now = to_ms(clock_.now());
    auto rows = co_await tx.query(
        "SELECT user_id, code_hash, sent_at_ms, expires_at_ms, attempts, consumed_at_ms FROM "
        "phone_otps WHERE phone = $1",
        phone
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    if (rows->empty()) {
        co_return invalid_code();
    }
    const auto& r = rows->front();
    claim c{
        .user_id = r.get<std::optional<std::string>>("user_id"),
        .code_hash = r.get<std::optional<std::string>>("code_hash"),
        .sent_at_ms = r.get<std::int64_t>("sent_at_ms"),
        .attempts = static_cast<int>(r.get<std::int64_t>("attempts")),
    };
    if (r.get<std::optional<std::int64_t>>("consumed_at_ms") ||
        r.get<std::int64_t>("expires_at_ms") <= now) {
        co_return invalid_code();
    }
    if (c.attempts >= settings_.max_attempts) {
        co_return locked_error(c.sent_at_ms);
    }
    // Counted before the code is compared, and committed whatever the comparison says.
    auto counted = co_await tx.query(
        "UPDATE phone_otps SET attempts = attempts + 1 WHERE phone = $1 AND sent_at_ms = $2 AND "
        "attempts < $3",
        phone, c.sent_at_ms, settings_.max_attempts
    );
    if (!counted) {
        co_return std::move(counted).error();
    }
    if (counted->affected() != 1) {
        co_return locked_error(c.sent_at_ms);
    }
    c.attempts += 1;
    co_return c;
}

core::task<core::result<otp_verified>> otp_service::complete_tx(
    std::string phone,
    claim c,
    std::optional<core::principal> who,
    client_info client,
    infra::db::transaction& tx
) {
    auto spent = co_await tx.query(
        "UPDATE phone_otps SET consumed_at_ms = $3 WHERE phone = $1 AND sent_at_ms = $2 AND "
        "consumed_at_ms IS NULL",
        phone, c.sent_at_ms, to_ms(clock_.now())
    );
    if (!spent) {
        co_return std::move(spent).error();
    }
    if (spent->affected() != 1) {
        co_return invalid_code();
    }
    if (who) {
        co_return co_await verify_phone_tx(
            std::move(phone), std::move(*who), std::move(client), tx
        );
    }
    co_return co_await sign_in_tx(std::move(phone), std::move(client), tx);
}

core::task<core::result<otp_verified>> otp_service::sign_in_tx(
    std::string phone, client_info client, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto found = co_await users_.find_id_by_phone(tx, phone);
    if (!found) {
        co_return std::move(found).error();
    }
    bool created = !*found;
    std::string id = created ? core::new_id("usr", now) : **found;
    if (created) {
        new_user fresh{.id = id, .name = "", .phone = phone};
        auto inserted = co_await users_.insert(tx, std::move(fresh), now);
        if (!inserted) {
            co_return std::move(inserted).error();
        }
        auto granted = co_await users_.grant_role(tx, id, std::string(role::customer), now);
        if (!granted) {
            co_return std::move(granted).error();
        }
        boost::json::object event{
            {"user_id", id}, {"phone", phone}, {"roles", boost::json::array{role::customer}}};
        auto appended =
            co_await infra::bus::append(tx, clock_, "user.registered", id, std::move(event));
        if (!appended) {
            co_return std::move(appended).error();
        }
        audit_entry registered{
            .type = "user.registered", .user_id = id, .client = client, .data = {{"phone", phone}}};
        auto audited = co_await audit_.append(tx, std::move(registered));
        if (!audited) {
            co_return std::move(audited).error();
        }
    }
    auto account = co_await users_.find(tx, id);
    if (!account) {
        co_return std::move(account).error();
    }
    if (!*account) {
        co_return fail(errc::internal, "the signed-in user is missing");
    }
    if ((*account)->status != user_status::active) {
        co_return fail(errc::forbidden, "this account is suspended");
    }
    auto tokens = co_await auth_.open_session(
        tx, id, (*account)->roles, std::string{method_otp}, client, now
    );
    if (!tokens) {
        co_return std::move(tokens).error();
    }
    audit_entry entry{
        .type = "login.succeeded",
        .user_id = id,
        .client = client,
        .data = {{"session_id", tokens->session_id}, {"method", method_otp}}};
    auto audited = co_await audit_.append(tx, std::move(entry));
    if (!audited) {
        co_return std::move(audited).error();
    }
    co_return otp_verified{
        .session = signed_in{std::move(**account), std::move(*tokens)}, .created = created};
}

core::task<core::result<otp_verified>> otp_service::verify_phone_tx(
    std::string phone, core::principal who, client_info client, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto owner = co_await users_.find_id_by_phone(tx, phone);
    if (!owner) {
        co_return std::move(owner).error();
    }
    if (*owner && **owner != who.user_id) {
        co_return fail(errc::conflict, "this phone number belongs to another account");
    }
    auto set = co_await users_.set_verified_phone(tx, who.user_id, phone, now);
    if (!set) {
        co_return std::move(set).error();
    }
    boost::json::object event{{"user_id", who.user_id}, {"phone", phone}};
    auto appended = co_await infra::bus::append(
        tx, clock_, "user.phone_verified", who.user_id, std::move(event)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    audit_entry entry{
        .type = "phone.verified",
        .user_id = who.user_id,
        .client = std::move(client),
        .data = {{"phone", phone}}};
    auto audited = co_await audit_.append(tx, std::move(entry));
    if (!audited) {
        co_return std::move(audited).error();
    }
    auto account = co_await users_.find(tx, who.user_id);
    if (!account) {
        co_return std::move(account).error();
    }
    if (!*account) {
        co_return fail(errc::not_found, "no such user");
    }
    co_return otp_verified{.account = std::move(**account)};
}

}  // namespace identity
