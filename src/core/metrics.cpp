#include "core/metrics.hpp"

#include <cstdio>
#include <stdexcept>

namespace core::metrics {
namespace {

void append_number(std::string& out, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out += buf;
}

// Adds `le` to a label text: `{a="b"}` -> `{a="b",le="0.1"}`.
std::string with_le(const std::string& label_text, const std::string& le) {
    if (label_text.empty()) {
        return "{le=\"" + le + "\"}";
    }
    return label_text.substr(0, label_text.size() - 1) + ",le=\"" + le + "\"}";
}

}  // namespace

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void histogram::observe(double v) noexcept {
    std::size_t i = 0;
    while (i < bounds_.size() && v > bounds_[i]) {
        ++i;
    }
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
    snapshot s;
    s.bounds = bounds_;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        s.cumulative.push_back(running);
    }
    s.sum = sum_.load(std::memory_order_relaxed);
    s.count = running;
    return s;
}

std::vector<double> latency_buckets() {
    return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

std::string label_text(const labels& l) {
    if (l.empty()) {
        return {};
    }
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : l) {
        if (!first) {
            out += ',';
        }
        first = false;
        out += k;
        out += "=\"";
        for (char c : v) {
            if (c == '\\' || c == '"') {
                out += '\\';
                out += c;
            } else if (c == '\n') {
                out += "\\n";
            } else {
                out += c;
            }
        }
        out += '"';
    }
    out += '}';
    return out;
}

registry::family& registry::family_for(std::string_view name, std::string_view help, kind type) {
    auto it = families_.find(name);
    if (it == families_.end()) {
        it = families_.emplace(std::string{name}, family{type, std::string{help}, {}}).first;
    } else if (it->second.type != type) {
        throw std::logic_error("metric registered with two types: " + std::string{name});
    }
    return it->second;
}

counter& registry::get_counter(std::string_view name, std::string_view help, const labels& l) {
    std::lock_guard lock{mu_};
    auto& fam = family_for(name, help, kind::counter);
    auto key = label_text(l);
    auto& s = fam.by_labels[key];
    if (!s.c) {
        s.label_text = key;
        s.c = std::make_unique<counter>();
    }
    return *s.c;
}

gauge& registry::get_gauge(std::string_view name, std::string_view help, const labels& l) {
    std::lock_guard lock{mu_};
    auto& fam = family_for(name, help, kind::gauge);
    auto key = label_text(l);
    auto& s = fam.by_labels[key];
    if (!s.g) {
        s.label_text = key;
        s.g = std::make_unique<gauge>();
    }
    return *s.g;
}

histogram& registry::get_histogram(
    std::string_view name, std::string_view help, const std::vector<double>& bounds, const labels& l
) {
    std::lock_guard lock{mu_};
    auto& fam = family_for(name, help, kind::histogram);
    auto key = label_text(l);
    auto& s = fam.by_labels[key];
    if (!s.h) {
        s.label_text = key;
        s.h = std::make_unique<histogram>(bounds);
    }
    return *s.h;
}

void registry::add_callback_gauge(
    std::string_view name, std::string_view help, std::function<double()> read, const labels& l
) {
    std::lock_guard lock{mu_};
    auto& fam = family_for(name, help, kind::callback);
    auto key = label_text(l);
    auto& s = fam.by_labels[key];
    s.label_text = key;
    s.read = std::move(read);
}

std::string registry::render() const {
    std::lock_guard lock{mu_};
    std::string out;
    out.reserve(16 * 1024);
    for (const auto& [name, fam] : families_) {
        out += "# HELP " + name + " " + fam.help + "\n";
        switch (fam.type) {
            case kind::counter:
                out += "# TYPE " + name + " counter\n";
                break;
            case kind::gauge:
            case kind::callback:
                out += "# TYPE " + name + " gauge\n";
                break;
            case kind::histogram:
                out += "# TYPE " + name + " histogram\n";
                break;
        }
        for (const auto& [key, s] : fam.by_labels) {
            if (s.c) {
                out += name + key + " " + std::to_string(s.c->value()) + "\n";
            } else if (s.g) {
                out += name + key + " " + std::to_string(s.g->value()) + "\n";
            } else if (s.read) {
                out += name + key + " ";
                append_number(out, s.read());
                out += "\n";
            } else if (s.h) {
                auto snap = s.h->read();
                for (std::size_t i = 0; i < snap.bounds.size(); ++i) {
                    std::string le;
                    append_number(le, snap.bounds[i]);
                    out += name + "_bucket" + with_le(key, le) + " " +
                           std::to_string(snap.cumulative[i]) + "\n";
                }
                out += name + "_bucket" + with_le(key, "+Inf") + " " + std::to_string(snap.count) +
                       "\n";
                out += name + "_sum" + key + " ";
                append_number(out, snap.sum);
                out += "\n" + name + "_count" + key + " " + std::to_string(snap.count) + "\n";
            }
        }
    }
    return out;
}

}  // namespace core::metrics
