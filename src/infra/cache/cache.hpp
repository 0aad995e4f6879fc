// A cache of rendered values (response bodies) shared by the requests of a process. The in-process
// sharded LRU implements it on the embedded profile; a Redis client can implement it later without
// touching its users.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/task.hpp"

namespace infra::cache {

class cache {
public:
    virtual ~cache() = default;

    // The value stored under `key`, unless it expired or was evicted.
    virtual core::task<std::optional<std::string>> get(std::string key) = 0;
    // The same, shared instead of copied (null when absent): an in-process cache hands out the
    // stored value itself, so a page served from it is never copied.
    virtual core::task<std::shared_ptr<const std::string>> get_shared(std::string key) {
        auto found = co_await get(std::move(key));
        if (!found) {
            co_return nullptr;
        }
        co_return std::make_shared<const std::string>(std::move(*found));
    }
    // Stores `value` for `ttl` (0 = the cache's default); a value too large for the cache is not
    // stored.
    virtual core::task<void> put(
        std::string key, std::string value, std::chrono::milliseconds ttl
    ) = 0;
    // The same, for a value the caller keeps sharing: an in-process cache stores it uncopied.
    virtual core::task<void> put_shared(
        std::string key, std::shared_ptr<const std::string> value, std::chrono::milliseconds ttl
    ) {
        co_await put(std::move(key), *value, ttl);
    }
    virtual core::task<void> erase(std::string key) = 0;

    // Generations invalidate whole groups of keys without listing them: callers put the current
    // generation of a name into the keys they build; bump() makes every key built with an older
    // generation unreachable (those entries age out by LRU or TTL).
    virtual core::task<std::uint64_t> generation(std::string name) = 0;
    virtual core::task<void> bump(std::string name) = 0;
};

}  // namespace infra::cache
