// Request bodies of the vendor routes as typed commands: every rule of the contract checked, every
// broken one reported with its JSON pointer. Pure functions, so they are unit-tested directly.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "modules/vendor/model.hpp"

namespace vendor {

struct application {
    std::string name;
    std::optional<std::string> legal_name;
    std::optional<std::string> contact_email;
    std::optional<std::string> contact_phone;
    std::optional<std::string> description;
    address pickup;
    std::optional<boost::json::value> payout;
};

struct store_patch {
    std::optional<std::string> name;
    std::optional<std::string> handle;
    core::json::patch<std::string> legal_name;
    core::json::patch<std::string> contact_email;
    core::json::patch<std::string> contact_phone;
    core::json::patch<std::string> description;
    core::json::patch<std::string> logo_url;
    std::optional<address> pickup;
    core::json::patch<boost::json::value> payout;

    bool empty() const noexcept {
        return !name && !handle && !legal_name.present && !contact_email.present &&
               !contact_phone.present && !description.present && !logo_url.present && !pickup &&
               !payout.present;
    }
};

struct invitation {
    std::string email;  // trimmed, lower-case
};

struct variant_input {
    std::string sku;
    boost::json::object options;
    std::vector<core::money> prices;
    std::vector<core::money> compare_at_prices;
    std::optional<std::int64_t> stock;  // absent in a PATCH = keep (0 for a new variant)
    std::optional<std::int64_t> weight_grams;
};

struct product_draft {
    std::string title;
    std::string description;
    std::optional<std::string> category_id;
    std::vector<std::string> tags;
    boost::json::object attributes;
    boost::json::array options;  // [{name, values: [...]}]
    std::vector<variant_input> variants;
};

// PATCH: absent fields stay. `variants` replaces the list: variants are matched by SKU (kept ids,
// updated fields), new SKUs are added and missing ones removed.
struct product_patch {
    std::optional<std::string> title;
    std::optional<std::string> description;
    core::json::patch<std::string> category_id;
    std::optional<std::vector<std::string>> tags;
    std::optional<boost::json::object> attributes;
    std::optional<boost::json::array> options;
    std::optional<std::vector<variant_input>> variants;

    bool empty() const noexcept {
        return !title && !description && !category_id.present && !tags && !attributes && !options &&
               !variants;
    }
};

// Exactly one of the two: set the stock on hand, or add to it (negative to take away).
struct stock_change {
    std::optional<std::int64_t> stock;
    std::optional<std::int64_t> adjustment;
};

core::result<application> parse_application(const boost::json::value& body);
core::result<store_patch> parse_store_patch(const boost::json::value& body);
core::result<invitation> parse_invitation(const boost::json::value& body);
// {reason} for reject and suspend; `required` = reject and suspend need one.
core::result<std::optional<std::string>> parse_reason(
    const boost::json::value& body, bool required
);
core::result<product_draft> parse_product(const boost::json::value& body);
core::result<product_patch> parse_product_patch(const boost::json::value& body);
core::result<stock_change> parse_stock_change(const boost::json::value& body);

// Field errors of variants whose option values do not fit `options` (every declared option has
// one of its values, nothing else) or repeat another variant's combination. `pointers[i]` names
// variant i (/variants/3).
std::vector<core::field_error> option_errors(
    const boost::json::array& options,
    const std::vector<const boost::json::object*>& variant_options,
    const std::vector<std::string>& pointers
);

// Plain checks shared with the seed: a SKU, an email address, a phone number (E.164), a country.
bool is_sku(std::string_view s) noexcept;
bool is_email(std::string_view s) noexcept;
bool is_phone(std::string_view s) noexcept;
bool is_country(std::string_view s) noexcept;

}  // namespace vendor
