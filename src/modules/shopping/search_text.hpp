// How the storefront turns text into search terms, the same way on both profiles: products are
// tokenised here before they reach SQLite FTS5 or a PostgreSQL tsvector, and queries are turned
// into each engine's expression from the same terms, so both find the same products.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace shopping::search_text {

// Longest token kept, in bytes (longer ones are cut at a code point boundary).
inline constexpr std::size_t max_token_bytes = 64;

// Lower-case tokens of `text`: letters and digits, Latin diacritics folded (é -> e, ß -> ss),
// apostrophes dropped (men's -> mens), everything else a separator. Not stemmed.
std::vector<std::string> raw_tokens(std::string_view text);

// English plural stemming (S-stemmer): shirts -> shirt, dresses -> dress, berries -> berry. Only
// ASCII words of four letters or more change.
std::string stem(std::string_view token);

// raw_tokens() stemmed, joined by single spaces: the form stored in the index.
std::string index_text(std::string_view text);

// Restricted Damerau-Levenshtein distance (insert, delete, substitute, swap two neighbours) over
// code points; anything above `limit` is reported as limit + 1.
int edit_distance(std::string_view a, std::string_view b, int limit);

// Typos tolerated in a word of `length` code points: none below 4, one up to 7, then two.
int typo_budget(std::size_t length);

std::size_t code_points(std::string_view s);

// The first code point of `s` as UTF-8 (empty for an empty string).
std::string first_code_point(std::string_view s);

// An upper bound for a range scan of every string starting with `prefix`: prefix + U+10FFFF, which
// sorts after any valid UTF-8 continuation and is itself valid UTF-8 (PostgreSQL checks).
std::string prefix_upper_bound(std::string_view prefix);

// One word of a query. It matches an indexed term equal to `stemmed`, or starting with `raw`
// (prefix matching, from two characters), or, once corrected, one of `corrections`.
struct term {
    std::string raw;
    std::string stemmed;
    std::vector<std::string> corrections;  // replaces the above when not empty

    bool prefix() const;
};

struct query {
    std::vector<term> terms;  // every term must match (AND)

    bool empty() const noexcept { return terms.empty(); }
    // The words as understood, space separated (cache keys; the corrected query shown to clients).
    std::string text() const;
};

// The terms of a query string; words beyond `max_terms` are ignored, repeats are dropped.
query parse(std::string_view q, std::size_t max_terms);

// SQLite FTS5 MATCH expression: ("shirt" OR "shirts"*) AND "blu"*
std::string fts5_expression(const query& q);
// PostgreSQL tsquery literal (cast with ::tsquery, no parser involved): ('shirt' | 'shirts':*)
std::string tsquery_expression(const query& q);

// Text of one product for the index, one entry per weighted field.
struct document_text {
    std::string title;       // weight A
    std::string tags;        // weight B
    std::string attributes;  // weight C
    std::string vendor;      // weight B
    std::string body;        // weight D
};

// A PostgreSQL tsvector literal of the fields' tokens with their positions and weights.
std::string tsvector_literal(const document_text& fields);

// Every distinct token of the fields, sorted: the vocabulary entries of one product.
std::vector<std::string> distinct_terms(const document_text& fields);

}  // namespace shopping::search_text
