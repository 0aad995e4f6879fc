// How the identity module reaches people: verification and reset emails now, SMS codes later. A
// message is handed over inside the transaction that creates what it announces, so a rolled-back
// change sends nothing; a real sender (SMTP, Twilio) queues it there and delivers after commit.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace identity {

struct notification {
    std::string channel;  // email | sms
    std::string recipient;
    std::string template_name;  // verify_email | reset_password | ...
    std::string subject;
    std::string body;
    boost::json::object data;  // the template's values
    std::optional<std::string> user_id;
};

class notification_sender {
public:
    notification_sender() = default;
    virtual ~notification_sender() = default;
    notification_sender(const notification_sender&) = delete;
    notification_sender& operator=(const notification_sender&) = delete;
    notification_sender(notification_sender&&) = delete;
    notification_sender& operator=(notification_sender&&) = delete;
    virtual core::task<core::result<void>> send(
        infra::db::transaction& tx, notification message
    ) = 0;
};

// The embedded profile's sender (ARCHITECTURE.md: "recorded in the notifications log and printed"):
// writes the message to the `notifications` table in the caller's transaction and prints it to the
// server log. It holds the secrets it carries in clear text: never the sender of a production
// deployment.
class notification_log final : public notification_sender {
public:
    explicit notification_log(const core::clock& clock) : clock_(clock) {}
    core::task<core::result<void>> send(infra::db::transaction& tx, notification message) override;

private:
    const core::clock& clock_;
};

}  // namespace identity
