#include "modules/identity/policy.hpp"

#include <algorithm>
#include <cstdint>

namespace identity::policy {
namespace {

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

std::string ascii_lower(std::string_view s) {
    std::string out{s};
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

// Decodes UTF-8 into code points; nullopt when the text is not valid UTF-8 (JSON text always is).
std::optional<std::u32string> code_points(std::string_view s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = b < 0x80U            ? 1
                        : (b >> 5U) == 0x6U  ? 2
                        : (b >> 4U) == 0xEU  ? 3
                        : (b >> 3U) == 0x1EU ? 4
                                             : 0;
        if (n == 0 || i + n > s.size()) {
            return std::nullopt;
        }
        char32_t cp = n == 1 ? b : n == 2 ? (b & 0x1FU) : n == 3 ? (b & 0x0FU) : (b & 0x07U);
        for (std::size_t k = 1; k < n; ++k) {
            auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0U) != 0x80U) {
                return std::nullopt;
            }
            cp = (cp << 6U) | (c & 0x3FU);
        }
        out.push_back(cp);
        i += n;
    }
    return out;
}

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp < 0xA0); }

bool is_atext(char c) {
    static constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
    return is_ascii_alpha(c) || is_ascii_digit(c) || specials.find(c) != std::string_view::npos;
}

bool valid_label(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
        return false;
    }
    return std::all_of(label.begin(), label.end(), [](char c) {
        return is_ascii_alpha(c) || is_ascii_digit(c) || c == '-';
    });
}

}  // namespace

std::string normalise_email(std::string_view email) {
    auto b = email.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) {
        return {};
    }
    auto e = email.find_last_not_of(" \t\r\n");
    return ascii_lower(email.substr(b, e - b + 1));
}

std::optional<violation> check_email(std::string_view email) {
    const violation bad{"email", "must be an email address such as name@example.com"};
    if (email.size() > max_email_length) {
        return violation{
            "max_length", "must be at most " + std::to_string(max_email_length) + " characters"};
    }
    auto at = email.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == email.size()) {
        return bad;
    }
    auto local = email.substr(0, at);
    auto domain = email.substr(at + 1);
    if (local.size() > 64 || local.front() == '.' || local.back() == '.' ||
        local.find("..") != std::string_view::npos) {
        return bad;
    }
    if (!std::all_of(local.begin(), local.end(), [](char c) { return is_atext(c) || c == '.'; })) {
        return bad;
    }
    std::size_t labels = 0;
    std::string_view last;
    for (std::size_t from = 0;;) {
        auto dot = domain.find('.', from);
        auto label = domain.substr(
            from, dot == std::string_view::npos ? std::string_view::npos : dot - from
        );
        if (!valid_label(label)) {
            return bad;
        }
        ++labels;
        last = label;
        if (dot == std::string_view::npos) {
            break;
        }
        from = dot + 1;
    }
    bool alpha_tld = last.size() >= 2 && (std::all_of(last.begin(), last.end(), is_ascii_alpha) ||
                                          last.starts_with("xn--"));
    if (labels < 2 || !alpha_tld) {
        return bad;
    }
    return std::nullopt;
}

std::optional<violation> check_password(
    std::string_view password, std::string_view normalised_email
) {
    auto cps = code_points(password);
    if (!cps) {
        return violation{"encoding", "must be valid UTF-8"};
    }
    if (cps->size() < min_password_length) {
        return violation{
            "min_length",
            "must be at least " + std::to_string(min_password_length) + " characters"};
    }
    if (cps->size() > max_password_length) {
        return violation{
            "max_length", "must be at most " + std::to_string(max_password_length) + " characters"};
    }
    if (std::any_of(cps->begin(), cps->end(), is_control)) {
        return violation{"characters", "must not contain control characters"};
    }
    bool lower = false;
    bool upper = false;
    bool digit = false;
    bool other = false;
    for (char32_t cp : *cps) {
        lower = lower || (cp >= 'a' && cp <= 'z');
        upper = upper || (cp >= 'A' && cp <= 'Z');
        digit = digit || (cp >= '0' && cp <= '9');
        other = other ||
                !((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'));
    }
    if (static_cast<int>(lower) + static_cast<int>(upper) + static_cast<int>(digit) +
            static_cast<int>(other) <
        2) {
        return violation{
            "too_weak",
            "must mix at least two of: lower-case letters, upper-case letters, digits, other "
            "characters"};
    }
    if (!normalised_email.empty()) {
        auto lowered = ascii_lower(password);
        auto local = normalised_email.substr(0, normalised_email.find('@'));
        if (lowered == normalised_email || lowered == local) {
            return violation{"matches_email", "must not be your email address"};
        }
    }
    return std::nullopt;
}

std::optional<violation> check_name(std::string_view name) {
    auto cps = code_points(name);
    if (!cps) {
        return violation{"encoding", "must be valid UTF-8"};
    }
    if (cps->empty() ||
        std::all_of(cps->begin(), cps->end(), [](char32_t c) { return c == ' ' || c == '\t'; })) {
        return violation{"min_length", "must not be empty"};
    }
    if (cps->size() > max_name_length) {
        return violation{
            "max_length", "must be at most " + std::to_string(max_name_length) + " characters"};
    }
    if (std::any_of(cps->begin(), cps->end(), is_control)) {
        return violation{"characters", "must not contain control characters"};
    }
    return std::nullopt;
}

std::optional<violation> check_locale(std::string_view locale) {
    const violation bad{"locale", "must be a BCP 47 language tag such as en, de-DE or zh-Hant-TW"};
    if (locale.size() > max_locale_length) {
        return bad;
    }
    std::size_t index = 0;
    for (std::size_t from = 0;; ++index) {
        auto dash = locale.find('-', from);
        auto part = locale.substr(
            from, dash == std::string_view::npos ? std::string_view::npos : dash - from
        );
        bool ok = index == 0 ? (part.size() >= 2 && part.size() <= 3 &&
                                std::all_of(part.begin(), part.end(), is_ascii_alpha))
                             : (!part.empty() && part.size() <= 8 &&
                                std::all_of(part.begin(), part.end(), [](char c) {
                                    return is_ascii_alpha(c) || is_ascii_digit(c);
                                }));
        if (!ok) {
            return bad;
        }
        if (dash == std::string_view::npos) {
            break;
        }
        from = dash + 1;
    }
    return std::nullopt;
}

std::optional<violation> check_phone(std::string_view phone) {
    auto digits = phone.size() > 1 ? phone.substr(1) : std::string_view{};
    bool all_digits =
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!phone.starts_with('+') || digits.size() < 8 || digits.size() > 15 || !all_digits ||
        digits.front() == '0') {
        return violation{
            "e164", "must be an E.164 number: + and 8-15 digits, such as +4915112345678"};
    }
    return std::nullopt;
}

}  // namespace identity::policy
