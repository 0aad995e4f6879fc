// Prometheus metrics: counters, gauges and histograms with labels, rendered in the text format.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace core::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
public:
    void inc(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> v_{0};
};

class gauge {
public:
    void set(std::int64_t v) noexcept { v_.store(v, std::memory_order_relaxed); }
    void add(std::int64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
    void sub(std::int64_t n = 1) noexcept { v_.fetch_sub(n, std::memory_order_relaxed); }
    std::int64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> v_{0};
};

class histogram {
public:
    explicit histogram(std::vector<double> upper_bounds);
    void observe(double v) noexcept;

    struct snapshot {
        std::vector<double> bounds;
        std::vector<std::uint64_t> cumulative;  // per bound, then +Inf
        double sum = 0;
        std::uint64_t count = 0;
    };
    snapshot read() const;

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1 (the +Inf bucket)
    std::atomic<double> sum_{0};
    std::atomic<std::uint64_t> count_{0};
};

// Latency buckets in seconds, from 100 µs to 10 s.
std::vector<double> latency_buckets();

// Owns every metric of the process; references it hands out stay valid for its lifetime.
class registry {
public:
    counter& get_counter(std::string_view name, std::string_view help, const labels& l = {});
    gauge& get_gauge(std::string_view name, std::string_view help, const labels& l = {});
    histogram& get_histogram(
        std::string_view name,
        std::string_view help,
        const std::vector<double>& bounds,
        const labels& l = {}
    );
    // A gauge whose value is read when metrics are scraped (pool sizes, queue depths).
    void add_callback_gauge(
        std::string_view name,
        std::string_view help,
        std::function<double()> read,
        const labels& l = {}
    );

    // The Prometheus text exposition format (version 0.0.4).
    std::string render() const;

private:
    enum class kind { counter, gauge, histogram, callback };
    struct series {
        std::string label_text;  // `{a="b",c="d"}` or empty
        std::unique_ptr<counter> c;
        std::unique_ptr<gauge> g;
        std::unique_ptr<histogram> h;
        std::function<double()> read;
    };
    struct family {
        kind type;
        std::string help;
        std::map<std::string, series> by_labels;
    };
    family& family_for(std::string_view name, std::string_view help, kind type);

    mutable std::mutex mu_;
    std::map<std::string, family, std::less<>> families_;
};

// Renders labels as `{a="b"}` with Prometheus escaping.
std::string label_text(const labels& l);

}  // namespace core::metrics
