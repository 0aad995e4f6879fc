// Twilio's REST API as our code needs it: SMS through Messages (2010-04-01) and one-time codes
// through Verify v2. Form-encoded requests, Basic auth with the account SID and auth token.
#pragma once

#include <chrono>
#include <string>

#include "core/result.hpp"
#include "core/task.hpp"
#include "core/worker_pool.hpp"
#include "integrations/https.hpp"

namespace integrations::twilio {

struct settings {
    std::string account_sid;
    std::string auth_token;             // secret
    std::string from;                   // a sender number; or
    std::string messaging_service_sid;  // a messaging service (wins over `from`)
    std::string verify_service_sid;
    std::string base_url = "https://api.twilio.com";
    std::string verify_base_url = "https://verify.twilio.com";
    std::chrono::milliseconds timeout{10000};
};

// What a Verify check answered: `approved` when the code was the one sent.
struct verification_check {
    std::string status;
    bool approved() const { return status == "approved"; }
};

// A request as it goes on the wire; built apart from sending so contract tests can vary it.
struct form_request {
    std::string url;
    form_fields fields;
};

class client {
public:
    client(settings s, core::worker_pool& workers) : settings_(std::move(s)), workers_(workers) {}

    const settings& config() const { return settings_; }

    // POST /2010-04-01/Accounts/{AccountSid}/Messages.json; the message SID on success.
    core::task<core::result<std::string>> send_message(std::string to, std::string body);
    // POST /v2/Services/{ServiceSid}/Verifications with Channel=sms.
    core::task<core::result<void>> start_verification(std::string to);
    // POST /v2/Services/{ServiceSid}/VerificationCheck.
    core::task<core::result<verification_check>> check_verification(
        std::string to, std::string code
    );

    form_request message_request(const std::string& to, const std::string& body) const;
    form_request verification_request(const std::string& to) const;
    form_request verification_check_request(const std::string& to, const std::string& code) const;

    // Sends a form with our credentials; the JSON body of a 2xx answer. 4xx maps to `invalid`
    // (Twilio refused the request), 401/403 and 5xx and network failures to `unavailable`.
    core::task<core::result<std::string>> post(form_request request);

private:
    settings settings_;
    core::worker_pool& workers_;
};

}  // namespace integrations::twilio
