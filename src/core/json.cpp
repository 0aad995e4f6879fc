#include "core/json.hpp"

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

namespace core::json {
namespace {

std::size_t utf8_length(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

std::string type_name(const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::null:
            return "null";
        case boost::json::kind::bool_:
            return "boolean";
        case boost::json::kind::int64:
        case boost::json::kind::uint64:
            return "integer";
        case boost::json::kind::double_:
            return "number";
        case boost::json::kind::string:
            return "string";
        case boost::json::kind::array:
            return "array";
        case boost::json::kind::object:
            return "object";
    }
    return "value";
}

}  // namespace

result<boost::json::value> parse(std::string_view text, std::size_t max_depth) {
    boost::json::parse_options opts;
    opts.max_depth = max_depth;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec, {}, opts);
    if (ec) {
        return fail(errc::bad_request, "request body is not valid JSON: " + ec.message());
    }
    return v;
}

std::string pointer_escape(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

object_reader validator::root() {
    if (!root_.is_object()) {
        add("", "type", "must be a JSON object");
        return object_reader{*this, nullptr, ""};
    }
    return object_reader{*this, &root_.get_object(), ""};
}

void validator::add(std::string pointer, std::string code, std::string message) {
    errors_.push_back({std::move(pointer), std::move(code), std::move(message)});
}

core::error validator::error() const {
    auto n = errors_.size();
    return core::error{
        errc::invalid, n == 1 ? "1 field is invalid" : std::to_string(n) + " fields are invalid",
        errors_};
}

object_reader::object_reader(validator& v, const boost::json::object* obj, std::string pointer)
    : v_(&v), obj_(obj), pointer_(std::move(pointer)) {}

bool object_reader::has(std::string_view key) const { return obj_ && obj_->contains(key); }

std::string object_reader::child(std::string_view key) const {
    return pointer_ + "/" + pointer_escape(key);
}

const boost::json::value* object_reader::take(std::string_view key, bool required) {
    if (!obj_) {
        return nullptr;
    }
    seen_.emplace_back(key);
    const auto* v = obj_->if_contains(key);
    if (!v) {
        if (required) {
            v_->add(child(key), "required", "is required");
        }
        return nullptr;
    }
    return v;
}

namespace {

bool check_string(
    validator& v, const std::string& ptr, std::string_view s, const string_rule& rule
) {
    auto len = utf8_length(s);
    if (len < rule.min_length) {
        v.add(
            ptr, "min_length",
            rule.min_length == 1
                ? "must not be empty"
                : "must be at least " + std::to_string(rule.min_length) + " characters"
        );
        return false;
    }
    if (len > rule.max_length) {
        v.add(
            ptr, "max_length", "must be at most " + std::to_string(rule.max_length) + " characters"
        );
        return false;
    }
    if (!rule.one_of.empty() &&
        std::find(rule.one_of.begin(), rule.one_of.end(), s) == rule.one_of.end()) {
        std::string allowed;
        for (auto a : rule.one_of) {
            allowed += allowed.empty() ? "" : ", ";
            allowed += a;
        }
        v.add(ptr, "enum", "must be one of: " + allowed);
        return false;
    }
    return true;
}

}  // namespace

std::optional<std::string> object_reader::optional_string(
    std::string_view key, const string_rule& rule
) {
    const auto* v = take(key, false);
    if (!v || v->is_null()) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        v_->add(child(key), "type", "must be a string, not " + type_name(*v));
        return std::nullopt;
    }
    std::string_view s = v->get_string();
    if (!check_string(*v_, child(key), s, rule)) {
        return std::nullopt;
    }
    return std::string{s};
}

std::string object_reader::required_string(std::string_view key, const string_rule& rule) {
    const auto* v = take(key, true);
    if (!v) {
        return {};
    }
    if (!v->is_string()) {
        v_->add(child(key), "type", "must be a string, not " + type_name(*v));
        return {};
    }
    std::string_view s = v->get_string();
    check_string(*v_, child(key), s, rule);
    return std::string{s};
}

patch<std::string> object_reader::patch_string(std::string_view key, const string_rule& rule) {
    patch<std::string> out;
    const auto* v = take(key, false);
    if (!v) {
        return out;
    }
    out.present = true;
    if (v->is_null()) {
        return out;
    }
    if (!v->is_string()) {
        v_->add(child(key), "type", "must be a string or null, not " + type_name(*v));
        return out;
    }
    std::string_view s = v->get_string();
    if (check_string(*v_, child(key), s, rule)) {
        out.value = std::string{s};
    }
    return out;
}

std::optional<std::int64_t> object_reader::optional_int(
    std::string_view key, const int_rule& rule
) {
    const auto* v = take(key, false);
    if (!v || v->is_null()) {
        return std::nullopt;
    }
    std::int64_t n = 0;
    if (v->is_int64()) {
        n = v->get_int64();
    } else if (v->is_uint64()) {
        v_->add(child(key), "maximum", "must be at most " + std::to_string(rule.max));
        return std::nullopt;
    } else {
        v_->add(child(key), "type", "must be an integer, not " + type_name(*v));
        return std::nullopt;
    }
    if (n < rule.min) {
        v_->add(child(key), "minimum", "must be >= " + std::to_string(rule.min));
        return std::nullopt;
    }
    if (n > rule.max) {
        v_->add(child(key), "maximum", "must be <= " + std::to_string(rule.max));
        return std::nullopt;
    }
    return n;
}

std::int64_t object_reader::required_int(std::string_view key, const int_rule& rule) {
    if (obj_ && !obj_->contains(key)) {
        take(key, true);
        return 0;
    }
    return optional_int(key, rule).value_or(0);
}

std::optional<double> object_reader::optional_number(
    std::string_view key, const number_rule& rule
) {
    const auto* v = take(key, false);
    if (!v || v->is_null()) {
        return std::nullopt;
    }
    if (!v->is_number()) {
        v_->add(child(key), "type", "must be a number, not " + type_name(*v));
        return std::nullopt;
    }
    double d = v->to_number<double>();
    if (d < rule.min) {
        v_->add(child(key), "minimum", "must be >= " + std::to_string(rule.min));
        return std::nullopt;
    }
    if (d > rule.max) {
        v_->add(child(key), "maximum", "must be <= " + std::to_string(rule.max));
        return std::nullopt;
    }
    return d;
}

double object_reader::required_number(std::string_view key, const number_rule& rule) {
    if (obj_ && !obj_->contains(key)) {
        take(key, true);
        return 0;
    }
    return optional_number(key, rule).value_or(0);
}

std::optional<bool> object_reader::optional_bool(std::string_view key) {
    const auto* v = take(key, false);
    if (!v || v->is_null()) {
        return std::nullopt;
    }
    if (!v->is_bool()) {
        v_->add(child(key), "type", "must be a boolean, not " + type_name(*v));
        return std::nullopt;
    }
    return v->get_bool();
}

bool object_reader::required_bool(std::string_view key) {
    if (obj_ && !obj_->contains(key)) {
        take(key, true);
        return false;
    }
    return optional_bool(key).value_or(false);
}

std::optional<object_reader> object_reader::optional_object(std::string_view key) {
    const auto* v = take(key, false);
    if (!v || v->is_null()) {
        return std::nullopt;
    }
    if (!v->is_object()) {
        v_->add(child(key), "type", "must be an object, not " + type_name(*v));
        return object_reader{*v_, nullptr, child(key)};
    }
    return object_reader{*v_, &v->get_object(), child(key)};
}

object_reader object_reader::required_object(std::string_view key) {
    if (obj_ && !obj_->contains(key)) {
        take(key, true);
        return object_reader{*v_, nullptr, child(key)};
    }
    auto r = optional_object(key);
    return r ? std::move(*r) : object_reader{*v_, nullptr, child(key)};
}

std::vector<object_reader> object_reader::required_objects(
    std::string_view key, std::size_t min_items, std::size_t max_items
) {
    std::vector<object_reader> out;
    const auto* v = take(key, min_items > 0);
    if (!v) {
        return out;
    }
    if (!v->is_array()) {
        v_->add(child(key), "type", "must be an array, not " + type_name(*v));
        return out;
    }
    const auto& arr = v->get_array();
    if (arr.size() < min_items) {
        v_->add(
            child(key), "min_items", "must have at least " + std::to_string(min_items) + " items"
        );
    }
    if (arr.size() > max_items) {
        v_->add(
            child(key), "max_items", "must have at most " + std::to_string(max_items) + " items"
        );
        return out;
    }
    for (std::size_t i = 0; i < arr.size(); ++i) {
        auto ptr = child(key) + "/" + std::to_string(i);
        if (!arr[i].is_object()) {
            v_->add(ptr, "type", "must be an object, not " + type_name(arr[i]));
            continue;
        }
        out.emplace_back(*v_, &arr[i].get_object(), ptr);
    }
    return out;
}

std::vector<std::string> object_reader::string_array(
    std::string_view key,
    std::size_t min_items,
    std::size_t max_items,
    const string_rule& rule,
    bool required
) {
    std::vector<std::string> out;
    const auto* v = take(key, required);
    if (!v || (!required && v->is_null())) {
        return out;
    }
    if (!v->is_array()) {
        v_->add(child(key), "type", "must be an array, not " + type_name(*v));
        return out;
    }
    const auto& arr = v->get_array();
    if (arr.size() < min_items) {
        v_->add(
            child(key), "min_items", "must have at least " + std::to_string(min_items) + " items"
        );
    }
    if (arr.size() > max_items) {
        v_->add(
            child(key), "max_items", "must have at most " + std::to_string(max_items) + " items"
        );
        return out;
    }
    for (std::size_t i = 0; i < arr.size(); ++i) {
        auto ptr = child(key) + "/" + std::to_string(i);
        if (!arr[i].is_string()) {
            v_->add(ptr, "type", "must be a string, not " + type_name(arr[i]));
            continue;
        }
        std::string_view s = arr[i].get_string();
        if (check_string(*v_, ptr, s, rule)) {
            out.emplace_back(s);
        }
    }
    return out;
}

std::optional<boost::json::value> object_reader::optional_any(
    std::string_view key, std::size_t max_serialized
) {
    const auto* v = take(key, false);
    if (!v || v->is_null()) {
        return std::nullopt;
    }
    if (boost::json::serialize(*v).size() > max_serialized) {
        v_->add(
            child(key), "max_size",
            "must be at most " + std::to_string(max_serialized) + " bytes of JSON"
        );
        return std::nullopt;
    }
    return *v;
}

void object_reader::done() {
    if (!obj_) {
        return;
    }
    for (const auto& kv : *obj_) {
        if (std::find(seen_.begin(), seen_.end(), kv.key()) == seen_.end()) {
            v_->add(child(kv.key()), "unknown_field", "is not a known field");
        }
    }
}

void append_escaped(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::size_t plain = 0;  // start of the run of characters copied as they are
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        out.append(text.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += "\\u00";
                out.push_back(hex[c >> 4U]);
                out.push_back(hex[c & 0xFU]);
        }
    }
    out.append(text.data() + plain, text.size() - plain);
}

void writer::separate() {
    if (!first_) {
        out_.push_back(',');
    }
    first_ = false;
}

writer& writer::begin_object() {
    separate();
    out_.push_back('{');
    first_ = true;
    return *this;
}

writer& writer::end_object() {
    out_.push_back('}');
    first_ = false;
    return *this;
}

writer& writer::begin_array() {
    separate();
    out_.push_back('[');
    first_ = true;
    return *this;
}

writer& writer::end_array() {
    out_.push_back(']');
    first_ = false;
    return *this;
}

writer& writer::key(std::string_view name) {
    separate();
    out_.push_back('"');
    append_escaped(out_, name);
    out_ += "\":";
    first_ = true;  // the value that follows takes no comma
    return *this;
}

writer& writer::string(std::string_view text) {
    separate();
    out_.push_back('"');
    append_escaped(out_, text);
    out_.push_back('"');
    return *this;
}

writer& writer::string_or_null(const std::optional<std::string>& text) {
    return text ? string(*text) : null();
}

writer& writer::number(std::int64_t n) {
    separate();
    std::array<char, 24> buf{};
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), n);
    out_.append(buf.data(), end);
    return *this;
}

writer& writer::number(double n) {
    if (!std::isfinite(n)) {
        return null();  // JSON has no NaN or infinity
    }
    separate();
    std::array<char, 32> buf{};
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), n);
    out_.append(buf.data(), end);
    return *this;
}

writer& writer::boolean(bool b) {
    separate();
    out_ += b ? "true" : "false";
    return *this;
}

writer& writer::null() {
    separate();
    out_ += "null";
    return *this;
}

writer& writer::raw(std::string_view json) {
    separate();
    out_ += json;
    return *this;
}

}  // namespace core::json
