#include "modules/shopping/cart_model.hpp"

#include <boost/json/array.hpp>

namespace shopping {
namespace {

boost::json::value optional_text(const std::optional<std::string>& s) {
    return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

boost::json::value optional_time(const std::optional<core::time_point>& t) {
    return t ? boost::json::value(core::format_rfc3339(*t)) : boost::json::value(nullptr);
}

boost::json::value optional_int(const std::optional<std::int64_t>& v) {
    return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

boost::json::value optional_money(
    const std::optional<std::int64_t>& amount, const std::optional<std::string>& currency
) {
    if (!amount || !currency) {
        return nullptr;
    }
    return money_json(*amount, *currency);
}

}  // namespace

core::time_point time_of_ms(std::int64_t ms) {
    return core::time_point{
        std::chrono::duration_cast<core::time_point::duration>(std::chrono::milliseconds{ms})};
}

std::string_view to_string(promotion_kind k) noexcept {
    switch (k) {
        case promotion_kind::percentage:
            return "percentage";
        case promotion_kind::fixed_amount:
            return "fixed_amount";
        case promotion_kind::free_delivery:
            return "free_delivery";
    }
    return "percentage";
}

std::optional<promotion_kind> parse_promotion_kind(std::string_view s) noexcept {
    if (s == "percentage") {
        return promotion_kind::percentage;
    }
    if (s == "fixed_amount") {
        return promotion_kind::fixed_amount;
    }
    if (s == "free_delivery") {
        return promotion_kind::free_delivery;
    }
    return std::nullopt;
}

std::string_view to_string(line_state s) noexcept {
    switch (s) {
        case line_state::available:
            return "available";
        case line_state::not_found:
            return "not_found";
        case line_state::not_published:
            return "not_published";
        case line_state::store_inactive:
            return "store_inactive";
        case line_state::no_price:
            return "no_price";
    }
    return "not_found";
}

std::string_view to_string(promotion_state s) noexcept {
    switch (s) {
        case promotion_state::applied:
            return "applied";
        case promotion_state::below_minimum:
            return "below_minimum";
        case promotion_state::not_in_cart:
            return "not_in_cart";
        case promotion_state::nothing_to_discount:
            return "nothing_to_discount";
        case promotion_state::not_started:
            return "not_started";
        case promotion_state::expired:
            return "expired";
        case promotion_state::exhausted:
            return "exhausted";
        case promotion_state::inactive:
            return "inactive";
        case promotion_state::other_currency:
            return "other_currency";
        case promotion_state::needs_customer:
            return "needs_customer";
    }
    return "inactive";
}

boost::json::object to_json(const promotion& p) {
    return {
        {"id", p.id},
        {"object", "promotion"},
        {"code", optional_text(p.code)},
        {"name", p.name},
        {"kind", to_string(p.kind)},
        {"percent_off", optional_int(p.percent_off)},
        {"amount_off", optional_money(p.amount_off, p.currency)},
        {"currency", optional_text(p.currency)},
        {"minimum_subtotal", p.minimum_subtotal > 0 ? optional_money(p.minimum_subtotal, p.currency)
                                                    : boost::json::value(nullptr)},
        {"vendor_id", optional_text(p.vendor_id)},
        {"starts_at", optional_time(p.starts_at)},
        {"ends_at", optional_time(p.ends_at)},
        {"usage_limit", optional_int(p.usage_limit)},
        {"usage_limit_per_customer", optional_int(p.usage_limit_per_customer)},
        {"times_used", p.times_used},
        {"status", p.status},
        {"created_at", core::format_rfc3339(p.created_at)},
        {"updated_at", core::format_rfc3339(p.updated_at)},
    };
}

boost::json::object to_json(const priced_cart_view& v) {
    const auto& currency = v.c.currency;
    boost::json::array items;
    for (const auto& l : v.lines) {
        const auto& i = l.item;
        items.push_back(boost::json::object{
            {"id", i.id},
            {"object", "line_item"},
            {"variant_id", i.variant_id},
            {"product_id", i.product_id},
            {"vendor_id", i.vendor_id},
            {"title", i.title},
            {"sku", i.sku},
            {"options", i.options},
            {"quantity", i.quantity},
            {"unit_price", l.unit_amount ? boost::json::value(money_json(*l.unit_amount, currency))
                                         : boost::json::value(nullptr)},
            {"added_unit_price", money_json(i.unit_amount, currency)},
            {"price_changed", l.unit_amount && *l.unit_amount != i.unit_amount},
            {"availability", to_string(l.state)},
            {"available_quantity", l.available_quantity},
            {"totals", totals_json(l.totals, currency)},
            {"created_at", core::format_rfc3339(i.created_at)},
            {"updated_at", core::format_rfc3339(i.updated_at)},
        });
    }
    boost::json::array vendors;
    for (const auto& pv : v.vendors) {
        boost::json::object o{
            {"vendor_id", pv.vendor_id},
            {"delivery_waived", pv.delivery_waived},
            {"totals", totals_json(pv.totals, currency)},
        };
        if (auto d = v.distance_km.find(pv.vendor_id); d != v.distance_km.end()) {
            o["distance_km"] = d->second;
        }
        vendors.push_back(std::move(o));
    }
    boost::json::array promotions;
    for (const auto& p : v.promotions) {
        promotions.push_back(boost::json::object{
            {"id", p.promo.id},
            {"code", optional_text(p.promo.code)},
            {"name", p.promo.name},
            {"kind", to_string(p.promo.kind)},
            {"vendor_id", optional_text(p.promo.vendor_id)},
            {"automatic", !p.promo.code.has_value()},
            {"state", to_string(p.state)},
            {"discount", money_json(p.discount, currency)},
            {"delivery_waived", money_json(p.delivery_waived, currency)},
        });
    }
    return {
        {"id", v.c.id},
        {"object", "cart"},
        {"token", optional_text(v.token)},
        {"status", v.c.status},
        {"currency", currency},
        {"customer_id", optional_text(v.c.customer_id)},
        {"email", optional_text(v.c.email)},
        {"items", std::move(items)},
        {"vendors", std::move(vendors)},
        {"promotions", std::move(promotions)},
        {"totals", totals_json(v.totals, currency)},
        {"merged_into", optional_text(v.c.merged_into)},
        {"order_id", optional_text(v.c.order_id)},
        {"version", v.c.version},
        {"created_at", core::format_rfc3339(v.c.created_at)},
        {"updated_at", core::format_rfc3339(v.c.updated_at)},
    };
}

}  // namespace shopping
