#include "core/metrics.hpp"

#include <gtest/gtest.h>

namespace {

TEST(metrics, renders_counters_gauges_and_histograms) {
    core::metrics::registry r;
    r.get_counter("jobs_total", "Jobs", {{"kind", "a\"b"}}).inc(3);
    r.get_gauge("queue_depth", "Depth").set(7);
    auto& h = r.get_histogram("latency_seconds", "Latency", {0.1, 1});
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    r.add_callback_gauge("pool_idle", "Idle", [] { return 2.0; });
    auto text = r.render();
    EXPECT_NE(text.find("# TYPE jobs_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("jobs_total{kind=\"a\\\"b\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("queue_depth 7\n"), std::string::npos);
    EXPECT_NE(
        text.find("latency_seconds_bucket{le=\"0.10000000000000001\"} 1\n"), std::string::npos
    ) << text;
    EXPECT_NE(text.find("latency_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("latency_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("latency_seconds_count 3\n"), std::string::npos);
    EXPECT_NE(text.find("pool_idle 2\n"), std::string::npos);
}

TEST(metrics, same_name_and_labels_give_the_same_series) {
    core::metrics::registry r;
    auto& a = r.get_counter("x_total", "X", {{"k", "v"}});
    auto& b = r.get_counter("x_total", "X", {{"k", "v"}});
    EXPECT_EQ(&a, &b);
    EXPECT_THROW(r.get_gauge("x_total", "X"), std::logic_error);
}

}  // namespace
