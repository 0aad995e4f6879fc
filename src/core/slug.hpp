// URL handles made from names ("Café Müller" -> "cafe-mueller"), shared by every module that gives
// its objects readable, unique handles (categories, stores, products).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace core {

// Lower-case ASCII letters and digits separated by single dashes. Common Latin letters are
// transliterated (ä -> ae, é -> e, ß -> ss); anything else separates words. Cut at a word boundary
// when possible so the result has at most `max_length` characters; empty when nothing is left.
std::string slugify(std::string_view text, std::size_t max_length = 100);

// `base` with the suffix -n (n >= 2), shortened so the whole fits in `max_length`:
// ("red-shirt", 3) -> "red-shirt-3".
std::string with_suffix(std::string_view base, int n, std::size_t max_length = 100);

// True when `s` is a handle as slugify makes them: 1-`max_length` characters of [a-z0-9] words
// joined by single dashes.
bool is_handle(std::string_view s, std::size_t max_length = 100) noexcept;

// `base` itself when no handle in `taken` claims it, else base-n with the smallest free n >= 2.
// `taken` is every existing handle equal to `base` or starting with `base-`.
std::string first_free_handle(
    std::string_view base, const std::vector<std::string>& taken, std::size_t max_length = 100
);

// The n of a handle that is `base` followed by -n, or 1 when it is `base` itself; 0 otherwise.
int suffix_number(std::string_view handle, std::string_view base) noexcept;

}  // namespace core
