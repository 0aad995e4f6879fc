#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "core/http/conditional.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "modules/shopping/routes.hpp"

namespace shopping {
namespace {

namespace http = core::http;
using core::errc;

constexpr std::size_t max_filter_text = 100;  // category, vendor
constexpr std::size_t max_tag_length = 64;
constexpr std::size_t max_attribute_name = 64;
constexpr std::size_t max_attribute_value = 200;
constexpr std::size_t max_path_handle = 200;

// Collects every parameter error of a request, then answers one 400 naming them all.
class parameter_errors {
public:
    void add(std::string_view name, std::string code, std::string message) {
        fields_.push_back({"/" + std::string{name}, std::move(code), std::move(message)});
    }
    bool ok() const noexcept { return fields_.empty(); }
    core::error error() && {
        std::string detail = fields_.size() == 1
                                 ? "query parameter '" + fields_.front().pointer.substr(1) + "' " +
                                       fields_.front().message
                                 : std::to_string(fields_.size()) + " query parameters are invalid";
        return core::error{errc::bad_request, std::move(detail), std::move(fields_)};
    }

private:
    std::vector<core::field_error> fields_;
};

std::optional<std::int64_t> parse_amount(std::string_view s) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

bool valid_double(std::string_view s) {
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc{} && end == s.data() + s.size() && std::isfinite(v);
}

bool length_within(std::string_view s, std::size_t min, std::size_t max) {
    auto n = search_text::code_points(s);
    return n >= min && n <= max;
}

// Splits "a,b,c" into its non-empty parts.
std::vector<std::string> split_commas(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        auto comma = s.find(',');
        auto part = s.substr(0, comma);
        if (!part.empty()) {
            out.emplace_back(part);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        s.remove_prefix(comma + 1);
    }
    return out;
}

}  // namespace

core::result<list_query> decode_list_query(
    const http::request& req, list_kind kind, std::string_view default_currency
) {
    list_query q;
    q.with_facets = kind == list_kind::search;
    parameter_errors errors;
    std::map<std::string, std::string> single;
    std::map<std::string, std::set<std::string>> attributes;
    std::set<std::string> tags;
    std::size_t attribute_count = 0;

    std::set<std::string_view> singles{"limit",     "cursor",    "sort",     "category", "currency",
                                       "price_min", "price_max", "in_stock", "fields"};
    if (kind != list_kind::store_products) {
        singles.insert("vendor");
    }
    if (kind == list_kind::search) {
        singles.insert("q");
    }
    for (auto& [name, value] : req.query_pairs()) {
        if (name == "tag") {
            if (!length_within(value, 1, max_tag_length)) {
                errors.add(name, "length", "must be 1 to 64 characters");
            } else {
                tags.insert(std::move(value));
            }
            continue;
        }
        if (name.starts_with("attr.")) {
            auto attribute = name.substr(5);
            ++attribute_count;
            if (!length_within(attribute, 1, max_attribute_name)) {
                errors.add(name, "length", "attribute names are 1 to 64 characters");
            } else if (!length_within(value, 1, max_attribute_value)) {
                errors.add(name, "length", "must be 1 to 200 characters");
            } else {
                attributes[attribute].insert(std::move(value));
            }
            continue;
        }
        if (!singles.contains(name)) {
            errors.add(name, "unknown", "is not a parameter of this list");
            continue;
        }
        if (!single.emplace(name, std::move(value)).second) {
            errors.add(name, "repeated", "must be given at most once");
        }
    }
    if (attribute_count > max_attribute_filters) {
        errors.add("attr", "too_many", "at most 10 attribute filters");
    }
    if (tags.size() > max_tag_filters) {
        errors.add("tag", "too_many", "at most 10 tags");
    }
    for (auto& [name, values] : attributes) {
        q.attributes.push_back({name, {values.begin(), values.end()}});
    }
    q.tags.assign(tags.begin(), tags.end());

    auto get = [&](std::string_view name) -> const std::string* {
        auto found = single.find(std::string{name});
        return found == single.end() ? nullptr : &found->second;
    };

    if (const auto* limit = get("limit")) {
        auto parsed = core::parse_page_limit(*limit);
        if (!parsed) {
            errors.add("limit", "range", "must be an integer from 1 to 100");
        } else {
            q.limit = *parsed;
        }
    }
    if (const auto* text = get("q")) {
        if (!length_within(*text, 0, max_query_length)) {
            errors.add("q", "length", "must be at most 200 characters");
        } else {
            q.search = search_text::parse(*text, max_query_terms);
        }
    }
    std::optional<sort_order> sort;
    if (const auto* s = get("sort")) {
        sort = parse_sort(*s);
        if (!sort) {
            errors.add(
                "sort", "one_of", "must be relevance, newest, price_asc, price_desc or rating"
            );
        }
    }
    q.sort = sort.value_or(q.search.empty() ? sort_order::newest : sort_order::relevance);
    if (q.sort == sort_order::relevance && q.search.empty()) {
        q.sort = sort_order::newest;  // nothing to rank by
    }
    if (const auto* c = get("category")) {
        if (!length_within(*c, 1, max_filter_text)) {
            errors.add("category", "length", "must be 1 to 100 characters");
        } else {
            q.category = *c;
        }
    }
    if (const auto* v = get("vendor")) {
        if (!length_within(*v, 1, max_filter_text)) {
            errors.add("vendor", "length", "must be 1 to 100 characters");
        } else {
            q.vendor = *v;
        }
    }
    q.currency = std::string{default_currency};
    if (const auto* c = get("currency")) {
        if (!core::currency::parse(*c)) {
            errors.add("currency", "unknown", "must be a known ISO 4217 code such as EUR");
        } else {
            q.currency = *c;
        }
    }
    for (auto [name, target] :
         {std::pair{"price_min", &q.price_min}, {"price_max", &q.price_max}}) {
        if (const auto* raw = get(name)) {
            auto amount = parse_amount(*raw);
            if (!amount || *amount < 0 || *amount > max_price) {
                errors.add(name, "range", "must be an integer amount in minor units, 0 or more");
            } else {
                *target = amount;
            }
        }
    }
    if (q.price_min && q.price_max && *q.price_min > *q.price_max) {
        errors.add("price_max", "range", "must not be below price_min");
    }
    if (const auto* s = get("in_stock")) {
        if (*s == "true" || *s == "1") {
            q.in_stock = true;
        } else if (*s != "false" && *s != "0") {
            errors.add("in_stock", "type", "must be true or false");
        }
    }
    if (const auto* f = get("fields")) {
        std::set<std::string> chosen;
        for (auto& field : split_commas(*f)) {
            if (std::find(item_fields.begin(), item_fields.end(), field) == item_fields.end()) {
                errors.add(
                    "fields", "one_of",
                    "'" + field.substr(0, 64) + "' is not a field of a list item"
                );
            } else {
                chosen.insert(std::move(field));
            }
        }
        if (chosen.empty() && errors.ok()) {
            errors.add("fields", "length", "must name at least one field");
        }
        q.fields.assign(chosen.begin(), chosen.end());
    }
    if (const auto* c = get("cursor"); c != nullptr && errors.ok()) {
        // sort tag | key | id: a cursor only continues the order it was made for.
        auto text = core::decode_cursor(*c);
        bool valid = false;
        if (text) {
            auto first = text->find('|');
            auto last = text->rfind('|');
            if (first != std::string::npos && last != first) {
                auto tag = text->substr(0, first);
                auto key = text->substr(first + 1, last - first - 1);
                auto id = text->substr(last + 1);
                bool numeric = q.sort == sort_order::newest || q.sort == sort_order::price_asc ||
                               q.sort == sort_order::price_desc;
                valid = tag == cursor_sort_tag(q.sort, q.currency) && core::is_id(id, "prod") &&
                        (numeric ? parse_amount(key).has_value() : valid_double(key));
                if (valid) {
                    q.after = position{std::move(key), std::move(id)};
                }
            }
        }
        if (!valid) {
            errors.add("cursor", "cursor", "is not a cursor of this list, sort and currency");
        }
    }
    if (kind == list_kind::store_products) {
        q.vendor = std::string{req.param("handle")};
        q.vendor_from_path = true;
    }
    if (!errors.ok()) {
        return std::move(errors).error();
    }
    return q;
}

void storefront_routes::register_routes(http::router& r) {
    using http::method;
    auto anyone = [](std::string summary) {
        return http::route_options{.who = http::access::anyone, .summary = std::move(summary)};
    };
    r.add(
        method::get, "/api/v1/store/products", std::bind_front(&storefront_routes::products, this),
        anyone("Published products of open stores, filtered, sorted and paged.")
    );
    r.add(
        method::get, "/api/v1/store/products/{id_or_handle}",
        std::bind_front(&storefront_routes::product, this),
        anyone("A product page, by id or by handle when only one store uses it.")
    );
    r.add(
        method::get, "/api/v1/store/search", std::bind_front(&storefront_routes::search, this),
        anyone("Full-text product search with the list filters and facet counts.")
    );
    r.add(
        method::get, "/api/v1/store/vendors/{handle}",
        std::bind_front(&storefront_routes::store, this), anyone("A store's public page.")
    );
    r.add(
        method::get, "/api/v1/store/vendors/{handle}/products",
        std::bind_front(&storefront_routes::store_products, this),
        anyone("A store's products, with the list filters.")
    );
    r.add(
        method::get, "/api/v1/store/vendors/{handle}/products/{product_handle}",
        std::bind_front(&storefront_routes::store_product, this),
        anyone("A product page by its store's handle and its own.")
    );
}

http::response storefront_routes::answer(const http::request& req, const rendered& r) const {
    http::response res;
    if (http::none_match(req.header("if-none-match"), r.etag)) {
        res.status = 304;
    } else {
        res.status = 200;
        res.content_type = "application/json";
        res.shared = r.stored;
        res.shared_body = r.body;
    }
    res.header("ETag", std::string{r.etag});
    res.header(
        "Cache-Control", max_age_.count() > 0
                             ? "public, max-age=" + std::to_string(max_age_.count())
                             : std::string{"no-cache"}
    );
    return res;
}

core::task<http::response> storefront_routes::list(http::request& req, list_kind kind) {
    auto query = decode_list_query(req, kind, service_.settings().default_currency);
    if (!query) {
        co_return http::problem(query);
    }
    if (kind == list_kind::store_products && !length_within(*query->vendor, 1, max_filter_text)) {
        co_return http::problem(core::error{errc::not_found, "no such store"});
    }
    auto page = co_await service_.list(std::move(*query));
    if (!page) {
        co_return http::problem(page);
    }
    co_return answer(req, *page);
}

core::task<http::response> storefront_routes::products(http::request& req) {
    co_return co_await list(req, list_kind::products);
}

core::task<http::response> storefront_routes::search(http::request& req) {
    co_return co_await list(req, list_kind::search);
}

core::task<http::response> storefront_routes::store_products(http::request& req) {
    co_return co_await list(req, list_kind::store_products);
}

core::task<http::response> storefront_routes::product(http::request& req) {
    std::string key{req.param("id_or_handle")};
    if (!length_within(key, 1, max_path_handle)) {
        co_return http::problem(core::error{errc::not_found, "no such product"});
    }
    auto found = co_await service_.product(std::move(key));
    if (!found) {
        co_return http::problem(found);
    }
    co_return answer(req, *found);
}

core::task<http::response> storefront_routes::store(http::request& req) {
    std::string handle{req.param("handle")};
    if (!length_within(handle, 1, max_filter_text)) {
        co_return http::problem(core::error{errc::not_found, "no such store"});
    }
    auto found = co_await service_.store(std::move(handle));
    if (!found) {
        co_return http::problem(found);
    }
    co_return answer(req, *found);
}

core::task<http::response> storefront_routes::store_product(http::request& req) {
    std::string vendor{req.param("handle")};
    std::string handle{req.param("product_handle")};
    if (!length_within(vendor, 1, max_filter_text) || !length_within(handle, 1, max_path_handle)) {
        co_return http::problem(core::error{errc::not_found, "no such product"});
    }
    auto found = co_await service_.product_of_store(std::move(vendor), std::move(handle));
    if (!found) {
        co_return http::problem(found);
    }
    co_return answer(req, *found);
}

}  // namespace shopping
