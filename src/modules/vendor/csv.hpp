// CSV text (RFC 4180) as the catalog import reads it and the export writes it: quoted fields,
// doubled quotes, CRLF or LF line ends, line breaks inside quotes, an optional UTF-8 BOM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vendor::csv {

// One record; `row` counts records from 1 (the header), as a spreadsheet numbers its rows, so a
// record with a line break inside quotes is still one row.
struct record {
    std::int64_t row = 0;
    std::vector<std::string> cells;
};

struct table {
    std::vector<std::string> header;
    std::vector<record> records;  // blank lines left out
};

// Where the text stops being CSV.
struct syntax_error {
    std::int64_t row = 0;
    std::int64_t column = 0;  // 1-based cell of the row
    std::string message;
};

// Parses the whole text. Fails with a syntax_error on a quote inside an unquoted field, text
// after a closing quote, an unterminated quoted field, invalid UTF-8 or a NUL byte, and when
// there are more than `max_records` records after the header.
std::variant<table, syntax_error> parse(std::string_view text, std::size_t max_records);

// Appends one record, quoting cells that need it, ended by CRLF.
void append_record(std::string& out, const std::vector<std::string>& cells);

// True when `text` is valid UTF-8 (no overlong forms or surrogates).
bool is_utf8(std::string_view text) noexcept;

}  // namespace vendor::csv
