#include "modules/vendor/model.hpp"

namespace vendor {
namespace {

boost::json::value optional_text(const std::optional<std::string>& s) {
    return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

boost::json::value optional_time(const std::optional<core::time_point>& t) {
    return t ? boost::json::value(core::format_rfc3339(*t)) : boost::json::value(nullptr);
}

}  // namespace

std::string_view to_string(store_status s) noexcept {
    switch (s) {
        case store_status::pending:
            return "pending";
        case store_status::active:
            return "active";
        case store_status::rejected:
            return "rejected";
        case store_status::suspended:
            return "suspended";
    }
    return "pending";
}

store_status parse_store_status(std::string_view s) noexcept {
    if (s == "active") {
        return store_status::active;
    }
    if (s == "rejected") {
        return store_status::rejected;
    }
    if (s == "suspended") {
        return store_status::suspended;
    }
    return store_status::pending;
}

std::string_view to_string(member_role r) noexcept {
    return r == member_role::owner ? "owner" : "staff";
}

boost::json::object to_json(const store& s, bool with_private) {
    boost::json::object out{
        {"id", s.id},
        {"object", "vendor"},
        {"handle", s.handle},
        {"name", s.name},
        {"legal_name", optional_text(s.legal_name)},
        {"contact_email", optional_text(s.contact_email)},
        {"contact_phone", optional_text(s.contact_phone)},
        {"description", optional_text(s.description)},
        {"logo_url", optional_text(s.logo_url)},
        {"status", to_string(s.status)},
        {"status_reason", optional_text(s.status_reason)},
        {"pickup_address",
         {
             {"line1", s.pickup.line1},
             {"line2", optional_text(s.pickup.line2)},
             {"city", s.pickup.city},
             {"postal_code", optional_text(s.pickup.postal_code)},
             {"country", s.pickup.country},
             {"lat", s.pickup.lat},
             {"lng", s.pickup.lng},
         }},
        {"owner_id", s.owner_id},
        {"rating", {{"average", s.rating_average}, {"count", s.rating_count}}},
        {"created_at", core::format_rfc3339(s.created_at)},
        {"updated_at", core::format_rfc3339(s.updated_at)},
    };
    if (with_private) {
        out["payout"] = s.payout ? *s.payout : boost::json::value(nullptr);
    }
    return out;
}

boost::json::object to_json(const member& m) {
    return {
        {"id", m.id},
        {"object", "vendor_member"},
        {"vendor_id", m.vendor_id},
        {"user_id", m.user_id},
        {"name", m.name},
        {"email", optional_text(m.email)},
        {"role", to_string(m.role)},
        {"invited_by", optional_text(m.invited_by)},
        {"invited_at", core::format_rfc3339(m.invited_at)},
        {"accepted_at", optional_time(m.accepted_at)},
        {"created_at", core::format_rfc3339(m.created_at)},
        {"updated_at", core::format_rfc3339(m.updated_at)},
    };
}

boost::json::array money_json(const std::vector<core::money>& prices) {
    boost::json::array out;
    for (const auto& m : prices) {
        out.push_back({{"amount", m.amount()}, {"currency", m.currency().code()}});
    }
    return out;
}

boost::json::object variant_json(const product& p, std::size_t index) {
    const auto& v = p.snapshot.variants[index];
    const auto& level = p.stock[index];
    return {
        {"id", v.id},
        {"object", "variant"},
        {"product_id", p.snapshot.id},
        {"sku", v.sku},
        {"options", v.options},
        {"prices", money_json(v.prices)},
        {"compare_at_prices", money_json(v.compare_at_prices)},
        {"stock", v.stock},
        {"stock_on_hand", level.on_hand},
        {"stock_reserved", level.reserved},
        {"weight_grams",
         v.weight_grams ? boost::json::value(*v.weight_grams) : boost::json::value(nullptr)},
    };
}

boost::json::object to_json(const product& p) {
    const auto& s = p.snapshot;
    boost::json::array tags;
    for (const auto& t : s.tags) {
        tags.emplace_back(t);
    }
    boost::json::array variants;
    for (std::size_t i = 0; i < s.variants.size(); ++i) {
        variants.push_back(variant_json(p, i));
    }
    boost::json::array images;
    for (const auto& img : s.images) {
        images.push_back(
            {{"id", img.id}, {"object", "image"}, {"url", img.url}, {"alt", optional_text(img.alt)}}
        );
    }
    return {
        {"id", s.id},
        {"object", "product"},
        {"vendor_id", s.vendor_id},
        {"handle", s.handle},
        {"title", s.title},
        {"description", s.description},
        {"category_id", optional_text(s.category_id)},
        {"tags", std::move(tags)},
        {"attributes", s.attributes},
        {"options", s.options},
        {"variants", std::move(variants)},
        {"images", std::move(images)},
        {"status", s.status},
        {"version", p.version},
        {"rating", {{"average", s.rating_average}, {"count", s.rating_count}}},
        {"published_at", optional_time(s.published_at)},
        {"deleted_at", optional_time(p.deleted_at)},
        {"created_at", core::format_rfc3339(s.created_at)},
        {"updated_at", core::format_rfc3339(s.updated_at)},
    };
}

std::string etag_of(const product& p) { return "\"" + std::to_string(p.version) + "\""; }

store_snapshot snapshot_of(const store& s) {
    store_snapshot out;
    out.id = s.id;
    out.handle = s.handle;
    out.name = s.name;
    out.status = std::string{to_string(s.status)};
    out.description = s.description;
    out.logo_url = s.logo_url;
    out.city = s.pickup.city;
    out.country = s.pickup.country;
    out.pickup = {s.pickup.lat, s.pickup.lng};
    out.rating_average = s.rating_average;
    out.rating_count = s.rating_count;
    out.created_at = s.created_at;
    out.updated_at = s.updated_at;
    return out;
}

}  // namespace vendor
