// An injectable clock, so time-dependent rules are tested without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace core {

using time_point = std::chrono::system_clock::time_point;

class clock {
public:
    virtual ~clock() = default;
    virtual time_point now() const = 0;
};

class system_clock final : public clock {
public:
    time_point now() const override { return std::chrono::system_clock::now(); }
};

// A clock tests move by hand.
class manual_clock final : public clock {
public:
    explicit manual_clock(time_point start) : now_(start.time_since_epoch().count()) {}
    time_point now() const override { return time_point{time_point::duration{now_.load()}}; }
    void advance(std::chrono::nanoseconds by) {
        now_ += std::chrono::duration_cast<time_point::duration>(by).count();
    }

private:
    std::atomic<time_point::rep> now_;
};

// RFC 3339 UTC with millisecond precision: 2026-11-27T06:54:23.123Z
std::string format_rfc3339(time_point t);
// Parses RFC 3339 (2026-01-31T12:00:00Z, optional fractional seconds, Z or a numeric offset);
// nullopt when malformed.
std::optional<time_point> parse_rfc3339(std::string_view s);

}  // namespace core
