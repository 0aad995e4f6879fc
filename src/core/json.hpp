// The one way request bodies are validated: typed readers that collect every field error with its
// JSON pointer. Unknown fields are rejected (API.md), so client typos surface at once.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace core::json {

// Parses JSON text with a depth limit; `bad_request` naming the position when malformed.
result<boost::json::value> parse(std::string_view text, std::size_t max_depth = 32);

struct string_rule {
    std::size_t min_length = 0;  // in UTF-8 code points
    std::size_t max_length = 1000;
    std::vector<std::string_view> one_of;  // empty = any
};

struct int_rule {
    std::int64_t min = std::numeric_limits<std::int64_t>::min();
    std::int64_t max = std::numeric_limits<std::int64_t>::max();
};

struct number_rule {
    double min = -std::numeric_limits<double>::max();
    double max = std::numeric_limits<double>::max();
};

// PATCH semantics: absent stays, null clears, a value sets.
template <class T>
struct patch {
    bool present = false;
    std::optional<T> value;  // nullopt with present = cleared
};

class validator;

// Reads one JSON object; every call records which keys were consumed, done() reports the rest.
class object_reader {
public:
    object_reader(validator& v, const boost::json::object* obj, std::string pointer);

    bool valid() const noexcept { return obj_ != nullptr; }
    bool has(std::string_view key) const;

    std::string required_string(std::string_view key, const string_rule& rule = {});
    std::optional<std::string> optional_string(std::string_view key, const string_rule& rule = {});
    patch<std::string> patch_string(std::string_view key, const string_rule& rule = {});

    std::int64_t required_int(std::string_view key, const int_rule& rule = {});
    std::optional<std::int64_t> optional_int(std::string_view key, const int_rule& rule = {});

    double required_number(std::string_view key, const number_rule& rule = {});
    std::optional<double> optional_number(std::string_view key, const number_rule& rule = {});

    bool required_bool(std::string_view key);
    std::optional<bool> optional_bool(std::string_view key);

    object_reader required_object(std::string_view key);
    std::optional<object_reader> optional_object(std::string_view key);

    std::vector<object_reader> required_objects(
        std::string_view key, std::size_t min_items, std::size_t max_items
    );
    std::vector<std::string> string_array(
        std::string_view key,
        std::size_t min_items,
        std::size_t max_items,
        const string_rule& rule = {},
        bool required = false
    );
    // A free-form JSON value (attributes, metadata); only its size is bounded.
    std::optional<boost::json::value> optional_any(
        std::string_view key, std::size_t max_serialized = 16 * 1024
    );

    // Reports keys that no call above consumed.
    void done();

    const std::string& pointer() const noexcept { return pointer_; }

private:
    const boost::json::value* take(std::string_view key, bool required);
    std::string child(std::string_view key) const;

    validator* v_;
    const boost::json::object* obj_;
    std::string pointer_;
    std::vector<std::string> seen_;
};

// Collects field errors over a whole body.
class validator {
public:
    explicit validator(const boost::json::value& root) : root_(root) {}

    // The body's top-level object (an error when the body is not an object).
    object_reader root();

    void add(std::string pointer, std::string code, std::string message);
    bool ok() const noexcept { return errors_.empty(); }
    // `invalid` (422) with every field error.
    core::error error() const;

private:
    const boost::json::value& root_;
    std::vector<field_error> errors_;
};

// Escapes a key for use in a JSON pointer (RFC 6901).
std::string pointer_escape(std::string_view key);

// Appends `text` to `out` as the inside of a JSON string (quotes not included), for code that
// writes JSON text directly instead of building a value first.
void append_escaped(std::string& out, std::string_view text);

// Writes JSON text straight into a string, for documents rendered on hot paths: no value tree
// to allocate, serialise and free. Members and elements are separated by the writer; the caller
// only nests begin/end calls correctly.
//
//   std::string out;
//   core::json::writer w{out};
//   w.begin_object().key("id").string(id).key("quantity").number(3).end_object();
class writer {
public:
    explicit writer(std::string& out) : out_(out) {}

    writer& begin_object();
    writer& end_object();
    writer& begin_array();
    writer& end_array();
    writer& key(std::string_view name);
    writer& string(std::string_view text);
    writer& string_or_null(const std::optional<std::string>& text);
    writer& number(std::int64_t n);
    writer& number(double n);
    writer& boolean(bool b);
    writer& null();
    // A value that is JSON text already (a stored document, a serialised object).
    writer& raw(std::string_view json);

private:
    void separate();

    std::string& out_;
    bool first_ = true;  // nothing written yet in the current object or array, or a key just was
};

}  // namespace core::json
