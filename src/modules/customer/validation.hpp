// Request bodies of the customer routes as typed commands: every rule of the contract checked,
// every broken one reported with its JSON pointer. Pure functions, unit-tested directly.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "core/json.hpp"
#include "core/result.hpp"
#include "modules/customer/model.hpp"

namespace customer {

struct address_input {
    std::string label;
    std::string name;
    std::string line1;
    std::optional<std::string> line2;
    std::string city;
    std::optional<std::string> postal_code;
    std::string country;
    std::optional<std::string> phone;
    vendor::location location;
    bool is_default = false;
};

// PATCH: absent fields stay; line2, postal_code and phone may be cleared with null.
struct address_patch {
    std::optional<std::string> label;
    std::optional<std::string> name;
    std::optional<std::string> line1;
    core::json::patch<std::string> line2;
    std::optional<std::string> city;
    core::json::patch<std::string> postal_code;
    std::optional<std::string> country;
    core::json::patch<std::string> phone;
    std::optional<vendor::location> location;
    std::optional<bool> is_default;
};

struct review_input {
    std::string order_id;    // ord_...
    std::string product_id;  // prod_...
    int rating = 0;
    std::optional<std::string> title;
    std::string body;
};

struct review_patch {
    std::optional<int> rating;
    core::json::patch<std::string> title;
    std::optional<std::string> body;

    bool empty() const noexcept { return !rating && !title.present && !body; }
};

core::result<address_input> parse_address(const boost::json::value& body);
core::result<address_patch> parse_address_patch(const boost::json::value& body);
core::result<review_input> parse_review(const boost::json::value& body);
core::result<review_patch> parse_review_patch(const boost::json::value& body);
// {body}: the store's reply text.
core::result<std::string> parse_reply(const boost::json::value& body);

bool is_country(std::string_view s) noexcept;  // ISO 3166-1 alpha-2, upper case
bool is_phone(std::string_view s) noexcept;    // E.164

}  // namespace customer
