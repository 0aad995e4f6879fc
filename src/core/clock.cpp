#include "core/clock.hpp"

#include <cstdio>
#include <ctime>
#include <optional>
#include <string_view>

namespace core {
namespace {

std::optional<int> digits(std::string_view s) {
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + (c - '0');
    }
    return s.empty() ? std::nullopt : std::optional{v};
}

}  // namespace

std::string format_rfc3339(time_point t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(
        buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000)
    );
    return buf;
}

// RFC 3339: 2026-01-31T12:00:00Z, with optional fractional seconds and a numeric offset instead of
// Z.
std::optional<time_point> parse_rfc3339(std::string_view s) {
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':') {
        return std::nullopt;
    }
    auto y = digits(s.substr(0, 4));
    auto mo = digits(s.substr(5, 2));
    auto d = digits(s.substr(8, 2));
    auto h = digits(s.substr(11, 2));
    auto mi = digits(s.substr(14, 2));
    auto sec = digits(s.substr(17, 2));
    if (!y || !mo || !d || !h || !mi || !sec || *h > 23 || *mi > 59 || *sec > 60) {
        return std::nullopt;
    }
    std::chrono::year_month_day date{
        std::chrono::year{*y}, std::chrono::month{static_cast<unsigned>(*mo)},
        std::chrono::day{static_cast<unsigned>(*d)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    auto rest = s.substr(19);
    std::chrono::milliseconds fraction{0};
    if (!rest.empty() && rest.front() == '.') {
        auto end = rest.find_first_not_of("0123456789", 1);
        if (end == 1 || end == std::string_view::npos) {
            return std::nullopt;
        }
        auto frac = std::string{rest.substr(1, end - 1)} + "00";
        fraction = std::chrono::milliseconds{*digits(std::string_view{frac}.substr(0, 3))};
        rest = rest.substr(end);
    }
    std::chrono::minutes offset{0};
    if (rest == "Z" || rest == "z") {
        offset = std::chrono::minutes{0};
    } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
        auto oh = digits(rest.substr(1, 2));
        auto om = digits(rest.substr(4, 2));
        if (!oh || !om || *oh > 23 || *om > 59) {
            return std::nullopt;
        }
        offset = std::chrono::minutes{*oh * 60 + *om} * (rest[0] == '+' ? 1 : -1);
    } else {
        return std::nullopt;
    }
    auto t = std::chrono::sys_days{date} + std::chrono::hours{*h} + std::chrono::minutes{*mi} +
             std::chrono::seconds{*sec} + fraction - offset;
    return core::time_point{
        std::chrono::duration_cast<core::time_point::duration>(t.time_since_epoch())};
}

}  // namespace core
