#include "integrations/twilio/client.hpp"

#include <boost/json/parse.hpp>

#include "core/log.hpp"

namespace integrations::twilio {
namespace {

core::result<boost::json::object> json_object(const std::string& body) {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) {
        return core::fail(core::errc::unavailable, "Twilio answered something other than JSON");
    }
    return std::move(v.as_object());
}

std::string string_field(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) {
        return {};
    }
    return std::string{v->as_string()};
}

}  // namespace

form_request client::message_request(const std::string& to, const std::string& body) const {
    form_request r{
        .url = settings_.base_url + "/2010-04-01/Accounts/" + url_escape(settings_.account_sid) +
               "/Messages.json",
        .fields = {{"To", to}, {"Body", body}}};
    if (!settings_.messaging_service_sid.empty()) {
        r.fields.emplace_back("MessagingServiceSid", settings_.messaging_service_sid);
    } else {
        r.fields.emplace_back("From", settings_.from);
    }
    return r;
}

form_request client::verification_request(const std::string& to) const {
    return form_request{
        .url = settings_.verify_base_url + "/v2/Services/" +
               url_escape(settings_.verify_service_sid) + "/Verifications",
        .fields = {{"To", to}, {"Channel", "sms"}}};
}

form_request client::verification_check_request(const std::string& to, const std::string& code)
    const {
    return form_request{
        .url = settings_.verify_base_url + "/v2/Services/" +
               url_escape(settings_.verify_service_sid) + "/VerificationCheck",
        .fields = {{"To", to}, {"Code", code}}};
}

core::task<core::result<std::string>> client::post(form_request request) {
    https_request http{
        .method = "POST",
        .url = std::move(request.url),
        .headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"},
        .body = form_encode(request.fields),
        .basic_user = settings_.account_sid,
        .basic_password = settings_.auth_token,
        .timeout = settings_.timeout};
    auto job = [http = std::move(http)] { return perform(http); };
    auto answered = co_await workers_.run(std::move(job));
    if (!answered) {
        core::log::warn("Twilio unreachable").field("reason", answered.error().detail);
        co_return std::move(answered).error();
    }
    auto status = answered->status;
    if (status >= 200 && status < 300) {
        co_return std::move(answered->body);
    }
    core::log::warn("Twilio refused a request")
        .field("status", static_cast<std::int64_t>(status))
        .field("body", answered->body.substr(0, 512));
    if (status == 401 || status == 403 || status >= 500) {
        co_return core::fail(core::errc::unavailable, "Twilio answered " + std::to_string(status));
    }
    co_return core::fail(
        core::errc::invalid, "Twilio refused the request: " + std::to_string(status)
    );
}

core::task<core::result<std::string>> client::send_message(std::string to, std::string body) {
    auto answered = co_await post(message_request(to, body));
    if (!answered) {
        co_return std::move(answered).error();
    }
    auto o = json_object(*answered);
    if (!o) {
        co_return std::move(o).error();
    }
    co_return string_field(*o, "sid");
}

core::task<core::result<void>> client::start_verification(std::string to) {
    auto answered = co_await post(verification_request(to));
    if (!answered) {
        co_return std::move(answered).error();
    }
    auto o = json_object(*answered);
    if (!o) {
        co_return std::move(o).error();
    }
    co_return core::ok();
}

core::task<core::result<verification_check>> client::check_verification(
    std::string to, std::string code
) {
    auto answered = co_await post(verification_check_request(to, code));
    if (!answered) {
        // Verify answers 404 once a verification is approved, expired or out of attempts.
        co_return std::move(answered).error();
    }
    auto o = json_object(*answered);
    if (!o) {
        co_return std::move(o).error();
    }
    co_return verification_check{.status = string_field(*o, "status")};
}

}  // namespace integrations::twilio
