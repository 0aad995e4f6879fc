// Live fan-out of already-serialized JSON messages to the sockets subscribed to a topic. The
// in-process hub serves one instance; a Redis pub/sub hub will sit behind the same interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/metrics.hpp"

namespace core::realtime {

// One published message: its topic and its JSON text (an event envelope).
struct message {
    std::string topic;
    std::string json;
};

// Called on the publisher's thread for each message on a subscribed topic. It must not block: it
// hands the message to the subscriber's own executor (see mailbox.hpp) and returns false when the
// subscriber dropped it because it is too far behind.
using deliver_fn = std::function<bool(const std::shared_ptr<const message>&)>;

using subscription_id = std::uint64_t;

class hub {
public:
    hub() = default;
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;
    hub(hub&&) = delete;
    hub& operator=(hub&&) = delete;
    virtual ~hub() = default;
    // Thread-safe. `deliver` may still be called once or twice after unsubscribe() returns (a
    // publish that was already under way), so it must only hold weak references.
    virtual subscription_id subscribe(std::string topic, deliver_fn deliver) = 0;
    virtual void unsubscribe(subscription_id id) = 0;
    virtual void publish(std::string topic, std::string json_message) = 0;
    // Whether a message on `topic` could reach anyone, so a publisher can skip rendering it. A hub
    // that forwards to other instances answers true.
    virtual bool wanted(const std::string& topic) const = 0;
};

// The embedded hub: a topic table behind a reader-writer lock; delivery callbacks run outside the
// lock.
class in_process_hub final : public hub {
public:
    // Registers its metrics, among them a gauge that reads this hub: the registry must not be
    // scraped after the hub is gone.
    explicit in_process_hub(core::metrics::registry& metrics);
    in_process_hub(const in_process_hub&) = delete;
    in_process_hub& operator=(const in_process_hub&) = delete;
    in_process_hub(in_process_hub&&) = delete;
    in_process_hub& operator=(in_process_hub&&) = delete;
    ~in_process_hub() override = default;

    subscription_id subscribe(std::string topic, deliver_fn deliver) override;
    void unsubscribe(subscription_id id) override;
    void publish(std::string topic, std::string json_message) override;
    bool wanted(const std::string& topic) const override;

private:
    using shared_deliver = std::shared_ptr<const deliver_fn>;

    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, std::unordered_map<subscription_id, shared_deliver>> topics_;
    std::unordered_map<subscription_id, std::string> topic_of_;
    subscription_id next_id_ = 1;
    core::metrics::counter& published_;
    core::metrics::counter& deliveries_;
    core::metrics::counter& dropped_;
};

// Owns one subscription and ends it when destroyed.
class subscription {
public:
    subscription() = default;
    subscription(hub& h, subscription_id id) : hub_(&h), id_(id) {}
    subscription(subscription&& other) noexcept : hub_(other.hub_), id_(other.id_) {
        other.hub_ = nullptr;
    }
    subscription& operator=(subscription&& other) noexcept;
    subscription(const subscription&) = delete;
    subscription& operator=(const subscription&) = delete;
    ~subscription() { reset(); }

    void reset() noexcept;

private:
    hub* hub_ = nullptr;
    subscription_id id_ = 0;
};

}  // namespace core::realtime
