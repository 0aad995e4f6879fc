#include "modules/vendor/validation.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/ids.hpp"
#include "core/slug.hpp"

namespace vendor {
namespace {

namespace json = core::json;

using json::int_rule;
using json::string_rule;

const string_rule category_id_rule{.min_length = 1, .max_length = 64};

bool blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    });
}

std::string lower_trimmed(std::string_view s) {
    auto b = s.find_first_not_of(" \t");
    auto e = s.find_last_not_of(" \t");
    std::string out{b == std::string_view::npos ? std::string_view{} : s.substr(b, e - b + 1)};
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

const boost::json::value* raw(const boost::json::value& body, std::string_view key) {
    const auto* o = body.if_object();
    return o == nullptr ? nullptr : o->if_contains(key);
}

bool is_null_field(const boost::json::value& body, std::string_view key) {
    const auto* v = raw(body, key);
    return v != nullptr && v->is_null();
}

// PATCH fields that cannot be null: reports (and consumes) a null one.
void refuse_nulls(
    json::validator& v,
    json::object_reader& o,
    const boost::json::value& body,
    std::initializer_list<std::string_view> keys
) {
    for (auto key : keys) {
        if (is_null_field(body, key)) {
            (void)o.optional_any(key);
            v.add("/" + std::string{key}, "type", "cannot be cleared");
        }
    }
}

// A required, non-blank text field.
std::string text(
    json::validator& v, json::object_reader& o, std::string_view key, std::size_t max_length
) {
    auto s = o.required_string(key, {.min_length = 1, .max_length = max_length});
    if (!s.empty() && blank(s)) {
        v.add(o.pointer() + "/" + std::string{key}, "blank", "must not be blank");
    }
    return s;
}

bool is_url(std::string_view s) {
    return (s.starts_with("https://") || s.starts_with("http://")) && s.size() > 8 &&
           std::none_of(s.begin(), s.end(), [](char c) {
               return static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '<' || c == '>';
           });
}

address parse_address(json::validator& v, json::object_reader o) {
    address a;
    if (!o.valid()) {
        return a;
    }
    a.line1 = text(v, o, "line1", limits::address_line);
    a.line2 = o.optional_string("line2", {.max_length = limits::address_line});
    a.city = text(v, o, "city", limits::city);
    a.postal_code = o.optional_string("postal_code", {.max_length = limits::postal_code});
    a.country = o.required_string("country", {.min_length = 2, .max_length = 2});
    if (a.country.size() == 2 && !is_country(a.country)) {
        v.add(o.pointer() + "/country", "pattern", "must be an ISO 3166-1 alpha-2 code (DE)");
    }
    a.lat = o.required_number("lat", {.min = -90, .max = 90});
    a.lng = o.required_number("lng", {.min = -180, .max = 180});
    o.done();
    return a;
}

void check_email(json::validator& v, const std::string& pointer, std::optional<std::string>& e) {
    if (!e) {
        return;
    }
    *e = lower_trimmed(*e);
    if (!is_email(*e)) {
        v.add(pointer, "format", "must be an email address");
    }
}

void check_phone(
    json::validator& v, const std::string& pointer, const std::optional<std::string>& p
) {
    if (p && !is_phone(*p)) {
        v.add(pointer, "format", "must be an E.164 phone number (+4930123456)");
    }
}

std::optional<boost::json::value> payout_of(json::validator& v, json::object_reader& o) {
    auto payout = o.optional_any("payout", limits::payout_json);
    if (payout && !payout->is_object()) {
        v.add("/payout", "type", "must be an object");
        return std::nullopt;
    }
    return payout;
}

void check_tags(json::validator& v, const std::vector<std::string>& tags) {
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < tags.size(); ++i) {
        if (blank(tags[i])) {
            v.add("/tags/" + std::to_string(i), "blank", "must not be blank");
        } else if (!seen.insert(tags[i]).second) {
            v.add("/tags/" + std::to_string(i), "duplicate", "appears twice");
        }
    }
}

boost::json::object attributes_of(json::validator& v, json::object_reader& o) {
    auto any = o.optional_any("attributes", 8 * 1024);
    if (!any) {
        return {};
    }
    if (!any->is_object()) {
        v.add("/attributes", "type", "must be an object");
        return {};
    }
    const auto& obj = any->get_object();
    if (obj.size() > limits::attributes) {
        v.add(
            "/attributes", "max_items",
            "must have at most " + std::to_string(limits::attributes) + " attributes"
        );
        return {};
    }
    for (const auto& [key, value] : obj) {
        auto pointer = "/attributes/" + json::pointer_escape(key);
        if (key.empty() || key.size() > limits::attribute_name || blank(key)) {
            v.add(
                pointer, "key",
                "names must be 1-" + std::to_string(limits::attribute_name) + " characters"
            );
        } else if (value.is_string()) {
            const auto& s = value.get_string();
            if (s.empty() || s.size() > limits::attribute_value) {
                v.add(
                    pointer, "max_length",
                    "must be 1-" + std::to_string(limits::attribute_value) + " characters"
                );
            }
        } else if (value.is_double()) {
            if (!std::isfinite(value.get_double())) {
                v.add(pointer, "type", "must be a finite number");
            }
        } else if (!value.is_int64() && !value.is_uint64()) {
            v.add(pointer, "type", "must be a string or a number");
        }
    }
    return obj;
}

boost::json::array options_of(json::validator& v, json::object_reader& o) {
    boost::json::array out;
    auto items = o.required_objects("options", 0, limits::options);
    std::set<std::string> names;
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto& item = items[i];
        auto pointer = "/options/" + std::to_string(i);
        auto name = text(v, item, "name", limits::option_name);
        auto values = item.string_array(
            "values", 1, limits::option_values,
            {.min_length = 1, .max_length = limits::option_value}, true
        );
        item.done();
        if (!name.empty() && !names.insert(name).second) {
            v.add(pointer + "/name", "duplicate", "appears twice");
        }
        std::set<std::string_view> seen;
        boost::json::array value_array;
        for (std::size_t k = 0; k < values.size(); ++k) {
            if (!seen.insert(values[k]).second) {
                v.add(pointer + "/values/" + std::to_string(k), "duplicate", "appears twice");
            }
            value_array.emplace_back(values[k]);
        }
        out.push_back({{"name", name}, {"values", std::move(value_array)}});
    }
    return out;
}

std::vector<core::money> prices_of(
    json::validator& v,
    json::object_reader& o,
    std::string_view key,
    std::size_t min_items,
    const std::vector<core::money>* must_match
) {
    std::vector<core::money> out;
    auto items = o.required_objects(key, min_items, limits::prices);
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto& item = items[i];
        auto pointer = o.pointer() + "/" + std::string{key} + "/" + std::to_string(i);
        auto code = item.required_string("currency", {.min_length = 3, .max_length = 3});
        auto amount = item.required_int("amount", {.min = 0, .max = limits::amount});
        item.done();
        if (code.size() != 3) {
            continue;
        }
        auto cur = core::currency::parse(code);
        if (!cur) {
            v.add(pointer + "/currency", "currency", "is not an ISO 4217 currency we accept");
            continue;
        }
        auto same = [&](const core::money& m) { return m.currency() == *cur; };
        if (std::any_of(out.begin(), out.end(), same)) {
            v.add(pointer + "/currency", "duplicate", "has a price already");
            continue;
        }
        if (must_match && std::none_of(must_match->begin(), must_match->end(), same)) {
            v.add(pointer + "/currency", "unmatched", "has no price in this currency");
            continue;
        }
        out.emplace_back(amount, *cur);
    }
    return out;
}

variant_input variant_of(json::validator& v, json::object_reader& o, bool stock_required) {
    variant_input out;
    out.sku = o.required_string("sku", {.min_length = 1, .max_length = limits::sku});
    if (!out.sku.empty() && out.sku.size() <= limits::sku && !is_sku(out.sku)) {
        v.add(
            o.pointer() + "/sku", "pattern",
            "must be letters, digits, '.', '_' or '-', starting with a letter or digit"
        );
    }
    if (auto options = o.optional_any("options", 4096)) {
        if (!options->is_object()) {
            v.add(o.pointer() + "/options", "type", "must be an object of option values");
        } else {
            out.options = options->get_object();
        }
    }
    out.prices = prices_of(v, o, "prices", 1, nullptr);
    out.compare_at_prices = prices_of(v, o, "compare_at_prices", 0, &out.prices);
    if (stock_required) {
        out.stock = o.required_int("stock", {.min = 0, .max = limits::stock});
    } else {
        out.stock = o.optional_int("stock", {.min = 0, .max = limits::stock});
    }
    out.weight_grams = o.optional_int("weight_grams", {.min = 0, .max = limits::weight_grams});
    o.done();
    return out;
}

std::vector<variant_input> variants_of(
    json::validator& v, json::object_reader& o, bool stock_required
) {
    std::vector<variant_input> out;
    auto items = o.required_objects("variants", 1, limits::variants);
    std::set<std::string> skus;
    for (std::size_t i = 0; i < items.size(); ++i) {
        out.push_back(variant_of(v, items[i], stock_required));
        const auto& sku = out.back().sku;
        if (!sku.empty() && !skus.insert(sku).second) {
            v.add("/variants/" + std::to_string(i) + "/sku", "duplicate", "appears twice");
        }
    }
    return out;
}

void check_variant_options(
    json::validator& v,
    const boost::json::array& options,
    const std::vector<variant_input>& variants
) {
    std::vector<const boost::json::object*> opts;
    std::vector<std::string> pointers;
    for (std::size_t i = 0; i < variants.size(); ++i) {
        opts.push_back(&variants[i].options);
        pointers.push_back("/variants/" + std::to_string(i));
    }
    for (auto& e : option_errors(options, opts, pointers)) {
        v.add(std::move(e.pointer), std::move(e.code), std::move(e.message));
    }
}

void check_category(json::validator& v, const std::optional<std::string>& id) {
    if (id && !core::is_id(*id, "cat")) {
        v.add("/category_id", "not_found", "is not a category");
    }
}

}  // namespace

bool is_sku(std::string_view s) noexcept {
    if (s.empty() || s.size() > limits::sku) {
        return false;
    }
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    if (!alnum(s.front())) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [&](char c) {
        return alnum(c) || c == '.' || c == '_' || c == '-';
    });
}

bool is_email(std::string_view s) noexcept {
    auto at = s.find('@');
    if (s.size() > 254 || at == 0 || at == std::string_view::npos || at > 64 ||
        s.find('@', at + 1) != std::string_view::npos) {
        return false;
    }
    auto local = s.substr(0, at);
    auto domain = s.substr(at + 1);
    bool local_ok = std::all_of(local.begin(), local.end(), [](char c) {
        return static_cast<unsigned char>(c) > ' ' && static_cast<unsigned char>(c) < 0x7F &&
               c != '(' && c != ')' && c != ',' && c != ':' && c != ';' && c != '<' && c != '>' &&
               c != '[' && c != ']' && c != '\\' && c != '"';
    });
    if (!local_ok || domain.empty() || domain.find('.') == std::string_view::npos ||
        domain.front() == '.' || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos) {
        return false;
    }
    return std::all_of(domain.begin(), domain.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.';
    });
}

bool is_phone(std::string_view s) noexcept {
    if (s.size() < 9 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') {
        return false;
    }
    return std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_country(std::string_view s) noexcept {
    return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

std::vector<core::field_error> option_errors(
    const boost::json::array& options,
    const std::vector<const boost::json::object*>& variant_options,
    const std::vector<std::string>& pointers
) {
    std::vector<core::field_error> out;
    std::set<std::string> combinations;
    for (std::size_t i = 0; i < variant_options.size(); ++i) {
        const auto& chosen = *variant_options[i];
        const auto& pointer = pointers[i];
        bool ok = true;
        for (const auto& [key, value] : chosen) {
            auto declared = std::find_if(options.begin(), options.end(), [&](const auto& opt) {
                return opt.at("name").as_string() == key;
            });
            auto where = pointer + "/options/" + core::json::pointer_escape(key);
            if (declared == options.end()) {
                out.push_back({where, "unknown_option", "is not an option of the product"});
                ok = false;
                continue;
            }
            const auto& values = declared->at("values").as_array();
            if (!value.is_string() ||
                std::find(values.begin(), values.end(), value) == values.end()) {
                out.push_back({where, "unknown_value", "must be one of the option's values"});
                ok = false;
            }
        }
        for (const auto& opt : options) {
            const auto& name = opt.at("name").as_string();
            if (!chosen.contains(name)) {
                out.push_back(
                    {pointer + "/options/" + core::json::pointer_escape(name), "required",
                     "needs a value for every option of the product"}
                );
                ok = false;
            }
        }
        if (!ok) {
            continue;
        }
        // Canonical key: values in the order of the declared options.
        std::string key;
        for (const auto& opt : options) {
            key += chosen.at(opt.at("name").as_string()).as_string();
            key.push_back('\x1f');
        }
        if (!combinations.insert(key).second) {
            out.push_back(
                {pointer + "/options", "duplicate", "repeats the option values of another variant"}
            );
        }
    }
    return out;
}

core::result<application> parse_application(const boost::json::value& body) {
    json::validator v{body};
    auto o = v.root();
    application a;
    a.name = text(v, o, "name", limits::store_name);
    a.legal_name =
        o.optional_string("legal_name", {.min_length = 1, .max_length = limits::legal_name});
    a.contact_email = o.optional_string("contact_email", {.min_length = 1, .max_length = 254});
    check_email(v, "/contact_email", a.contact_email);
    a.contact_phone = o.optional_string("contact_phone", {.min_length = 1, .max_length = 16});
    check_phone(v, "/contact_phone", a.contact_phone);
    a.description = o.optional_string("description", {.max_length = limits::store_description});
    a.pickup = parse_address(v, o.required_object("pickup_address"));
    a.payout = payout_of(v, o);
    o.done();
    if (!v.ok()) {
        return v.error();
    }
    return a;
}

core::result<store_patch> parse_store_patch(const boost::json::value& body) {
    json::validator v{body};
    auto o = v.root();
    store_patch p;
    refuse_nulls(v, o, body, {"name", "handle", "pickup_address"});
    if (o.has("name") && !is_null_field(body, "name")) {
        p.name = text(v, o, "name", limits::store_name);
    }
    p.handle = o.optional_string("handle", {.min_length = 1, .max_length = limits::handle});
    if (p.handle && !core::is_handle(*p.handle, limits::handle)) {
        v.add(
            "/handle", "pattern", "must be lower-case letters and digits joined by single dashes"
        );
    }
    p.legal_name =
        o.patch_string("legal_name", {.min_length = 1, .max_length = limits::legal_name});
    p.contact_email = o.patch_string("contact_email", {.min_length = 1, .max_length = 254});
    check_email(v, "/contact_email", p.contact_email.value);
    p.contact_phone = o.patch_string("contact_phone", {.min_length = 1, .max_length = 16});
    check_phone(v, "/contact_phone", p.contact_phone.value);
    p.description = o.patch_string("description", {.max_length = limits::store_description});
    p.logo_url = o.patch_string("logo_url", {.min_length = 1, .max_length = limits::url});
    if (p.logo_url.value && !is_url(*p.logo_url.value)) {
        v.add("/logo_url", "format", "must be an http(s) URL");
    }
    if (auto pickup = o.optional_object("pickup_address")) {
        p.pickup = parse_address(v, std::move(*pickup));
    }
    if (o.has("payout")) {
        p.payout.present = true;
        p.payout.value = payout_of(v, o);
    }
    o.done();
    if (!v.ok()) {
        return v.error();
    }
    return p;
}

core::result<invitation> parse_invitation(const boost::json::value& body) {
    json::validator v{body};
    auto o = v.root();
    invitation out;
    out.email = lower_trimmed(o.required_string("email", {.min_length = 3, .max_length = 254}));
    if (!out.email.empty() && !is_email(out.email)) {
        v.add("/email", "format", "must be an email address");
    }
    (void)o.optional_string("role", {.one_of = {"staff"}});
    o.done();
    if (!v.ok()) {
        return v.error();
    }
    return out;
}

core::result<std::optional<std::string>> parse_reason(
    const boost::json::value& body, bool required
) {
    json::validator v{body};
    auto o = v.root();
    std::optional<std::string> reason;
    const string_rule rule{.min_length = 1, .max_length = limits::reason};
    if (required) {
        reason = o.required_string("reason", rule);
        if (!reason->empty() && blank(*reason)) {
            v.add("/reason", "blank", "must not be blank");
        }
    } else {
        reason = o.optional_string("reason", rule);
    }
    o.done();
    if (!v.ok()) {
        return v.error();
    }
    return reason;
}

core::result<product_draft> parse_product(const boost::json::value& body) {
    json::validator v{body};
    auto o = v.root();
    product_draft d;
    d.title = text(v, o, "title", limits::title);
    d.description =
        o.optional_string("description", {.max_length = limits::description}).value_or("");
    d.category_id = o.optional_string("category_id", category_id_rule);
    check_category(v, d.category_id);
    d.tags = o.string_array("tags", 0, limits::tags, {.min_length = 1, .max_length = limits::tag});
    check_tags(v, d.tags);
    d.attributes = attributes_of(v, o);
    d.options = options_of(v, o);
    d.variants = variants_of(v, o, true);
    o.done();
    if (v.ok()) {
        check_variant_options(v, d.options, d.variants);
    }
    if (!v.ok()) {
        return v.error();
    }
    return d;
}

core::result<product_patch> parse_product_patch(const boost::json::value& body) {
    json::validator v{body};
    auto o = v.root();
    product_patch p;
    refuse_nulls(v, o, body, {"title", "description", "variants"});
    if (o.has("title") && !is_null_field(body, "title")) {
        p.title = text(v, o, "title", limits::title);
    }
    if (!is_null_field(body, "description")) {
        p.description = o.optional_string("description", {.max_length = limits::description});
    }
    p.category_id = o.patch_string("category_id", category_id_rule);
    check_category(v, p.category_id.value);
    if (o.has("tags")) {
        p.tags =
            o.string_array("tags", 0, limits::tags, {.min_length = 1, .max_length = limits::tag});
        check_tags(v, *p.tags);
    }
    if (o.has("attributes")) {
        p.attributes = attributes_of(v, o);
    }
    if (is_null_field(body, "options")) {
        (void)o.optional_any("options");
        p.options = boost::json::array{};
    } else if (o.has("options")) {
        p.options = options_of(v, o);
    }
    if (o.has("variants") && !is_null_field(body, "variants")) {
        p.variants = variants_of(v, o, false);
    }
    o.done();
    if (v.ok() && p.options && p.variants) {
        check_variant_options(v, *p.options, *p.variants);
    }
    if (!v.ok()) {
        return v.error();
    }
    return p;
}

core::result<stock_change> parse_stock_change(const boost::json::value& body) {
    json::validator v{body};
    auto o = v.root();
    stock_change c;
    c.stock = o.optional_int("stock", {.min = 0, .max = limits::stock});
    c.adjustment = o.optional_int("adjustment", {.min = -limits::stock, .max = limits::stock});
    o.done();
    if (v.ok() && c.stock.has_value() == c.adjustment.has_value()) {
        v.add("/stock", "one_of", "give either stock or adjustment");
    }
    if (!v.ok()) {
        return v.error();
    }
    return c;
}

}  // namespace vendor
