#include "core/realtime/hub.hpp"

#include <mutex>
#include <vector>

namespace core::realtime {

in_process_hub::in_process_hub(core::metrics::registry& metrics)
    : published_(
          metrics.get_counter("realtime_published_total", "Messages published to the live hub")
      ),
      deliveries_(metrics.get_counter(
          "realtime_deliveries_total", "Messages handed to a subscriber's queue"
      )),
      dropped_(metrics.get_counter(
          "realtime_dropped_total",
          "Messages a subscriber dropped because its queue was full (slow consumer)"
      )) {
    metrics.add_callback_gauge(
        "realtime_subscriptions", "Live topic subscriptions on this instance",
        [this] {
            std::shared_lock lock{mutex_};
            return static_cast<double>(topic_of_.size());
        }
    );
}

subscription_id in_process_hub::subscribe(std::string topic, deliver_fn deliver) {
    auto fn = std::make_shared<const deliver_fn>(std::move(deliver));
    std::unique_lock lock{mutex_};
    auto id = next_id_++;
    topics_[topic].emplace(id, std::move(fn));
    topic_of_.emplace(id, std::move(topic));
    return id;
}

void in_process_hub::unsubscribe(subscription_id id) {
    std::unique_lock lock{mutex_};
    auto it = topic_of_.find(id);
    if (it == topic_of_.end()) {
        return;
    }
    auto t = topics_.find(it->second);
    if (t != topics_.end()) {
        t->second.erase(id);
        if (t->second.empty()) {
            topics_.erase(t);
        }
    }
    topic_of_.erase(it);
}

bool in_process_hub::wanted(const std::string& topic) const {
    std::shared_lock lock{mutex_};
    return topics_.contains(topic);
}

void in_process_hub::publish(std::string topic, std::string json_message) {
    published_.inc();
    // Copy the callbacks out so none runs under the lock: a subscriber may unsubscribe from inside
    // one.
    std::vector<shared_deliver> targets;
    {
        std::shared_lock lock{mutex_};
        auto t = topics_.find(topic);
        if (t == topics_.end()) {
            return;
        }
        targets.reserve(t->second.size());
        for (const auto& [id, fn] : t->second) {
            targets.push_back(fn);
        }
    }
    auto msg = std::make_shared<const message>(message{std::move(topic), std::move(json_message)});
    for (const auto& fn : targets) {
        if ((*fn)(msg)) {
            deliveries_.inc();
        } else {
            dropped_.inc();
        }
    }
}

subscription& subscription::operator=(subscription&& other) noexcept {
    if (this != &other) {
        reset();
        hub_ = other.hub_;
        id_ = other.id_;
        other.hub_ = nullptr;
    }
    return *this;
}

void subscription::reset() noexcept {
    if (hub_ != nullptr) {
        hub_->unsubscribe(id_);
        hub_ = nullptr;
    }
}

}  // namespace core::realtime
