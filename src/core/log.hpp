// Structured logging: one JSON object per line on stdout, buffered and flushed by a background
// thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace core::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };

// Parses "debug" | "info" | "warn" | "error".
bool parse_level(std::string_view text, level& out) noexcept;

// The logger is the one process-wide singleton (STYLE: wiring).
void set_level(level min) noexcept;
bool enabled(level l) noexcept;
// Flushes what is buffered; call before exit.
void flush() noexcept;

// Appends `text` to `out` as the inside of a JSON string (quotes not included).
void append_json_escaped(std::string& out, std::string_view text);

// One log line; fields are appended in call order and the line is written when it goes out of
// scope:
//   log::info("listening").field("port", 8080);
class line {
public:
    line(level l, std::string_view message);
    line(const line&) = delete;
    line& operator=(const line&) = delete;
    ~line();

    line& field(std::string_view key, std::string_view value);
    line& field(std::string_view key, const char* value) {
        return field(key, std::string_view{value});
    }
    line& field(std::string_view key, const std::string& value) {
        return field(key, std::string_view{value});
    }
    line& field(std::string_view key, std::int64_t value);
    line& field(std::string_view key, int value) {
        return field(key, static_cast<std::int64_t>(value));
    }
    line& field(std::string_view key, std::uint64_t value);
    line& field(std::string_view key, double value);
    line& field(std::string_view key, bool value);
    // A value that is already JSON (an object, a number).
    line& raw_field(std::string_view key, std::string_view json);

private:
    std::string buf_;
    bool on_;
};

inline line debug(std::string_view m) { return line{level::debug, m}; }
inline line info(std::string_view m) { return line{level::info, m}; }
inline line warn(std::string_view m) { return line{level::warn, m}; }
inline line error(std::string_view m) { return line{level::error, m}; }

// Writes a complete, pre-formatted JSON line (the access log builds its own for speed).
void write_line(std::string_view json_line);

}  // namespace core::log
