#include "infra/cache/memory_cache.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;

struct cache_fixture : testing::Test {
    core::manual_clock clock{core::time_point{std::chrono::seconds{1'700'000'000}}};
    core::metrics::registry metrics;
};

TEST_F(cache_fixture, shared_lookups_hand_out_the_stored_value_itself) {
    infra::cache::memory_cache c{{.max_bytes = 1 << 20, .default_ttl = 10s}, clock, metrics};
    c.store("page", std::string(20000, 'x'), 0ms);
    auto first = c.lookup_shared("page");
    auto second = c.lookup_shared("page");
    ASSERT_TRUE(first);
    EXPECT_EQ(first.get(), second.get()) << "one value, not a copy per hit";
    EXPECT_EQ(first->size(), 20000U);
    EXPECT_EQ(c.lookup_shared("other"), nullptr);
    // A reader keeps its value when the entry is replaced or dropped meanwhile.
    c.store("page", "new", 0ms);
    c.remove("page");
    EXPECT_EQ(first->size(), 20000U);
    EXPECT_EQ(c.lookup_shared("page"), nullptr);
}

TEST_F(cache_fixture, admission_on_repeat_stores_a_key_from_its_second_put) {
    infra::cache::memory_cache c{
        {.max_bytes = 1 << 20, .default_ttl = 10s, .admit_on_repeat = true}, clock, metrics};
    c.store("popular", "1", 0ms);
    EXPECT_EQ(c.lookup("popular"), std::nullopt) << "a first put is not stored";
    for (int i = 0; i < 100; ++i) {
        c.store("once-" + std::to_string(i), "x", 0ms);
    }
    c.store("popular", "2", 0ms);
    EXPECT_EQ(c.lookup("popular"), "2") << "a second put is";
    EXPECT_EQ(c.entries(), 1U) << "none of the one-off keys";
    c.store("popular", "3", 0ms);
    EXPECT_EQ(c.lookup("popular"), "3") << "and so is every later one";
    auto text = metrics.render();
    EXPECT_NE(
        text.find("cache_admissions_deferred_total{cache=\"memory\"} 101"), std::string::npos
    ) << text;

    // With one slot, a key put in between overwrites the fingerprint: "again" is bounded.
    core::metrics::registry other_metrics;
    infra::cache::memory_cache one{
        {.max_bytes = 1 << 20, .admit_on_repeat = true, .admission_slots = 1}, clock, other_metrics
    };
    one.store("a", "1", 0ms);
    one.store("b", "1", 0ms);
    one.store("a", "1", 0ms);
    EXPECT_EQ(one.lookup("a"), std::nullopt);
    one.store("a", "1", 0ms);
    EXPECT_EQ(one.lookup("a"), "1");
}

TEST_F(cache_fixture, stores_and_expires_entries_by_ttl) {
    infra::cache::memory_cache c{{.max_bytes = 1 << 20, .default_ttl = 10s}, clock, metrics};
    c.store("a", "1", 0ms);
    c.store("b", "2", 2s);
    EXPECT_EQ(c.lookup("a"), "1");
    EXPECT_EQ(c.lookup("b"), "2");
    clock.advance(3s);
    EXPECT_EQ(c.lookup("b"), std::nullopt) << "its own ttl passed";
    EXPECT_EQ(c.lookup("a"), "1");
    clock.advance(8s);
    EXPECT_EQ(c.lookup("a"), std::nullopt) << "the default ttl passed";
    EXPECT_EQ(c.entries(), 0U);
    auto text = metrics.render();
    EXPECT_NE(text.find("cache_hits_total{cache=\"memory\"} 3"), std::string::npos) << text;
    EXPECT_NE(text.find("cache_misses_total{cache=\"memory\"} 2"), std::string::npos) << text;
    EXPECT_NE(
        text.find("cache_evictions_total{cache=\"memory\",reason=\"expired\"} 2"), std::string::npos
    ) << text;
}

TEST_F(cache_fixture, evicts_the_least_recently_used_entry_within_the_byte_budget) {
    // One shard so the budget is exact: three entries of about 128 + 1 + 100 bytes fit in 700.
    infra::cache::memory_cache c{
        {.max_bytes = 700, .default_ttl = 60s, .shards = 1}, clock, metrics};
    std::string value(100, 'x');
    c.store("a", value, 0ms);
    c.store("b", value, 0ms);
    c.store("c", value, 0ms);
    ASSERT_TRUE(c.lookup("a")) << "a is now the most recently used";
    c.store("d", value, 0ms);
    EXPECT_TRUE(c.lookup("a"));
    EXPECT_FALSE(c.lookup("b")) << "the least recently used went";
    EXPECT_TRUE(c.lookup("c"));
    EXPECT_TRUE(c.lookup("d"));
    EXPECT_LE(c.bytes(), 700U);
    EXPECT_NE(
        metrics.render().find("cache_evictions_total{cache=\"memory\",reason=\"capacity\"} 1"),
        std::string::npos
    );
    c.store("huge", std::string(1000, 'x'), 0ms);
    EXPECT_FALSE(c.lookup("huge")) << "larger than the budget: not stored";
    EXPECT_TRUE(c.lookup("d")) << "and nothing evicted for it";
}

TEST_F(cache_fixture, replacing_and_erasing_keep_the_byte_count_exact) {
    infra::cache::memory_cache c{{.max_bytes = 1 << 20}, clock, metrics};
    c.store("k", "short", 0ms);
    auto one = c.bytes();
    c.store("k", "a longer value", 0ms);
    EXPECT_EQ(c.bytes(), one + 9);
    EXPECT_EQ(c.entries(), 1U);
    c.remove("k");
    EXPECT_EQ(c.bytes(), 0U);
    EXPECT_EQ(c.entries(), 0U);
    EXPECT_NE(metrics.render().find("cache_bytes{cache=\"memory\"} 0"), std::string::npos);
}

TEST_F(cache_fixture, bumping_a_generation_changes_only_that_name) {
    infra::cache::memory_cache c{{.max_bytes = 1 << 20}, clock, metrics};
    auto lists = c.current_generation("lists");
    auto other = c.current_generation("product:1");
    c.advance_generation("lists");
    EXPECT_EQ(c.current_generation("lists"), lists + 1);
    EXPECT_EQ(c.current_generation("product:1"), other);
}

TEST_F(cache_fixture, a_zero_budget_turns_the_cache_off) {
    infra::cache::memory_cache c{{.max_bytes = 0}, clock, metrics};
    c.store("a", "1", 0ms);
    EXPECT_FALSE(c.lookup("a"));
    EXPECT_EQ(c.entries(), 0U);
}

}  // namespace
