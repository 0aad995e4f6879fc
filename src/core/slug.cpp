#include "core/slug.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace core {
namespace {

// Transliterations of the Latin-1 Supplement and Latin Extended-A letters people type in names.
// Indexed by code point - 0xC0; empty = not a letter (a separator).
constexpr std::array<std::string_view, 64> latin1 = {
    "a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i",  "i", "i",  "i",   // C0-CF
    "d", "n", "o", "o", "o",  "o", "oe", "",  "o", "u", "u", "u", "ue", "y", "th", "ss",  // D0-DF
    "a", "a", "a", "a", "ae", "a", "ae", "c", "e", "e", "e", "e", "i",  "i", "i",  "i",   // E0-EF
    "d", "n", "o", "o", "o",  "o", "oe", "",  "o", "u", "u", "u", "ue", "y", "th", "y",   // F0-FF
};

std::string_view extended_a(char32_t cp) {
    // Pairs of upper/lower case letters from U+0100 on, base letters in order.
    static constexpr std::string_view bases =
        "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
        "lllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
    if (cp == 0x152 || cp == 0x153) {
        return "oe";
    }
    if (cp == 0x132 || cp == 0x133) {
        return "ij";
    }
    auto i = static_cast<std::size_t>(cp - 0x100);
    if (cp >= 0x100 && i < bases.size()) {
        return bases.substr(i, 1);
    }
    return {};
}

// Decodes one UTF-8 sequence at `i`; invalid bytes decode as U+FFFD and advance by one.
char32_t next_code_point(std::string_view s, std::size_t& i) {
    auto b0 = static_cast<unsigned char>(s[i]);
    int extra = -1;
    if (b0 < 0x80) {
        extra = 0;
    } else if ((b0 >> 5U) == 0x6) {
        extra = 1;
    } else if ((b0 >> 4U) == 0xE) {
        extra = 2;
    } else if ((b0 >> 3U) == 0x1E) {
        extra = 3;
    }
    if (extra < 0 || s.size() - i <= static_cast<std::size_t>(extra)) {
        ++i;
        return 0xFFFD;
    }
    char32_t cp = extra == 0 ? b0 : (b0 & (0x3FU >> static_cast<unsigned>(extra)));
    for (int k = 1; k <= extra; ++k) {
        auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((b & 0xC0U) != 0x80U) {
            ++i;
            return 0xFFFD;
        }
        cp = (cp << 6U) | (b & 0x3FU);
    }
    i += static_cast<std::size_t>(extra) + 1;
    return cp;
}

std::string_view transliterate(char32_t cp, char& ascii) {
    if (cp < 0x80) {
        auto c = static_cast<char>(cp);
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            ascii = c;
            return {&ascii, 1};
        }
        return {};
    }
    if (cp >= 0xC0 && cp <= 0xFF) {
        return latin1[cp - 0xC0];
    }
    if (cp >= 0x100 && cp <= 0x17F) {
        return extended_a(cp);
    }
    return {};
}

// Shortens a slug to `max_length`, at the last dash when one is in the second half.
std::string cut(std::string s, std::size_t max_length) {
    if (s.size() <= max_length) {
        return s;
    }
    s.resize(max_length);
    auto dash = s.rfind('-');
    if (dash != std::string::npos && dash >= max_length / 2) {
        s.resize(dash);
    }
    while (!s.empty() && s.back() == '-') {
        s.pop_back();
    }
    return s;
}

}  // namespace

std::string slugify(std::string_view text, std::size_t max_length) {
    std::string out;
    bool pending_dash = false;
    for (std::size_t i = 0; i < text.size();) {
        auto cp = next_code_point(text, i);
        char ascii = 0;
        auto piece = transliterate(cp, ascii);
        // An apostrophe joins the letters around it ("Kid's" -> "kids").
        if (cp == '\'' || cp == 0x2019) {
            continue;
        }
        if (piece.empty()) {
            pending_dash = !out.empty();
            continue;
        }
        if (pending_dash) {
            out.push_back('-');
            pending_dash = false;
        }
        out.append(piece);
        if (out.size() > max_length + 1) {
            break;
        }
    }
    return cut(std::move(out), max_length);
}

std::string with_suffix(std::string_view base, int n, std::size_t max_length) {
    auto suffix = "-" + std::to_string(n);
    if (suffix.size() >= max_length) {
        return suffix.substr(1);
    }
    std::string head{base.substr(0, std::min(base.size(), max_length - suffix.size()))};
    while (!head.empty() && head.back() == '-') {
        head.pop_back();
    }
    return head.empty() ? suffix.substr(1) : head + suffix;
}

bool is_handle(std::string_view s, std::size_t max_length) noexcept {
    if (s.empty() || s.size() > max_length || s.front() == '-' || s.back() == '-') {
        return false;
    }
    char prev = 0;
    for (char c : s) {
        bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!word && (c != '-' || prev == '-')) {
            return false;
        }
        prev = c;
    }
    return true;
}

int suffix_number(std::string_view handle, std::string_view base) noexcept {
    if (handle == base) {
        return 1;
    }
    if (handle.size() < base.size() + 2 || handle.substr(0, base.size()) != base ||
        handle[base.size()] != '-') {
        return 0;
    }
    auto digits = handle.substr(base.size() + 1);
    if (digits.size() > 9 || digits.front() == '0') {
        return 0;
    }
    int n = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') {
            return 0;
        }
        n = n * 10 + (c - '0');
    }
    return n >= 2 ? n : 0;
}

std::string first_free_handle(
    std::string_view base, const std::vector<std::string>& taken, std::size_t max_length
) {
    std::vector<int> used;
    used.reserve(taken.size());
    for (const auto& h : taken) {
        if (auto n = suffix_number(h, base); n > 0) {
            used.push_back(n);
        }
    }
    std::sort(used.begin(), used.end());
    if (used.empty() || used.front() != 1) {
        return std::string{base};
    }
    int n = 2;
    for (auto u : used) {
        if (u == n) {
            ++n;
        } else if (u > n) {
            break;
        }
    }
    return with_suffix(base, n, max_length);
}

}  // namespace core
