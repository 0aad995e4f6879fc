#include <boost/json/serialize.hpp>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "modules/identity/model.hpp"
#include "modules/identity/notification_sender.hpp"

namespace identity {

core::task<core::result<void>> notification_log::send(
    infra::db::transaction& tx, notification message
) {
    auto now = clock_.now();
    auto id = core::new_id("ntf", now);
    auto written = co_await tx.query(
        "INSERT INTO notifications (id, channel, recipient, template, subject, body, data, "
        "user_id, created_at_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        id, message.channel, message.recipient, message.template_name, message.subject,
        message.body, boost::json::serialize(message.data), message.user_id, to_ms(now)
    );
    if (!written) {
        co_return std::move(written).error();
    }
    core::log::info("notification recorded (not delivered: notification log sender)")
        .field("notification_id", id)
        .field("channel", message.channel)
        .field("recipient", message.recipient)
        .field("template", message.template_name)
        .field("subject", message.subject)
        .field("body", message.body);
    co_return core::ok();
}

}  // namespace identity
