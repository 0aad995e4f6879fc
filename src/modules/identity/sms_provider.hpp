// How one-time codes reach a phone: through Twilio Verify (Twilio makes and checks the code),
// through Twilio's Messages API (we make the code and text it), or, on the embedded profile, into
// the notifications log. Chosen by configuration in module.cpp.
#pragma once

#include <string>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "integrations/twilio/client.hpp"
#include "modules/identity/notification_sender.hpp"

namespace identity {

class sms_provider {
public:
    sms_provider() = default;
    virtual ~sms_provider() = default;
    sms_provider(const sms_provider&) = delete;
    sms_provider& operator=(const sms_provider&) = delete;
    sms_provider(sms_provider&&) = delete;
    sms_provider& operator=(sms_provider&&) = delete;

    // The name recorded in audit events.
    virtual std::string_view name() const = 0;
    // True when the provider makes and checks the codes itself: send_code then gets no code.
    virtual bool checks_codes() const = 0;
    // Texts `code` (ours) to `phone`, or asks the provider to send its own. `unavailable` when the
    // provider cannot be reached.
    virtual core::task<core::result<void>> send_code(std::string phone, std::string code) = 0;
    // Only when checks_codes(): whether `code` is the one the provider sent.
    virtual core::task<core::result<bool>> check_code(std::string phone, std::string code) = 0;
};

// The embedded profile: the message is recorded in the notifications log and printed.
class sms_log_provider final : public sms_provider {
public:
    sms_log_provider(infra::db::database& db, notification_sender& sender)
        : db_(db), sender_(sender) {}
    std::string_view name() const override { return "log"; }
    bool checks_codes() const override { return false; }
    core::task<core::result<void>> send_code(std::string phone, std::string code) override;
    core::task<core::result<bool>> check_code(std::string phone, std::string code) override;

private:
    core::task<core::result<void>> record(
        std::string phone, std::string code, infra::db::transaction& tx
    );

    infra::db::database& db_;
    notification_sender& sender_;
};

// Our codes, texted through Twilio's Messages API.
class twilio_messages_provider final : public sms_provider {
public:
    explicit twilio_messages_provider(integrations::twilio::client& twilio) : twilio_(twilio) {}
    std::string_view name() const override { return "twilio_messages"; }
    bool checks_codes() const override { return false; }
    core::task<core::result<void>> send_code(std::string phone, std::string code) override;
    core::task<core::result<bool>> check_code(std::string phone, std::string code) override;

private:
    integrations::twilio::client& twilio_;
};

// Twilio Verify v2: Twilio makes, sends and checks the code.
class twilio_verify_provider final : public sms_provider {
public:
    explicit twilio_verify_provider(integrations::twilio::client& twilio) : twilio_(twilio) {}
    std::string_view name() const override { return "twilio_verify"; }
    bool checks_codes() const override { return true; }
    core::task<core::result<void>> send_code(std::string phone, std::string code) override;
    core::task<core::result<bool>> check_code(std::string phone, std::string code) override;

private:
    integrations::twilio::client& twilio_;
};

// The text of a code message.
std::string otp_message(const std::string& code);

}  // namespace identity
