#include <functional>

#include "modules/identity/sms_provider.hpp"

namespace identity {

std::string otp_message(const std::string& code) {
    return "Your trader code is " + code + ". It expires in 10 minutes. Never share it.";
}

core::task<core::result<void>> sms_log_provider::send_code(std::string phone, std::string code) {
    auto body = std::bind_front(&sms_log_provider::record, this, std::move(phone), std::move(code));
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<void>> sms_log_provider::record(
    std::string phone, std::string code, infra::db::transaction& tx
) {
    notification message{
        .channel = "sms",
        .recipient = phone,
        .template_name = "phone_otp",
        .subject = "",
        .body = otp_message(code),
        .data = {{"token", code}},
    };
    co_return co_await sender_.send(tx, std::move(message));
}

core::task<core::result<bool>> sms_log_provider::check_code(
    std::string /*phone*/, std::string /*code*/
) {
    co_return core::fail(core::errc::internal, "the log provider does not check codes");
}

core::task<core::result<void>> twilio_messages_provider::send_code(
    std::string phone, std::string code
) {
    auto sent = co_await twilio_.send_message(std::move(phone), otp_message(code));
    if (!sent) {
        co_return std::move(sent).error();
    }
    co_return core::ok();
}

core::task<core::result<bool>> twilio_messages_provider::check_code(
    std::string /*phone*/, std::string /*code*/
) {
    co_return core::fail(core::errc::internal, "the Messages provider does not check codes");
}

core::task<core::result<void>> twilio_verify_provider::send_code(
    std::string phone, std::string /*code*/
) {
    co_return co_await twilio_.start_verification(std::move(phone));
}

core::task<core::result<bool>> twilio_verify_provider::check_code(
    std::string phone, std::string code
) {
    auto checked = co_await twilio_.check_verification(std::move(phone), std::move(code));
    if (!checked) {
        // Verify answers 404 for a verification that is approved, expired or out of attempts.
        if (checked.error().code == core::errc::invalid) {
            co_return false;
        }
        co_return std::move(checked).error();
    }
    co_return checked->approved();
}

}  // namespace identity
