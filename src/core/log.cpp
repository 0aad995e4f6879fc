#include "core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "core/clock.hpp"
#include "core/json.hpp"

namespace core::log {
namespace {

std::atomic<int> min_level{static_cast<int>(level::info)};

// Lines collect in a buffer; a thread writes it out every few milliseconds, or the writer does when
// it grows large, so a request never waits on the terminal.
class sink {
public:
    sink() : flusher_([this] { run(); }) {}
    sink(const sink&) = delete;
    sink& operator=(const sink&) = delete;
    ~sink() {
        {
            std::lock_guard lock{mu_};
            stop_ = true;
        }
        cv_.notify_one();
        flusher_.join();
        flush();
    }

    void append(std::string_view line) {
        std::string out;
        {
            std::lock_guard lock{mu_};
            buf_.append(line);
            buf_.push_back('\n');
            if (buf_.size() < flush_threshold) {
                return;
            }
            out.swap(buf_);
        }
        write_all(out);
    }

    void flush() {
        std::string out;
        {
            std::lock_guard lock{mu_};
            out.swap(buf_);
        }
        write_all(out);
    }

private:
    static constexpr std::size_t flush_threshold = 64 * 1024;

    void run() {
        std::unique_lock lock{mu_};
        while (!stop_) {
            cv_.wait_for(lock, std::chrono::milliseconds(20));
            if (buf_.empty()) {
                continue;
            }
            std::string out;
            out.swap(buf_);
            lock.unlock();
            write_all(out);
            lock.lock();
        }
    }

    void write_all(const std::string& data) {
        std::lock_guard lock{write_mu_};
        std::size_t done = 0;
        while (done < data.size()) {
            auto n = ::write(STDOUT_FILENO, data.data() + done, data.size() - done);
            if (n <= 0) {
                return;
            }
            done += static_cast<std::size_t>(n);
        }
    }

    std::mutex mu_;
    std::mutex write_mu_;
    std::condition_variable cv_;
    std::string buf_;
    bool stop_ = false;
    std::thread flusher_;
};

sink& the_sink() {
    static sink s;
    return s;
}

constexpr std::string_view level_name(level l) {
    switch (l) {
        case level::debug:
            return "debug";
        case level::info:
            return "info";
        case level::warn:
            return "warn";
        case level::error:
            return "error";
    }
    return "info";
}

}  // namespace

bool parse_level(std::string_view text, level& out) noexcept {
    for (auto l : {level::debug, level::info, level::warn, level::error}) {
        if (text == level_name(l)) {
            out = l;
            return true;
        }
    }
    return false;
}

void set_level(level min) noexcept { min_level = static_cast<int>(min); }
bool enabled(level l) noexcept {
    return static_cast<int>(l) >= min_level.load(std::memory_order_relaxed);
}
void flush() noexcept { the_sink().flush(); }
void write_line(std::string_view json_line) { the_sink().append(json_line); }

void append_json_escaped(std::string& out, std::string_view text) {
    core::json::append_escaped(out, text);
}

line::line(level l, std::string_view message) : on_(enabled(l)) {
    if (!on_) {
        return;
    }
    buf_.reserve(160);
    buf_ += R"({"time":")";
    buf_ += format_rfc3339(std::chrono::system_clock::now());
    buf_ += R"(","level":")";
    buf_ += level_name(l);
    buf_ += R"(","msg":")";
    append_json_escaped(buf_, message);
    buf_ += '"';
}

line::~line() {
    if (!on_) {
        return;
    }
    buf_ += '}';
    the_sink().append(buf_);
}

line& line::field(std::string_view key, std::string_view value) {
    if (on_) {
        buf_ += ",\"";
        append_json_escaped(buf_, key);
        buf_ += "\":\"";
        append_json_escaped(buf_, value);
        buf_ += '"';
    }
    return *this;
}

line& line::raw_field(std::string_view key, std::string_view json) {
    if (on_) {
        buf_ += ",\"";
        append_json_escaped(buf_, key);
        buf_ += "\":";
        buf_ += json;
    }
    return *this;
}

line& line::field(std::string_view key, std::int64_t value) {
    return raw_field(key, std::to_string(value));
}
line& line::field(std::string_view key, std::uint64_t value) {
    return raw_field(key, std::to_string(value));
}
line& line::field(std::string_view key, bool value) {
    return raw_field(key, value ? "true" : "false");
}
line& line::field(std::string_view key, double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", value);
    return raw_field(key, buf);
}

}  // namespace core::log
