#include "infra/cache/memory_cache.hpp"

#include <algorithm>
#include <functional>

namespace infra::cache {
namespace {

// Bookkeeping per entry beyond key and value: list node, index slot, strings' headers.
constexpr std::size_t entry_overhead = 128;

}  // namespace

memory_cache::memory_cache(
    memory_settings settings,
    const core::clock& clock,
    core::metrics::registry& metrics,
    std::string_view name
)
    : settings_(settings),
      clock_(clock),
      shard_budget_(settings.max_bytes / std::max(1U, settings.shards)),
      generations_(std::make_unique<std::atomic<std::uint64_t>[]>(
          std::max<std::size_t>(1, settings.generation_slots)
      )),
      hits_(metrics.get_counter(
          "cache_hits_total",
          "Cache lookups that found a live entry",
          {{"cache", std::string{name}}}
      )),
      misses_(metrics.get_counter(
          "cache_misses_total",
          "Cache lookups that found nothing (or an expired entry)",
          {{"cache", std::string{name}}}
      )),
      evicted_capacity_(metrics.get_counter(
          "cache_evictions_total",
          "Entries dropped before being replaced or erased",
          {{"cache", std::string{name}}, {"reason", "capacity"}}
      )),
      evicted_expired_(metrics.get_counter(
          "cache_evictions_total",
          "Entries dropped before being replaced or erased",
          {{"cache", std::string{name}}, {"reason", "expired"}}
      )),
      rejected_(metrics.get_counter(
          "cache_rejected_total",
          "Values not stored because they are larger than a shard's budget",
          {{"cache", std::string{name}}}
      )),
      deferred_(metrics.get_counter(
          "cache_admissions_deferred_total",
          "Values not stored because their key was put for the first time (admission on repeat)",
          {{"cache", std::string{name}}}
      )),
      bytes_(metrics.get_gauge(
          "cache_bytes",
          "Bytes held by cache entries (keys, values, bookkeeping)",
          {{"cache", std::string{name}}}
      )),
      entries_(metrics.get_gauge(
          "cache_entries", "Entries held by the cache", {{"cache", std::string{name}}}
      )) {
    settings_.shards = std::max(1U, settings_.shards);
    settings_.generation_slots = std::max<std::size_t>(1, settings_.generation_slots);
    settings_.admission_slots = std::max<std::size_t>(1, settings_.admission_slots);
    if (settings_.admit_on_repeat) {
        seen_ = std::make_unique<std::atomic<std::uint32_t>[]>(settings_.admission_slots);
    }
    shards_.reserve(settings_.shards);
    for (unsigned i = 0; i < settings_.shards; ++i) {
        shards_.push_back(std::make_unique<shard>());
    }
}

memory_cache::~memory_cache() {
    bytes_.sub(static_cast<std::int64_t>(bytes()));
    entries_.sub(static_cast<std::int64_t>(entries()));
}

memory_cache::shard& memory_cache::shard_for(std::string_view key) noexcept {
    return *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

void memory_cache::drop(shard& s, std::list<entry>::iterator it) noexcept {
    s.bytes -= it->cost;
    bytes_.sub(static_cast<std::int64_t>(it->cost));
    entries_.sub(1);
    s.index.erase(std::string_view{it->key});
    s.lru.erase(it);
}

std::optional<std::string> memory_cache::lookup(std::string_view key) {
    auto found = lookup_shared(key);
    if (!found) {
        return std::nullopt;
    }
    return *found;
}

std::shared_ptr<const std::string> memory_cache::lookup_shared(std::string_view key) {
    auto& s = shard_for(key);
    auto now = clock_.now();
    std::lock_guard lock{s.mu};
    auto found = s.index.find(key);
    if (found == s.index.end()) {
        misses_.inc();
        return nullptr;
    }
    auto it = found->second;
    if (it->expires_at <= now) {
        drop(s, it);
        evicted_expired_.inc();
        misses_.inc();
        return nullptr;
    }
    s.lru.splice(s.lru.begin(), s.lru, it);
    hits_.inc();
    return it->value;
}

void memory_cache::store(std::string key, std::string value, std::chrono::milliseconds ttl) {
    if (settings_.max_bytes == 0) {
        return;
    }
    store_shared(std::move(key), std::make_shared<const std::string>(std::move(value)), ttl);
}

void memory_cache::store_shared(
    std::string key, std::shared_ptr<const std::string> value, std::chrono::milliseconds ttl
) {
    if (settings_.max_bytes == 0 || !value) {
        return;
    }
    std::size_t cost = key.size() + value->size() + entry_overhead;
    if (cost > shard_budget_) {
        rejected_.inc();
        return;
    }
    if (!admit(key)) {
        deferred_.inc();
        return;
    }
    auto now = clock_.now();
    auto expires = now + (ttl.count() > 0 ? ttl : settings_.default_ttl);
    auto& s = shard_for(key);
    std::lock_guard lock{s.mu};
    if (auto found = s.index.find(key); found != s.index.end()) {
        drop(s, found->second);
    }
    // Least recently used first; an expired victim is counted as expired, not as pressure.
    while (s.bytes + cost > shard_budget_ && !s.lru.empty()) {
        auto victim = std::prev(s.lru.end());
        (victim->expires_at <= now ? evicted_expired_ : evicted_capacity_).inc();
        drop(s, victim);
    }
    s.lru.push_front(entry{std::move(key), std::move(value), expires, cost});
    s.index.emplace(std::string_view{s.lru.front().key}, s.lru.begin());
    s.bytes += cost;
    bytes_.add(static_cast<std::int64_t>(cost));
    entries_.add(1);
}

bool memory_cache::admit(std::string_view key) noexcept {
    if (!seen_) {
        return true;
    }
    // Slot and fingerprint from different bits of the hash; a fingerprint is never 0 (empty).
    const std::uint64_t h = std::hash<std::string_view>{}(key);
    auto& slot = seen_[(h >> 8) % settings_.admission_slots];
    const auto fingerprint = static_cast<std::uint32_t>(h >> 32) | 1U;
    if (slot.load(std::memory_order_relaxed) == fingerprint) {
        return true;
    }
    slot.store(fingerprint, std::memory_order_relaxed);
    return false;
}

void memory_cache::remove(std::string_view key) {
    auto& s = shard_for(key);
    std::lock_guard lock{s.mu};
    if (auto found = s.index.find(key); found != s.index.end()) {
        drop(s, found->second);
    }
}

std::uint64_t memory_cache::current_generation(std::string_view name) const noexcept {
    auto slot = std::hash<std::string_view>{}(name) % settings_.generation_slots;
    return generations_[slot].load(std::memory_order_acquire);
}

void memory_cache::advance_generation(std::string_view name) noexcept {
    auto slot = std::hash<std::string_view>{}(name) % settings_.generation_slots;
    generations_[slot].fetch_add(1, std::memory_order_acq_rel);
}

std::size_t memory_cache::bytes() const noexcept {
    std::size_t total = 0;
    for (const auto& s : shards_) {
        std::lock_guard lock{s->mu};
        total += s->bytes;
    }
    return total;
}

std::size_t memory_cache::entries() const noexcept {
    std::size_t total = 0;
    for (const auto& s : shards_) {
        std::lock_guard lock{s->mu};
        total += s->lru.size();
    }
    return total;
}

core::task<std::optional<std::string>> memory_cache::get(std::string key) {
    co_return lookup(key);
}

core::task<std::shared_ptr<const std::string>> memory_cache::get_shared(std::string key) {
    co_return lookup_shared(key);
}

core::task<void> memory_cache::put(
    std::string key, std::string value, std::chrono::milliseconds ttl
) {
    store(std::move(key), std::move(value), ttl);
    co_return;
}

core::task<void> memory_cache::put_shared(
    std::string key, std::shared_ptr<const std::string> value, std::chrono::milliseconds ttl
) {
    store_shared(std::move(key), std::move(value), ttl);
    co_return;
}

core::task<void> memory_cache::erase(std::string key) {
    remove(key);
    co_return;
}

core::task<std::uint64_t> memory_cache::generation(std::string name) {
    co_return current_generation(name);
}

core::task<void> memory_cache::bump(std::string name) {
    advance_generation(name);
    co_return;
}

}  // namespace infra::cache
