// Who may subscribe to which live topic. Topics are `<kind>:<id>` (`user:usr_...`,
// `order:ord_...`); each module registers the rule for its kinds, and a topic no rule claims is
// refused.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/auth.hpp"
#include "core/result.hpp"

namespace core::realtime {

inline constexpr std::size_t max_topic_length = 200;

// `<kind>:<id>` with a non-empty kind and id, at most max_topic_length characters of
// [A-Za-z0-9_.:-]; `invalid` otherwise.
core::result<void> check_topic(std::string_view topic);

class topic_policy {
public:
    topic_policy() = default;
    topic_policy(const topic_policy&) = delete;
    topic_policy& operator=(const topic_policy&) = delete;
    topic_policy(topic_policy&&) = delete;
    topic_policy& operator=(topic_policy&&) = delete;
    virtual ~topic_policy() = default;
    // `invalid` for a malformed topic, `forbidden` for one the caller may not see.
    virtual core::result<void> may_subscribe(const core::principal& who, std::string_view topic)
        const = 0;
};

// Rules chosen by topic prefix. Starts with one rule: `user:<id>` is allowed for that user only.
class prefix_topic_policy final : public topic_policy {
public:
    // Decides for the topics under a prefix; `rest` is the topic after the prefix (an order id).
    using rule =
        std::function<core::result<void>(const core::principal& who, std::string_view rest)>;

    prefix_topic_policy();

    // Registers the rule for `prefix` (e.g. "order:"); the longest matching prefix wins. Call at
    // start-up, before serving: the table is not locked. Throws std::logic_error on a duplicate
    // prefix.
    void add_rule(std::string prefix, rule r);

    core::result<void> may_subscribe(const core::principal& who, std::string_view topic)
        const override;

private:
    std::vector<std::pair<std::string, rule>> rules_;  // longest prefix first
};

}  // namespace core::realtime
