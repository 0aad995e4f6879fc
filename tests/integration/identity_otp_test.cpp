// Phone one-time codes end to end on the real binary: with the notifications-log sender (embedded
// profile), with our codes texted through Twilio's Messages API and with Twilio Verify, both
// against Prism mocks of Twilio's published OpenAPI specs. Covers brute force (locked after 5),
// the resend cooldown, throttles and bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <memory>
#include <random>

#include "app/runtime.hpp"
#include "core/worker_pool.hpp"
#include "integrations/twilio/client.hpp"
#include "support/peers.hpp"
#include "support/roles.hpp"
#include "support/trader.hpp"

namespace {

using test::bearer;
using test::expect_problem;

std::string json(const boost::json::object& o) { return boost::json::serialize(o); }

std::string str(const boost::json::value& v, const char* key) {
    return std::string{v.as_object().at(key).as_string()};
}

// A valid E.164 number no other test of this run uses.
std::string unique_phone() {
    static std::atomic<int> counter{0};
    static const auto salt = std::random_device{}() % 1000;
    auto n = (static_cast<long>(::getpid()) % 10000) * 100000 + static_cast<long>(salt) * 100 +
             ++counter;
    auto digits = std::to_string(n);
    return "+4915" + std::string(10 - std::min<std::size_t>(10, digits.size()), '0') + digits;
}

// Settings for OTP tests: many requests from 127.0.0.1, no cooldown unless a test wants one.
std::map<std::string, std::string> otp_env(std::map<std::string, std::string> extra = {}) {
    auto env = test::many_sign_ins_env();
    env["TRADER_OTP_ADDRESS_BURST"] = "100000";
    env["TRADER_OTP_ADDRESS_INTERVAL"] = "1ms";
    env["TRADER_OTP_PHONE_BURST"] = "100000";
    env["TRADER_OTP_PHONE_INTERVAL"] = "1ms";
    env["TRADER_OTP_RESEND_COOLDOWN"] = "0ms";
    for (auto& [k, v] : extra) {
        env[k] = v;
    }
    return env;
}

test::http_response start(
    test::http_client& http, const std::string& phone, std::map<std::string, std::string> h = {}
) {
    return http.post_json("/api/v1/auth/otp/start", json({{"phone", phone}}), std::move(h));
}

test::http_response verify(
    test::http_client& http,
    const std::string& phone,
    const std::string& code,
    std::map<std::string, std::string> h = {}
) {
    return http.post_json(
        "/api/v1/auth/otp/verify", json({{"phone", phone}, {"code", code}}), std::move(h)
    );
}

// A code that is not `code` (same length).
std::string other_code(const std::string& code) {
    auto wrong = code;
    wrong.back() = code.back() == '0' ? '1' : '0';
    return wrong;
}

// With the notifications-log sender: the code is read from the `notifications` table.
class identity_otp : public testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = std::make_unique<test::trader_process>(test::trader_options{otp_env()});
    }
    static void TearDownTestSuite() { server_.reset(); }

    test::trader_process& server() { return *server_; }
    test::http_client& http() { return server_->http(); }
    std::string code_for(const std::string& phone) {
        test::server_db db{server()};
        return db.latest_token(phone, "phone_otp");
    }

private:
    static std::unique_ptr<test::trader_process> server_;
};

std::unique_ptr<test::trader_process> identity_otp::server_;

TEST_F(identity_otp, signs_up_by_phone_then_signs_in_again) {
    auto phone = unique_phone();
    auto s = start(http(), phone);
    ASSERT_EQ(s.status, 202) << s.body;
    EXPECT_EQ(s.json().at("expires_in").to_number<int>(), 600);
    auto code = code_for(phone);
    EXPECT_EQ(code.size(), 6U);

    auto first = verify(http(), phone, code);
    ASSERT_EQ(first.status, 201) << first.body;
    EXPECT_EQ(first.header("location"), "/api/v1/me");
    auto body = first.json().as_object();
    const auto& user = body.at("user").as_object();
    EXPECT_EQ(str(user, "phone"), phone);
    EXPECT_EQ(user.at("roles"), (boost::json::array{"customer"}));
    EXPECT_EQ(str(body, "token_type"), "Bearer");
    EXPECT_EQ(str(body, "refresh_token").size(), 43U);
    auto who = http().get("/api/v1/me", bearer(str(body, "access_token")));
    ASSERT_EQ(who.status, 200) << who.body;
    EXPECT_EQ(str(who.json(), "phone"), phone);

    ASSERT_EQ(start(http(), phone).status, 202);
    auto again = verify(http(), phone, code_for(phone));
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json().at("user").at("id"), user.at("id")) << "the same account signs in";
}

TEST_F(identity_otp, locks_the_code_after_five_wrong_attempts) {
    auto phone = unique_phone();
    ASSERT_EQ(start(http(), phone).status, 202);
    auto code = code_for(phone);
    for (int i = 0; i < 5; ++i) {
        auto wrong = verify(http(), phone, other_code(code));
        expect_problem(wrong, 422, "validation");
        EXPECT_NE(wrong.body.find("/code"), std::string::npos) << wrong.body;
    }
    auto locked = verify(http(), phone, code);
    expect_problem(locked, 429, "rate-limited");
    EXPECT_FALSE(locked.header("retry-after").empty());
    test::server_db db{server()};
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM users WHERE phone = $1", {phone}), 0);
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM audit_events WHERE type = 'otp.locked' AND data LIKE $1",
            {"%" + phone + "%"}
        ),
        1
    );

    // A new code starts a new count.
    ASSERT_EQ(start(http(), phone).status, 202);
    EXPECT_EQ(verify(http(), phone, code_for(phone)).status, 201);
}

TEST_F(identity_otp, a_used_code_cannot_be_used_again) {
    auto phone = unique_phone();
    ASSERT_EQ(start(http(), phone).status, 202);
    auto code = code_for(phone);
    ASSERT_EQ(verify(http(), phone, code).status, 201);
    expect_problem(verify(http(), phone, code), 422, "validation");
}

TEST_F(identity_otp, a_code_without_a_start_is_refused) {
    expect_problem(verify(http(), unique_phone(), "123456"), 422, "validation");
}

TEST_F(identity_otp, a_code_is_bound_to_its_phone) {
    auto phone = unique_phone();
    auto other = unique_phone();
    ASSERT_EQ(start(http(), phone).status, 202);
    ASSERT_EQ(start(http(), other).status, 202);
    expect_problem(verify(http(), other, code_for(phone)), 422, "validation");
}

TEST_F(identity_otp, rejects_invalid_phones_and_changes_nothing) {
    for (const std::string bad :
         {"12345678", "+0123456789", "+1234567", "+1234567890123456", "+49 151 1234567",
          "+49151abc4567", ""}) {
        auto r = start(http(), bad);
        expect_problem(r, 422, "validation");
        EXPECT_NE(r.body.find("/phone"), std::string::npos) << bad << ": " << r.body;
        test::server_db db{server()};
        EXPECT_EQ(db.count("SELECT COUNT(*) FROM phone_otps WHERE phone = $1", {bad}), 0);
        EXPECT_EQ(db.count("SELECT COUNT(*) FROM notifications WHERE recipient = $1", {bad}), 0);
    }
    expect_problem(verify(http(), "+49", "123456"), 422, "validation");
    expect_problem(verify(http(), unique_phone(), "12ab56"), 422, "validation");
}

TEST_F(identity_otp, rejects_unknown_fields_and_non_json) {
    auto unknown = http().post_json(
        "/api/v1/auth/otp/start", json({{"phone", unique_phone()}, {"channel", "sms"}})
    );
    expect_problem(unknown, 422, "validation");
    auto text = http().request(
        "POST", "/api/v1/auth/otp/start", "phone=%2B4915112345678",
        {{"Content-Type", "application/x-www-form-urlencoded"}}
    );
    expect_problem(text, 415, "unsupported-media-type");
    auto malformed = http().request(
        "POST", "/api/v1/auth/otp/verify", "{\"phone\":", {{"Content-Type", "application/json"}}
    );
    expect_problem(malformed, 400, "bad-request");
}

TEST_F(identity_otp, verifies_the_signed_in_users_phone) {
    auto u = test::register_user(http(), "otp-verify");
    auto phone = unique_phone();
    auto s = start(http(), phone, bearer(u.access_token));
    ASSERT_EQ(s.status, 202) << s.body;
    auto r = verify(http(), phone, code_for(phone), bearer(u.access_token));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(str(r.json(), "id"), u.id);
    EXPECT_EQ(str(r.json(), "phone"), phone);
    auto me = http().get("/api/v1/me", bearer(u.access_token));
    EXPECT_EQ(str(me.json(), "phone"), phone);
    test::server_db db{server()};
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM users WHERE id = $1 AND phone_verified_at_ms IS NOT NULL", {u.id}
        ),
        1
    );
}

TEST_F(identity_otp, a_sign_in_code_does_not_verify_an_accounts_phone) {
    auto u = test::register_user(http(), "otp-purpose");
    auto phone = unique_phone();
    ASSERT_EQ(start(http(), phone).status, 202);
    expect_problem(
        verify(http(), phone, code_for(phone), bearer(u.access_token)), 422, "validation"
    );
}

TEST_F(identity_otp, another_accounts_phone_is_a_conflict) {
    auto phone = unique_phone();
    ASSERT_EQ(start(http(), phone).status, 202);
    ASSERT_EQ(verify(http(), phone, code_for(phone)).status, 201);
    auto u = test::register_user(http(), "otp-conflict");
    ASSERT_EQ(start(http(), phone, bearer(u.access_token)).status, 202);
    expect_problem(verify(http(), phone, code_for(phone), bearer(u.access_token)), 409, "conflict");
}

TEST(identity_otp_limits, resend_waits_for_the_cooldown_and_addresses_are_throttled) {
    test::trader_process server{test::trader_options{otp_env(
        {{"TRADER_OTP_RESEND_COOLDOWN", "30s"},
         {"TRADER_OTP_ADDRESS_BURST", "3"},
         {"TRADER_OTP_ADDRESS_INTERVAL", "1m"}}
    )}};
    auto& http = server.http();
    auto phone = unique_phone();
    ASSERT_EQ(start(http, phone).status, 202);
    auto again = start(http, phone);
    expect_problem(again, 429, "rate-limited");
    auto wait = std::stoi(again.header("retry-after"));
    EXPECT_GE(wait, 1);
    EXPECT_LE(wait, 30);
    test::server_db db{server};
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM notifications WHERE recipient = $1", {phone}), 1);

    ASSERT_EQ(start(http, unique_phone()).status, 202);
    auto throttled = start(http, unique_phone());
    expect_problem(throttled, 429, "rate-limited");
    EXPECT_FALSE(throttled.header("retry-after").empty());
}

TEST(identity_otp_limits, a_phone_gets_a_bounded_number_of_codes) {
    test::trader_process server{test::trader_options{
        otp_env({{"TRADER_OTP_PHONE_BURST", "2"}, {"TRADER_OTP_PHONE_INTERVAL", "10m"}})}};
    auto& http = server.http();
    auto phone = unique_phone();
    ASSERT_EQ(start(http, phone).status, 202);
    ASSERT_EQ(start(http, phone).status, 202);
    expect_problem(start(http, phone), 429, "rate-limited");
    EXPECT_EQ(start(http, unique_phone()).status, 202) << "another phone is not affected";
}

// Our codes texted through Twilio's Messages API, against Prism (validates our requests against
// Twilio's spec; it never delivers, so the right code is unknown here: the happy path is covered
// with the log sender above).
class identity_otp_twilio_messages : public testing::Test {
protected:
    static void SetUpTestSuite() {
        twilio_ = test::start_twilio_messages_mock();
        server_ = std::make_unique<test::trader_process>(test::trader_options{otp_env({
            {"TRADER_TWILIO_ACCOUNT_SID", test::twilio_account_sid},
            {"TRADER_TWILIO_AUTH_TOKEN", "test-token"},
            {"TRADER_TWILIO_FROM", "+15005550006"},
            {"TRADER_TWILIO_BASE_URL", twilio_->base_url()},
        })});
    }
    static void TearDownTestSuite() {
        server_.reset();
        twilio_.reset();
    }
    test::trader_process& server() { return *server_; }
    test::http_client& http() { return server_->http(); }

private:
    static std::unique_ptr<test::peer_process> twilio_;
    static std::unique_ptr<test::trader_process> server_;
};

std::unique_ptr<test::peer_process> identity_otp_twilio_messages::twilio_;
std::unique_ptr<test::trader_process> identity_otp_twilio_messages::server_;

TEST_F(identity_otp_twilio_messages, twilio_accepts_the_message_and_the_code_is_not_logged) {
    auto phone = unique_phone();
    auto s = start(http(), phone);
    ASSERT_EQ(s.status, 202) << s.body << server().output();
    test::server_db db{server()};
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM notifications WHERE recipient = $1", {phone}), 0);
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM phone_otps WHERE phone = $1 AND LENGTH(code_hash) = 64", {phone}
        ),
        1
    ) << "stored hashed";
}

TEST_F(identity_otp_twilio_messages, wrong_codes_are_refused_then_the_code_is_locked) {
    auto phone = unique_phone();
    ASSERT_EQ(start(http(), phone).status, 202);
    // One of these two may be the code; at most one of them is.
    for (int i = 0; i < 5; ++i) {
        auto r = verify(http(), phone, i % 2 == 0 ? "000000" : "000001");
        if (r.status == 201) {
            GTEST_SKIP() << "guessed the random code";
        }
        expect_problem(r, 422, "validation");
    }
    expect_problem(verify(http(), phone, "000002"), 429, "rate-limited");
}

TEST(identity_otp_twilio_down, an_unreachable_provider_is_a_503_and_the_phone_may_retry) {
    test::trader_process server{test::trader_options{otp_env({
        {"TRADER_TWILIO_ACCOUNT_SID", test::twilio_account_sid},
        {"TRADER_TWILIO_AUTH_TOKEN", "test-token"},
        {"TRADER_TWILIO_FROM", "+15005550006"},
        {"TRADER_TWILIO_BASE_URL", "http://127.0.0.1:" + std::to_string(test::free_port())},
        {"TRADER_TWILIO_TIMEOUT", "2s"},
        {"TRADER_OTP_RESEND_COOLDOWN", "30s"},
    })}};
    auto phone = unique_phone();
    auto r = start(server.http(), phone);
    expect_problem(r, 503, "unavailable");
    test::server_db db{server};
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM phone_otps WHERE phone = $1", {phone}), 0)
        << "a code that never left does not hold the cooldown";
}

// Twilio Verify makes and checks the codes; Prism answers its documented example ("approved").
TEST(identity_otp_twilio_verify, signs_in_through_twilio_verify) {
    auto twilio = test::start_twilio_verify_mock();
    test::trader_process server{test::trader_options{otp_env({
        {"TRADER_TWILIO_ACCOUNT_SID", test::twilio_account_sid},
        {"TRADER_TWILIO_AUTH_TOKEN", "test-token"},
        {"TRADER_TWILIO_VERIFY_SERVICE_SID", test::twilio_verify_sid},
        {"TRADER_TWILIO_VERIFY_BASE_URL", twilio->base_url()},
    })}};
    auto& http = server.http();
    auto phone = unique_phone();
    auto s = start(http, phone);
    ASSERT_EQ(s.status, 202) << s.body << server.output();
    auto r = verify(http, phone, "123456");
    ASSERT_EQ(r.status, 201) << r.body << server.output();
    EXPECT_EQ(str(r.json().at("user"), "phone"), phone);
    test::server_db db{server};
    EXPECT_EQ(
        db.count("SELECT COUNT(*) FROM phone_otps WHERE phone = $1 AND code_hash IS NULL", {phone}),
        1
    ) << "Verify keeps the code";
}

// The client's requests against Twilio's own spec: Prism refuses what does not match it.
class twilio_contract : public testing::Test {
protected:
    template <class T>
    T run(std::function<core::task<T>()> fn) {
        return app::run_sync<T>(std::move(fn));
    }
    core::worker_pool pool_{2};
};

TEST_F(twilio_contract, messages_request_matches_the_spec_and_a_malformed_one_is_refused) {
    auto mock = test::start_twilio_messages_mock();
    integrations::twilio::settings s{
        .account_sid = test::twilio_account_sid,
        .auth_token = "test-token",
        .from = "+15005550006",
        .base_url = mock->base_url()};
    integrations::twilio::client client{s, pool_};
    auto sent = run<core::result<std::string>>([&] {
        return client.send_message("+4915112345678", "Your code is 123456");
    });
    ASSERT_TRUE(sent) << sent.error().detail;
    EXPECT_TRUE(sent->starts_with("SM")) << *sent;

    auto no_to = client.message_request("+4915112345678", "hi");
    no_to.fields.erase(no_to.fields.begin());  // drops To
    auto refused = run<core::result<std::string>>([&] { return client.post(no_to); });
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, core::errc::invalid) << refused.error().detail;

    auto bad_sid = s;
    bad_sid.account_sid = "AC-not-a-sid";
    integrations::twilio::client wrong_account{bad_sid, pool_};
    auto refused_sid = run<core::result<std::string>>([&] {
        return wrong_account.send_message("+4915112345678", "hi");
    });
    ASSERT_FALSE(refused_sid) << "the AccountSid path parameter has a pattern";
    EXPECT_EQ(refused_sid.error().code, core::errc::invalid) << refused_sid.error().detail;
}

TEST_F(twilio_contract, verify_requests_match_the_spec) {
    auto mock = test::start_twilio_verify_mock();
    integrations::twilio::settings s{
        .account_sid = test::twilio_account_sid,
        .auth_token = "test-token",
        .verify_service_sid = test::twilio_verify_sid,
        .verify_base_url = mock->base_url()};
    integrations::twilio::client client{s, pool_};
    auto started =
        run<core::result<void>>([&] { return client.start_verification("+4915112345678"); });
    ASSERT_TRUE(started) << started.error().detail;
    auto checked = run<core::result<integrations::twilio::verification_check>>([&] {
        return client.check_verification("+4915112345678", "123456");
    });
    ASSERT_TRUE(checked) << checked.error().detail;
    EXPECT_TRUE(checked->approved());

    auto no_channel = client.verification_request("+4915112345678");
    no_channel.fields.pop_back();
    auto refused = run<core::result<std::string>>([&] { return client.post(no_channel); });
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, core::errc::invalid);
}

}  // namespace
