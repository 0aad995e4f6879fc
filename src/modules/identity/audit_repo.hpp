// SQL for the audit log of security events.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/identity/model.hpp"

namespace identity {

// One security event to record (types: docs/security.md).
struct audit_entry {
    std::string type;
    std::optional<std::string> user_id;
    std::optional<std::string> actor_id;
    std::optional<client_info> client;
    boost::json::object data;
};

struct audit_filter {
    std::optional<std::string> type;
    std::optional<std::string> user_id;
    std::optional<core::time_point> since;
    std::optional<std::string> before_id;  // cursor position: newest first
    int limit = 20;
};

class audit_repo {
public:
    audit_repo(infra::db::database& db, const core::clock& clock) : db_(db), clock_(clock) {}

    // Records the event with the change it is about.
    core::task<core::result<void>> append(infra::db::transaction& tx, audit_entry e);
    // Records an event that comes with no other change (a failed sign-in).
    core::task<core::result<void>> append(audit_entry e);

    core::task<core::result<page<audit_event>>> list(audit_filter f);

private:
    infra::db::database& db_;
    const core::clock& clock_;
};

}  // namespace identity
