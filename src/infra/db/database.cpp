#include "infra/db/database.hpp"

#include <charconv>
#include <stdexcept>

namespace infra::db {
namespace {

[[noreturn]] void bad_access(std::string_view what) { throw std::logic_error(std::string{what}); }

std::int64_t to_int(const cell& c) {
    if (const auto* i = std::get_if<std::int64_t>(&c)) {
        return *i;
    }
    if (const auto* d = std::get_if<double>(&c)) {
        return static_cast<std::int64_t>(*d);
    }
    if (const auto* s = std::get_if<std::string>(&c)) {
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
        if (ec != std::errc{} || p != s->data() + s->size()) {
            bad_access("column is not an integer");
        }
        return v;
    }
    bad_access("NULL read as integer");
}

double to_double(const cell& c) {
    if (const auto* d = std::get_if<double>(&c)) {
        return *d;
    }
    if (const auto* i = std::get_if<std::int64_t>(&c)) {
        return static_cast<double>(*i);
    }
    if (const auto* s = std::get_if<std::string>(&c)) {
        try {
            return std::stod(*s);
        } catch (const std::exception&) {
            bad_access("column is not a number");
        }
    }
    bad_access("NULL read as double");
}

bool to_bool(const cell& c) {
    if (const auto* i = std::get_if<std::int64_t>(&c)) {
        return *i != 0;
    }
    if (const auto* s = std::get_if<std::string>(&c)) {
        if (*s == "t" || *s == "true" || *s == "1") {
            return true;
        }
        if (*s == "f" || *s == "false" || *s == "0") {
            return false;
        }
        bad_access("column is not a boolean");
    }
    bad_access("NULL read as boolean");
}

std::string to_text(const cell& c) {
    if (const auto* s = std::get_if<std::string>(&c)) {
        return *s;
    }
    if (const auto* i = std::get_if<std::int64_t>(&c)) {
        return std::to_string(*i);
    }
    if (const auto* d = std::get_if<double>(&c)) {
        return std::to_string(*d);
    }
    bad_access("NULL read as text");
}

template <class T>
T convert(const cell& c) {
    if constexpr (std::is_same_v<T, std::int64_t>) {
        return to_int(c);
    } else if constexpr (std::is_same_v<T, int>) {
        return static_cast<int>(to_int(c));
    } else if constexpr (std::is_same_v<T, double>) {
        return to_double(c);
    } else if constexpr (std::is_same_v<T, bool>) {
        return to_bool(c);
    } else {
        static_assert(std::is_same_v<T, std::string>);
        return to_text(c);
    }
}

template <class T>
struct optional_of {
    using type = void;
};
template <class T>
struct optional_of<std::optional<T>> {
    using type = T;
};

}  // namespace

const cell& row::at(std::size_t col) const {
    if (col >= set_->columns_.size()) {
        bad_access("column index out of range");
    }
    return set_->cells_[index_ * set_->columns_.size() + col];
}

bool row::is_null(std::size_t col) const { return at(col).index() == 0; }
bool row::is_null(std::string_view col) const { return is_null(column_index(col)); }

std::size_t row::column_index(std::string_view name) const {
    const auto& cols = set_->columns_;
    for (std::size_t i = 0; i < cols.size(); ++i) {
        if (cols[i] == name) {
            return i;
        }
    }
    bad_access("no such column: " + std::string{name});
}

template <class T>
T row::get(std::size_t col) const {
    const cell& c = at(col);
    using inner = typename optional_of<T>::type;
    if constexpr (!std::is_void_v<inner>) {
        if (c.index() == 0) {
            return std::nullopt;
        }
        return convert<inner>(c);
    } else {
        return convert<T>(c);
    }
}

template std::int64_t row::get<std::int64_t>(std::size_t) const;
template int row::get<int>(std::size_t) const;
template double row::get<double>(std::size_t) const;
template bool row::get<bool>(std::size_t) const;
template std::string row::get<std::string>(std::size_t) const;
template std::optional<std::int64_t> row::get<std::optional<std::int64_t>>(std::size_t) const;
template std::optional<int> row::get<std::optional<int>>(std::size_t) const;
template std::optional<double> row::get<std::optional<double>>(std::size_t) const;
template std::optional<bool> row::get<std::optional<bool>>(std::size_t) const;
template std::optional<std::string> row::get<std::optional<std::string>>(std::size_t) const;

}  // namespace infra::db
