#include "modules/vendor/csv.hpp"

namespace vendor::csv {
namespace {

// Length of the UTF-8 sequence starting at `s[i]`, or 0 when it is not a valid one.
std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    auto c = byte(i);
    if (c < 0x80) {
        return 1;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    static constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < smallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

bool is_blank(const std::vector<std::string>& cells) {
    return cells.size() == 1 && cells[0].empty();
}

}  // namespace

bool is_utf8(std::string_view text) noexcept {
    for (std::size_t i = 0; i < text.size();) {
        auto n = utf8_length(text, i);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

std::variant<table, syntax_error> parse(std::string_view text, std::size_t max_records) {
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(3);
    }
    table out;
    std::vector<std::string> cells;
    std::string cell;
    std::int64_t row = 1;
    bool header_done = false;
    auto fail = [&](std::string message) {
        return syntax_error{row, static_cast<std::int64_t>(cells.size()) + 1, std::move(message)};
    };
    auto end_record = [&]() -> bool {
        cells.push_back(std::move(cell));
        cell.clear();
        if (!header_done) {
            out.header = std::move(cells);
            header_done = true;
        } else if (!is_blank(cells)) {
            out.records.push_back(record{row, std::move(cells)});
        }
        cells.clear();
        ++row;
        return out.records.size() <= max_records;
    };
    std::size_t i = 0;
    const auto n = text.size();
    while (i < n) {
        // At the start of a field.
        if (text[i] == '"') {
            ++i;
            for (;;) {
                if (i >= n) {
                    return fail("a quoted field is not closed");
                }
                char c = text[i];
                if (c == '"') {
                    if (i + 1 < n && text[i + 1] == '"') {
                        cell.push_back('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                if (c == '\0') {
                    return fail("contains a NUL byte");
                }
                auto len = utf8_length(text, i);
                if (len == 0) {
                    return fail("is not valid UTF-8");
                }
                cell.append(text.substr(i, len));
                i += len;
            }
            if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                return fail("has text after a closing quote");
            }
        } else {
            while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                char c = text[i];
                if (c == '"') {
                    return fail("has a quote inside an unquoted field (quote the whole field)");
                }
                if (c == '\0') {
                    return fail("contains a NUL byte");
                }
                auto len = utf8_length(text, i);
                if (len == 0) {
                    return fail("is not valid UTF-8");
                }
                cell.append(text.substr(i, len));
                i += len;
            }
        }
        // After a field: a separator, a line end or the end of the text.
        if (i >= n) {
            break;
        }
        if (text[i] == ',') {
            cells.push_back(std::move(cell));
            cell.clear();
            ++i;
            if (i >= n) {
                break;  // a final empty field
            }
            continue;
        }
        if (text[i] == '\r') {
            ++i;
            if (i < n && text[i] == '\n') {
                ++i;
            }
        } else {
            ++i;
        }
        if (!end_record()) {
            return syntax_error{
                row - 1, 0, "has more than " + std::to_string(max_records) + " rows"};
        }
    }
    // Text that does not end with a line break still ends a record; a text ending with one does not
    // start another.
    if (!cell.empty() || !cells.empty() || (n > 0 && text[n - 1] == ',')) {
        if (!end_record()) {
            return syntax_error{
                row - 1, 0, "has more than " + std::to_string(max_records) + " rows"};
        }
    } else if (!header_done && n > 0) {
        end_record();
    }
    return out;
}

void append_record(std::string& out, const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i > 0) {
            out.push_back(',');
        }
        const auto& c = cells[i];
        bool quote = c.find_first_of(",\"\r\n") != std::string::npos ||
                     (!c.empty() && (c.front() == ' ' || c.back() == ' '));
        if (!quote) {
            out += c;
            continue;
        }
        out.push_back('"');
        for (char ch : c) {
            if (ch == '"') {
                out.push_back('"');
            }
            out.push_back(ch);
        }
        out.push_back('"');
    }
    out += "\r\n";
}

}  // namespace vendor::csv
