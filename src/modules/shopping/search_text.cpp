#include "modules/shopping/search_text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>

namespace shopping::search_text {
namespace {

// Decodes one code point at `i` and advances `i`; invalid bytes decode as U+FFFD, one byte each.
char32_t decode(std::string_view s, std::size_t& i) {
    auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int extra = 0;
    char32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
        extra = 1;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        extra = 2;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        extra = 3;
        cp = b0 & 0x07;
    } else {
        ++i;
        return 0xFFFD;
    }
    if (i + static_cast<std::size_t>(extra) >= s.size()) {
        ++i;
        return 0xFFFD;
    }
    for (int k = 1; k <= extra; ++k) {
        auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    i += static_cast<std::size_t>(extra) + 1;
    // Overlong forms and surrogates are not text.
    static constexpr std::array<char32_t, 4> minimum{0, 0x80, 0x800, 0x10000};
    if (cp < minimum[static_cast<std::size_t>(extra)] || (cp >= 0xD800 && cp <= 0xDFFF) ||
        cp > 0x10FFFF) {
        return 0xFFFD;
    }
    return cp;
}

void encode(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// ASCII folding of U+00C0..U+00FF (empty = separator: the multiplication and division signs).
constexpr std::array<std::string_view, 64> latin1 = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",
};

// ASCII folding of Latin Extended-A (U+0100..U+017F) as ranges of one base letter.
struct folding_range {
    char32_t first;
    char32_t last;
    std::string_view ascii;
};
constexpr std::array<folding_range, 22> latin_extended_a = {{
    {0x0100, 0x0105, "a"}, {0x0106, 0x010D, "c"},  {0x010E, 0x0111, "d"}, {0x0112, 0x011B, "e"},
    {0x011C, 0x0123, "g"}, {0x0124, 0x0127, "h"},  {0x0128, 0x0131, "i"}, {0x0132, 0x0133, "ij"},
    {0x0134, 0x0135, "j"}, {0x0136, 0x0138, "k"},  {0x0139, 0x0142, "l"}, {0x0143, 0x014B, "n"},
    {0x014C, 0x0151, "o"}, {0x0152, 0x0153, "oe"}, {0x0154, 0x0159, "r"}, {0x015A, 0x0161, "s"},
    {0x0162, 0x0167, "t"}, {0x0168, 0x0173, "u"},  {0x0174, 0x0175, "w"}, {0x0176, 0x0178, "y"},
    {0x0179, 0x017E, "z"}, {0x017F, 0x017F, "s"},
}};

bool is_apostrophe(char32_t cp) { return cp == '\'' || cp == 0x2019; }

// Punctuation, symbols, spaces and emoji outside ASCII; every other code point is a letter.
bool is_separator(char32_t cp) {
    return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
           (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x2E00 && cp <= 0x2E7F) ||
           (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
           (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
           (cp >= 0xFF5B && cp <= 0xFF65) || cp == 0xFEFF || cp == 0xFFFD || cp >= 0x1F000;
}

// Appends the folded, lower-case form of a letter; false when `cp` separates tokens.
bool append_letter(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z') {
            out.push_back(static_cast<char>(cp - 'A' + 'a'));
            return true;
        }
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            out.push_back(static_cast<char>(cp));
            return true;
        }
        return false;
    }
    if (is_separator(cp)) {
        return false;
    }
    if (cp >= 0xC0 && cp <= 0xFF) {
        out.append(latin1[cp - 0xC0]);
        return true;
    }
    if (cp >= 0x100 && cp <= 0x17F) {
        for (const auto& r : latin_extended_a) {
            if (cp >= r.first && cp <= r.last) {
                out.append(r.ascii);
                return true;
            }
        }
    }
    if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) {  // Greek capitals
        cp += 0x20;
    } else if (cp >= 0x410 && cp <= 0x42F) {  // Cyrillic capitals
        cp += 0x20;
    } else if (cp >= 0x400 && cp <= 0x40F) {
        cp += 0x50;
    }
    encode(cp, out);
    return true;
}

// Cuts `token` to max_token_bytes without splitting a code point.
void cap(std::string& token) {
    if (token.size() <= max_token_bytes) {
        return;
    }
    std::size_t end = max_token_bytes;
    while (end > 0 && (static_cast<unsigned char>(token[end]) & 0xC0) == 0x80) {
        --end;
    }
    token.resize(end);
}

std::vector<char32_t> decode_all(std::string_view s) {
    std::vector<char32_t> out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        out.push_back(decode(s, i));
    }
    return out;
}

bool ascii_letters(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

void append_quoted_fts5(std::string& out, std::string_view token) {
    out.push_back('"');
    out.append(token);  // tokens never hold a quote: ASCII punctuation separates them
    out.push_back('"');
}

void append_quoted_pg(std::string& out, std::string_view token) {
    out.push_back('\'');
    out.append(token);  // nor an apostrophe or a backslash
    out.push_back('\'');
}

}  // namespace

std::vector<std::string> raw_tokens(std::string_view text) {
    std::vector<std::string> out;
    std::string current;
    auto flush = [&] {
        if (!current.empty()) {
            cap(current);
            out.push_back(std::move(current));
            current.clear();
        }
    };
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = decode(text, i);
        if (is_apostrophe(cp)) {
            continue;  // joins: men's -> mens
        }
        if (!append_letter(cp, current)) {
            flush();
        }
    }
    flush();
    return out;
}

std::string stem(std::string_view token) {
    std::string w{token};
    if (w.size() < 4 || !ascii_letters(w)) {
        return w;
    }
    auto ends = [&](std::string_view suffix) { return w.ends_with(suffix); };
    if (ends("ies") && w.size() > 4 && !ends("eies") && !ends("aies")) {
        w.replace(w.size() - 3, 3, "y");
    } else if (ends("sses") || ends("xes") || ends("ches") || ends("shes") || ends("zzes")) {
        w.resize(w.size() - 2);
    } else if (ends("es") && !ends("aes") && !ends("ees") && !ends("oes")) {
        w.resize(w.size() - 1);
    } else if (ends("s") && !ends("us") && !ends("ss") && !ends("is")) {
        w.resize(w.size() - 1);
    }
    return w.size() >= 3 ? w : std::string{token};
}

std::string index_text(std::string_view text) {
    std::string out;
    for (const auto& t : raw_tokens(text)) {
        if (!out.empty()) {
            out.push_back(' ');
        }
        out += stem(t);
    }
    return out;
}

int edit_distance(std::string_view a_text, std::string_view b_text, int limit) {
    auto a = decode_all(a_text);
    auto b = decode_all(b_text);
    const auto n = a.size();
    const auto m = b.size();
    if (static_cast<int>(n > m ? n - m : m - n) > limit) {
        return limit + 1;
    }
    // Three rows: the one before the previous is needed for transpositions.
    std::vector<int> before(m + 1), previous(m + 1), row(m + 1);
    for (std::size_t j = 0; j <= m; ++j) {
        previous[j] = static_cast<int>(j);
    }
    for (std::size_t i = 1; i <= n; ++i) {
        row[0] = static_cast<int>(i);
        int best = row[0];
        for (std::size_t j = 1; j <= m; ++j) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                row[j] = std::min(row[j], before[j - 2] + 1);
            }
            best = std::min(best, row[j]);
        }
        if (best > limit) {
            return limit + 1;
        }
        std::swap(before, previous);
        std::swap(previous, row);
    }
    return std::min(previous[m], limit + 1);
}

int typo_budget(std::size_t length) {
    if (length < 4) {
        return 0;
    }
    return length < 8 ? 1 : 2;
}

std::size_t code_points(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::string first_code_point(std::string_view s) {
    if (s.empty()) {
        return {};
    }
    std::size_t end = 1;
    while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
        ++end;
    }
    return std::string{s.substr(0, end)};
}

std::string prefix_upper_bound(std::string_view prefix) {
    return std::string{prefix} + "\xF4\x8F\xBF\xBF";
}

bool term::prefix() const { return code_points(raw) >= 2; }

std::string query::text() const {
    std::string out;
    for (const auto& t : terms) {
        if (!out.empty()) {
            out.push_back(' ');
        }
        out += t.corrections.empty() ? t.raw : t.corrections.front();
    }
    return out;
}

query parse(std::string_view q, std::size_t max_terms) {
    query out;
    std::set<std::string> seen;
    for (auto& raw : raw_tokens(q)) {
        if (out.terms.size() >= max_terms) {
            break;
        }
        if (!seen.insert(raw).second) {
            continue;
        }
        auto stemmed = stem(raw);
        out.terms.push_back(term{std::move(raw), std::move(stemmed), {}});
    }
    return out;
}

std::string fts5_expression(const query& q) {
    std::string out;
    for (const auto& t : q.terms) {
        if (!out.empty()) {
            out += " AND ";
        }
        if (!t.corrections.empty()) {
            out.push_back('(');
            for (std::size_t i = 0; i < t.corrections.size(); ++i) {
                out += i == 0 ? "" : " OR ";
                append_quoted_fts5(out, t.corrections[i]);
            }
            out.push_back(')');
        } else if (!t.prefix()) {
            append_quoted_fts5(out, t.stemmed);
        } else if (t.stemmed == t.raw) {
            append_quoted_fts5(out, t.raw);
            out.push_back('*');
        } else {
            out.push_back('(');
            append_quoted_fts5(out, t.stemmed);
            out += " OR ";
            append_quoted_fts5(out, t.raw);
            out += "*)";
        }
    }
    return out;
}

std::string tsquery_expression(const query& q) {
    std::string out;
    for (const auto& t : q.terms) {
        if (!out.empty()) {
            out += " & ";
        }
        if (!t.corrections.empty()) {
            out.push_back('(');
            for (std::size_t i = 0; i < t.corrections.size(); ++i) {
                out += i == 0 ? "" : " | ";
                append_quoted_pg(out, t.corrections[i]);
            }
            out.push_back(')');
        } else if (!t.prefix()) {
            append_quoted_pg(out, t.stemmed);
        } else if (t.stemmed == t.raw) {
            append_quoted_pg(out, t.raw);
            out += ":*";
        } else {
            out.push_back('(');
            append_quoted_pg(out, t.stemmed);
            out += " | ";
            append_quoted_pg(out, t.raw);
            out += ":*)";
        }
    }
    return out;
}

std::string tsvector_literal(const document_text& fields) {
    // PostgreSQL keeps positions up to 16383; later words keep the last position.
    constexpr int max_position = 16383;
    std::string out;
    int position = 0;
    auto add = [&](std::string_view text, char weight) {
        std::size_t i = 0;
        while (i < text.size()) {
            auto space = text.find(' ', i);
            auto token =
                text.substr(i, space == std::string_view::npos ? text.size() - i : space - i);
            i = space == std::string_view::npos ? text.size() : space + 1;
            if (token.empty()) {
                continue;
            }
            position = std::min(position + 1, max_position);
            if (!out.empty()) {
                out.push_back(' ');
            }
            append_quoted_pg(out, token);
            out.push_back(':');
            out += std::to_string(position);
            out.push_back(weight);
        }
    };
    add(fields.title, 'A');
    add(fields.tags, 'B');
    add(fields.vendor, 'B');
    add(fields.attributes, 'C');
    add(fields.body, 'D');
    return out;
}

std::vector<std::string> distinct_terms(const document_text& fields) {
    std::set<std::string, std::less<>> terms;
    for (std::string_view text :
         {std::string_view{fields.title}, std::string_view{fields.tags},
          std::string_view{fields.attributes}, std::string_view{fields.vendor},
          std::string_view{fields.body}}) {
        std::size_t i = 0;
        while (i < text.size()) {
            auto space = text.find(' ', i);
            auto token =
                text.substr(i, space == std::string_view::npos ? text.size() - i : space - i);
            i = space == std::string_view::npos ? text.size() : space + 1;
            if (!token.empty()) {
                terms.emplace(token);
            }
        }
    }
    return {terms.begin(), terms.end()};
}

}  // namespace shopping::search_text
