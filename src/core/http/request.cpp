#include "core/http/request.hpp"

#include <charconv>

namespace core::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::string decode_query_component(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

template <class Fn>
void for_each_query_pair(std::string_view qs, Fn&& fn) {
    std::size_t i = 0;
    while (i <= qs.size() && !qs.empty()) {
        auto amp = qs.find('&', i);
        if (amp == std::string_view::npos) {
            amp = qs.size();
        }
        auto pair = qs.substr(i, amp - i);
        if (!pair.empty()) {
            auto eq = pair.find('=');
            auto key = pair.substr(0, eq);
            auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
            if (!fn(decode_query_component(key), value)) {
                return;
            }
        }
        if (amp == qs.size()) {
            return;
        }
        i = amp + 1;
    }
}

core::error bad_param(std::string_view name, std::string_view code, std::string message) {
    return core::error{
        core::errc::bad_request,
        "query parameter '" + std::string{name} + "' " + message,
        {{"/" + std::string{name}, std::string{code}, std::move(message)}}};
}

}  // namespace

std::string_view to_string(method m) noexcept {
    switch (m) {
        case method::get:
            return "GET";
        case method::head:
            return "HEAD";
        case method::post:
            return "POST";
        case method::put:
            return "PUT";
        case method::patch:
            return "PATCH";
        case method::del:
            return "DELETE";
        case method::options:
            return "OPTIONS";
        case method::other:
            return "OTHER";
    }
    return "OTHER";
}

method parse_method(std::string_view text) noexcept {
    for (auto m :
         {method::get, method::head, method::post, method::put, method::patch, method::del,
          method::options}) {
        if (text == to_string(m)) {
            return m;
        }
    }
    return method::other;
}

std::string_view request::path() const noexcept {
    std::string_view t{target};
    return t.substr(0, t.find('?'));
}

std::string_view request::query_string() const noexcept {
    std::string_view t{target};
    auto q = t.find('?');
    return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

std::optional<std::string_view> request::header(std::string_view lower_name) const noexcept {
    for (const auto& [k, v] : headers) {
        if (k == lower_name) {
            return std::string_view{v};
        }
    }
    return std::nullopt;
}

std::string_view request::param(std::string_view name) const noexcept {
    for (const auto& [k, v] : path_params) {
        if (k == name) {
            return v;
        }
    }
    return {};
}

std::optional<std::string> request::query(std::string_view name) const {
    std::optional<std::string> out;
    for_each_query_pair(query_string(), [&](const std::string& key, std::string_view value) {
        if (key == name) {
            out = decode_query_component(value);
            return false;
        }
        return true;
    });
    return out;
}

std::vector<std::string> request::query_all(std::string_view name) const {
    std::vector<std::string> out;
    for_each_query_pair(query_string(), [&](const std::string& key, std::string_view value) {
        if (key == name) {
            out.push_back(decode_query_component(value));
        }
        return true;
    });
    return out;
}

std::vector<std::pair<std::string, std::string>> request::query_pairs() const {
    std::vector<std::pair<std::string, std::string>> out;
    for_each_query_pair(query_string(), [&](std::string key, std::string_view value) {
        out.emplace_back(std::move(key), decode_query_component(value));
        return true;
    });
    return out;
}

result<std::optional<std::int64_t>> request::query_int(
    std::string_view name, std::int64_t min, std::int64_t max
) const {
    auto raw = query(name);
    if (!raw) {
        return std::optional<std::int64_t>{};
    }
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
    if (raw->empty() || ec != std::errc{} || p != raw->data() + raw->size()) {
        return bad_param(name, "type", "must be an integer");
    }
    if (v < min || v > max) {
        return bad_param(
            name, "range", "must be from " + std::to_string(min) + " to " + std::to_string(max)
        );
    }
    return std::optional<std::int64_t>{v};
}

result<std::optional<bool>> request::query_bool(std::string_view name) const {
    auto raw = query(name);
    if (!raw) {
        return std::optional<bool>{};
    }
    if (*raw == "true" || *raw == "1") {
        return std::optional<bool>{true};
    }
    if (*raw == "false" || *raw == "0") {
        return std::optional<bool>{false};
    }
    return bad_param(name, "type", "must be true or false");
}

}  // namespace core::http
