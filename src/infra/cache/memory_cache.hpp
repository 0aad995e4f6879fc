// The in-process cache: an LRU split into shards (one mutex each, never held across a co_await),
// with a time-to-live per entry and a byte budget, plus generation counters in fixed slots.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "infra/cache/cache.hpp"

namespace infra::cache {

struct memory_settings {
    std::size_t max_bytes = std::size_t{64} * 1024 * 1024;  // 0 = off: nothing is stored
    std::chrono::milliseconds default_ttl{60000};
    unsigned shards = 16;
    // Generation names hash into this many counters: a collision only invalidates more than needed.
    std::size_t generation_slots = 65536;
    // Admission on repeat: a key is stored only on its second put. The first put leaves the key's
    // fingerprint in one of `admission_slots` slots, where a later key can overwrite it, so "second"
    // means "again before about that many other keys were put". One-off keys (a search nobody
    // repeats) then never push out the pages that are asked for again and again.
    bool admit_on_repeat = false;
    std::size_t admission_slots = 65536;
};

class memory_cache final : public cache {
public:
    memory_cache(
        memory_settings settings,
        const core::clock& clock,
        core::metrics::registry& metrics,
        std::string_view name = "memory"
    );
    memory_cache(const memory_cache&) = delete;
    memory_cache& operator=(const memory_cache&) = delete;
    ~memory_cache() override;

    core::task<std::optional<std::string>> get(std::string key) override;
    core::task<std::shared_ptr<const std::string>> get_shared(std::string key) override;
    core::task<void> put(std::string key, std::string value, std::chrono::milliseconds ttl)
        override;
    core::task<void> put_shared(
        std::string key, std::shared_ptr<const std::string> value, std::chrono::milliseconds ttl
    ) override;
    core::task<void> erase(std::string key) override;
    core::task<std::uint64_t> generation(std::string name) override;
    core::task<void> bump(std::string name) override;

    // The same operations without a coroutine frame (the task versions call these).
    std::optional<std::string> lookup(std::string_view key);
    std::shared_ptr<const std::string> lookup_shared(std::string_view key);
    void store(std::string key, std::string value, std::chrono::milliseconds ttl);
    void store_shared(
        std::string key, std::shared_ptr<const std::string> value, std::chrono::milliseconds ttl
    );
    void remove(std::string_view key);
    std::uint64_t current_generation(std::string_view name) const noexcept;
    void advance_generation(std::string_view name) noexcept;

    std::size_t bytes() const noexcept;
    std::size_t entries() const noexcept;

private:
    struct entry {
        std::string key;
        std::shared_ptr<const std::string> value;  // shared with readers, never changed
        core::time_point expires_at;
        std::size_t cost = 0;
    };
    struct shard {
        std::mutex mu;
        std::list<entry> lru;  // most recently used first
        std::unordered_map<std::string_view, std::list<entry>::iterator>
            index;  // keys point into lru
        std::size_t bytes = 0;
    };

    shard& shard_for(std::string_view key) noexcept;
    // Whether a put of `key` is stored: always, or under admit_on_repeat when its fingerprint was
    // left by an earlier put (and otherwise it leaves it now).
    bool admit(std::string_view key) noexcept;
    // Drops `it` from `s`; the caller holds s.mu.
    void drop(shard& s, std::list<entry>::iterator it) noexcept;

    memory_settings settings_;
    const core::clock& clock_;
    std::size_t shard_budget_;
    std::vector<std::unique_ptr<shard>> shards_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> generations_;
    std::unique_ptr<std::atomic<std::uint32_t>[]> seen_;  // admission fingerprints, 0 = empty
    core::metrics::counter& hits_;
    core::metrics::counter& misses_;
    core::metrics::counter& evicted_capacity_;
    core::metrics::counter& evicted_expired_;
    core::metrics::counter& rejected_;
    core::metrics::counter& deferred_;
    core::metrics::gauge& bytes_;
    core::metrics::gauge& entries_;
};

}  // namespace infra::cache
