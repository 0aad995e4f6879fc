#include "modules/customer/validation.hpp"

#include <algorithm>

#include "core/ids.hpp"

namespace customer {
namespace {

namespace json = core::json;

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    });
}

const boost::json::value* raw(const boost::json::value& body, std::string_view key) {
    const auto* o = body.if_object();
    return o == nullptr ? nullptr : o->if_contains(key);
}

// Fields that must not be null (required ones in a POST, non-clearable ones in a PATCH): the
// readers treat null as absent, so a null is reported (and consumed) here first.
void refuse_nulls(
    json::validator& v,
    json::object_reader& o,
    const boost::json::value& body,
    std::initializer_list<std::string_view> keys
) {
    for (auto key : keys) {
        const auto* value = raw(body, key);
        if (value != nullptr && value->is_null()) {
            (void)o.optional_any(key);
            v.add("/" + std::string{key}, "type", "must not be null");
        }
    }
}

void check_blank(
    json::validator& v, const std::string& pointer, const std::optional<std::string>& s
) {
    if (s && !s->empty() && blank(*s)) {
        v.add(pointer, "blank", "must not be blank");
    }
}

void check_country(json::validator& v, const std::optional<std::string>& c) {
    if (c && c->size() == 2 && !is_country(*c)) {
        v.add("/country", "pattern", "must be an ISO 3166-1 alpha-2 code in upper case (DE)");
    }
}

void check_phone(json::validator& v, const std::optional<std::string>& p) {
    if (p && !is_phone(*p)) {
        v.add("/phone", "format", "must be an E.164 phone number (+4930123456)");
    }
}

// {lat, lng} in WGS 84 degrees, both required and within range.
std::optional<vendor::location> location_of(
    json::validator& v, json::object_reader& o, const boost::json::value& body, bool required
) {
    auto reader =
        required ? std::optional{o.required_object("location")} : o.optional_object("location");
    if (!reader || !reader->valid()) {
        return std::nullopt;
    }
    auto& l = *reader;
    const auto& fields = raw(body, "location")->get_object();
    bool complete = true;
    for (std::string_view key : {"lat", "lng"}) {
        const auto* value = fields.if_contains(key);
        if (value != nullptr && value->is_null()) {
            v.add("/location/" + std::string{key}, "type", "must be a number, not null");
            complete = false;
        } else if (value == nullptr) {
            complete = false;  // required_number below reports it
        }
    }
    vendor::location out;
    out.lat = l.required_number("lat", {.min = -90, .max = 90});
    out.lng = l.required_number("lng", {.min = -180, .max = 180});
    l.done();
    // Out-of-range values are reported by the readers; the caller refuses the body then.
    return complete ? std::optional{out} : std::nullopt;
}

const json::string_rule label_rule{.min_length = 1, .max_length = limits::label};
const json::string_rule name_rule{.min_length = 1, .max_length = limits::name};
const json::string_rule line_rule{.min_length = 1, .max_length = limits::address_line};
const json::string_rule optional_line_rule{.max_length = limits::address_line};
const json::string_rule city_rule{.min_length = 1, .max_length = limits::city};
const json::string_rule postal_rule{.min_length = 1, .max_length = limits::postal_code};
const json::string_rule country_rule{.min_length = 2, .max_length = 2};
const json::string_rule phone_rule{.min_length = 1, .max_length = 16};
const json::string_rule id_rule{.min_length = 1, .max_length = 64};
const json::string_rule title_rule{.min_length = 1, .max_length = limits::review_title};
const json::string_rule review_body_rule{.min_length = 1, .max_length = limits::review_body};
const json::string_rule reply_rule{.min_length = 1, .max_length = limits::reply_body};

}  // namespace

bool is_country(std::string_view s) noexcept {
    return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

bool is_phone(std::string_view s) noexcept {
    if (s.size() < 9 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') {
        return false;
    }
    return std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

core::result<address_input> parse_address(const boost::json::value& body) {
    json::validator v{body};
    auto o = v.root();
    address_input a;
    if (!o.valid()) {
        return v.error();
    }
    // Required strings report a null themselves; these readers would take it for "absent".
    refuse_nulls(v, o, body, {"location", "is_default"});
    a.label = o.required_string("label", label_rule);
    a.name = o.required_string("name", name_rule);
    a.line1 = o.required_string("line1", line_rule);
    a.line2 = o.optional_string("line2", optional_line_rule);
    a.city = o.required_string("city", city_rule);
    a.postal_code = o.optional_string("postal_code", postal_rule);
    a.country = o.required_string("country", country_rule);
    a.phone = o.optional_string("phone", phone_rule);
    auto location = location_of(v, o, body, true);
    a.is_default = o.optional_bool("is_default").value_or(false);
    o.done();
    check_blank(v, "/label", a.label);
    check_blank(v, "/name", a.name);
    check_blank(v, "/line1", a.line1);
    check_blank(v, "/line2", a.line2);
    check_blank(v, "/city", a.city);
    check_blank(v, "/postal_code", a.postal_code);
    check_country(v, a.country);
    check_phone(v, a.phone);
    if (!v.ok()) {
        return v.error();
    }
    if (location) {
        a.location = *location;
    }
    if (a.line2 && a.line2->empty()) {
        a.line2.reset();
    }
    return a;
}

core::result<address_patch> parse_address_patch(const boost::json::value& body) {
    json::validator v{body};
    auto o = v.root();
    address_patch p;
    if (!o.valid()) {
        return v.error();
    }
    refuse_nulls(
        v, o, body, {"label", "name", "line1", "city", "country", "location", "is_default"}
    );
    p.label = o.optional_string("label", label_rule);
    p.name = o.optional_string("name", name_rule);
    p.line1 = o.optional_string("line1", line_rule);
    p.line2 = o.patch_string("line2", optional_line_rule);
    p.city = o.optional_string("city", city_rule);
    p.postal_code = o.patch_string("postal_code", postal_rule);
    p.country = o.optional_string("country", country_rule);
    p.phone = o.patch_string("phone", phone_rule);
    p.location = location_of(v, o, body, false);
    p.is_default = o.optional_bool("is_default");
    o.done();
    check_blank(v, "/label", p.label);
    check_blank(v, "/name", p.name);
    check_blank(v, "/line1", p.line1);
    check_blank(v, "/line2", p.line2.value);
    check_blank(v, "/city", p.city);
    check_blank(v, "/postal_code", p.postal_code.value);
    check_country(v, p.country);
    check_phone(v, p.phone.value);
    if (p.is_default && !*p.is_default) {
        v.add(
            "/is_default", "enum",
            "can only be true: make another address the default instead of unsetting this one"
        );
    }
    if (!v.ok()) {
        return v.error();
    }
    if (p.line2.value && p.line2.value->empty()) {
        p.line2.value.reset();
    }
    return p;
}

core::result<review_input> parse_review(const boost::json::value& body) {
    json::validator v{body};
    auto o = v.root();
    review_input r;
    if (!o.valid()) {
        return v.error();
    }
    refuse_nulls(v, o, body, {"rating"});
    r.order_id = o.required_string("order_id", id_rule);
    r.product_id = o.required_string("product_id", id_rule);
    r.rating = static_cast<int>(o.required_int("rating", {.min = 1, .max = 5}));
    r.title = o.optional_string("title", title_rule);
    r.body = o.required_string("body", review_body_rule);
    o.done();
    if (!r.order_id.empty() && !core::is_id(r.order_id, "ord")) {
        v.add("/order_id", "format", "must be an order id (ord_...)");
    }
    if (!r.product_id.empty() && !core::is_id(r.product_id, "prod")) {
        v.add("/product_id", "format", "must be a product id (prod_...)");
    }
    check_blank(v, "/title", r.title);
    check_blank(v, "/body", r.body);
    if (!v.ok()) {
        return v.error();
    }
    return r;
}

core::result<review_patch> parse_review_patch(const boost::json::value& body) {
    json::validator v{body};
    auto o = v.root();
    review_patch p;
    if (!o.valid()) {
        return v.error();
    }
    refuse_nulls(v, o, body, {"rating", "body"});
    if (auto rating = o.optional_int("rating", {.min = 1, .max = 5})) {
        p.rating = static_cast<int>(*rating);
    }
    p.title = o.patch_string("title", title_rule);
    p.body = o.optional_string("body", review_body_rule);
    o.done();
    check_blank(v, "/title", p.title.value);
    check_blank(v, "/body", p.body);
    if (!v.ok()) {
        return v.error();
    }
    return p;
}

core::result<std::string> parse_reply(const boost::json::value& body) {
    json::validator v{body};
    auto o = v.root();
    if (!o.valid()) {
        return v.error();
    }
    auto text = o.required_string("body", reply_rule);
    o.done();
    check_blank(v, "/body", text);
    if (!v.ok()) {
        return v.error();
    }
    return text;
}

}  // namespace customer
