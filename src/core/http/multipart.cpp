#include "core/http/multipart.hpp"

#include <algorithm>
#include <cctype>

namespace core::http {
namespace {

error malformed(std::string detail) { return error{errc::bad_request, std::move(detail)}; }

std::string lower(std::string_view s) {
    std::string out{s};
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// The value of `key` among `; key=value` parameters (quoted or token), case-insensitive key.
std::optional<std::string> parameter(std::string_view header_value, std::string_view key) {
    std::size_t pos = header_value.find(';');
    while (pos != std::string_view::npos) {
        auto rest = trim(header_value.substr(pos + 1));
        auto eq = rest.find('=');
        if (eq == std::string_view::npos) {
            return std::nullopt;
        }
        auto name = lower(trim(rest.substr(0, eq)));
        auto value = rest.substr(eq + 1);
        std::string parsed;
        std::size_t consumed = 0;
        if (!value.empty() && value.front() == '"') {
            std::size_t i = 1;
            for (; i < value.size() && value[i] != '"'; ++i) {
                if (value[i] == '\\' && i + 1 < value.size()) {
                    ++i;
                }
                parsed.push_back(value[i]);
            }
            if (i >= value.size()) {
                return std::nullopt;  // unterminated quote
            }
            consumed = i + 1;
        } else {
            consumed = std::min(value.find(';'), value.size());
            parsed = std::string{trim(value.substr(0, consumed))};
        }
        if (name == key) {
            return parsed;
        }
        auto next = value.find(';', consumed);
        pos = next == std::string_view::npos
                  ? std::string_view::npos
                  : static_cast<std::size_t>(value.data() + next - header_value.data());
    }
    return std::nullopt;
}

}  // namespace

result<std::vector<form_part>> parse_multipart(const request& req, const multipart_limits& limits) {
    auto type = req.header("content-type");
    if (!type || !lower(type->substr(0, type->find(';'))).starts_with("multipart/form-data")) {
        return error{errc::unsupported_media_type, "the body must be multipart/form-data"};
    }
    auto boundary = parameter(*type, "boundary");
    // RFC 2046: 1-70 characters.
    if (!boundary || boundary->empty() || boundary->size() > 70) {
        return malformed("multipart/form-data needs a boundary parameter of 1-70 characters");
    }
    const std::string delimiter = "--" + *boundary;
    std::string_view body = req.body;

    auto first = body.find(delimiter);
    if (first == std::string_view::npos) {
        return malformed("the multipart body has no boundary delimiter");
    }
    std::size_t pos = first + delimiter.size();
    std::vector<form_part> parts;
    for (;;) {
        if (body.substr(pos, 2) == "--") {
            return parts;  // the close delimiter; an epilogue is ignored
        }
        // Transport padding, then CRLF, ends the delimiter line.
        while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) {
            ++pos;
        }
        if (body.substr(pos, 2) != "\r\n") {
            return malformed("a multipart delimiter line is not followed by CRLF");
        }
        pos += 2;
        auto headers_end = body.find("\r\n\r\n", pos);
        if (headers_end == std::string_view::npos || headers_end - pos > limits.max_header_bytes) {
            return malformed("a multipart part has no header block or an oversize one");
        }
        form_part part;
        bool has_disposition = false;
        auto headers = body.substr(pos, headers_end - pos);
        while (!headers.empty()) {
            auto eol = headers.find("\r\n");
            auto line = headers.substr(0, eol);
            headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
            auto colon = line.find(':');
            if (colon == std::string_view::npos) {
                return malformed("a multipart part header has no colon");
            }
            auto name = lower(trim(line.substr(0, colon)));
            auto value = trim(line.substr(colon + 1));
            if (name == "content-disposition") {
                if (lower(trim(value.substr(0, value.find(';')))) != "form-data") {
                    return malformed("a multipart part is not form-data");
                }
                auto field = parameter(value, "name");
                if (!field || field->empty()) {
                    return malformed("a multipart part has no field name");
                }
                part.name = std::move(*field);
                part.filename = parameter(value, "filename");
                has_disposition = true;
            } else if (name == "content-type") {
                part.content_type = std::string{value};
            }
        }
        if (!has_disposition) {
            return malformed("a multipart part has no Content-Disposition");
        }
        auto data_start = headers_end + 4;
        auto next = body.find("\r\n" + delimiter, data_start);
        if (next == std::string_view::npos) {
            return malformed("the multipart body ends before its close delimiter");
        }
        part.data = body.substr(data_start, next - data_start);
        parts.push_back(std::move(part));
        if (parts.size() > limits.max_parts) {
            return malformed(
                "more than " + std::to_string(limits.max_parts) + " parts in the multipart body"
            );
        }
        pos = next + 2 + delimiter.size();
    }
}

const form_part* find_part(const std::vector<form_part>& parts, std::string_view name) {
    auto it = std::find_if(parts.begin(), parts.end(), [&](const form_part& p) {
        return p.name == name;
    });
    return it == parts.end() ? nullptr : &*it;
}

}  // namespace core::http
