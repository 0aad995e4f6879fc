// The rules for what users type in: email addresses, passwords, names and locales
// (docs/security.md).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace identity::policy {

inline constexpr std::size_t max_email_length = 254;
inline constexpr std::size_t min_password_length = 10;  // code points
inline constexpr std::size_t max_password_length = 128;
inline constexpr std::size_t max_name_length = 100;
inline constexpr std::size_t max_locale_length = 35;

// What is stored and compared: surrounding whitespace removed, ASCII letters lower-cased.
std::string normalise_email(std::string_view email);

// A problem with a value, as a field error code and message; nullopt when it passes.
struct violation {
    std::string code;
    std::string message;
};

// A normalised address: local@domain, the local part dot-atom ASCII (1-64 chars), the domain two or
// more DNS labels with an alphabetic top-level label (internationalised domains in their xn--
// form).
std::optional<violation> check_email(std::string_view email);

// 10-128 code points, no control characters, at least two of: lower-case, upper-case, digits, other
// characters; not the email address or its local part (compared case-insensitively).
std::optional<violation> check_password(
    std::string_view password, std::string_view normalised_email
);

// 1-100 code points without control characters, not only whitespace.
std::optional<violation> check_name(std::string_view name);

// E.164: `+`, then 8-15 digits, the first not 0.
std::optional<violation> check_phone(std::string_view phone);

// A BCP 47 language tag such as en, de-DE or zh-Hant-TW.
std::optional<violation> check_locale(std::string_view locale);

}  // namespace identity::policy
