#include "core/realtime/topic_policy.hpp"

#include <algorithm>
#include <stdexcept>

namespace core::realtime {
namespace {

bool topic_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '-';
}

}  // namespace

core::result<void> check_topic(std::string_view topic) {
    if (topic.empty() || topic.size() > max_topic_length) {
        return core::fail(
            core::errc::invalid,
            "a topic has 1 to " + std::to_string(max_topic_length) + " characters"
        );
    }
    if (!std::all_of(topic.begin(), topic.end(), topic_char)) {
        return core::fail(core::errc::invalid, "a topic uses only letters, digits and _ . : -");
    }
    auto colon = topic.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == topic.size()) {
        return core::fail(core::errc::invalid, "a topic reads <kind>:<id>, e.g. user:usr_...");
    }
    return core::ok();
}

prefix_topic_policy::prefix_topic_policy() {
    add_rule("user:", [](const core::principal& who, std::string_view rest) -> core::result<void> {
        if (who.user_id.empty() || rest != who.user_id) {
            return core::fail(core::errc::forbidden, "only your own user topic can be subscribed");
        }
        return core::ok();
    });
}

void prefix_topic_policy::add_rule(std::string prefix, rule r) {
    auto same = [&prefix](const auto& entry) { return entry.first == prefix; };
    if (prefix.empty() || std::any_of(rules_.begin(), rules_.end(), same)) {
        throw std::logic_error("topic rule prefix '" + prefix + "' is empty or registered twice");
    }
    rules_.emplace_back(std::move(prefix), std::move(r));
    std::stable_sort(rules_.begin(), rules_.end(), [](const auto& a, const auto& b) {
        return a.first.size() > b.first.size();
    });
}

core::result<void> prefix_topic_policy::may_subscribe(
    const core::principal& who, std::string_view topic
) const {
    if (auto well_formed = check_topic(topic); !well_formed) {
        return well_formed;
    }
    for (const auto& [prefix, decide] : rules_) {
        if (topic.starts_with(prefix)) {
            return decide(who, topic.substr(prefix.size()));
        }
    }
    return core::fail(core::errc::forbidden, "no one may subscribe to this topic");
}

}  // namespace core::realtime
