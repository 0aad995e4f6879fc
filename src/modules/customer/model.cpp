#include "modules/customer/model.hpp"

#include <cmath>
#include <map>

namespace customer {
namespace {

boost::json::value optional_text(const std::optional<std::string>& s) {
    return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

// The lowest price per currency over the variants: what "from 19.99 EUR" shows.
boost::json::array prices_from(const vendor::product_snapshot& p) {
    std::map<std::string, std::int64_t> lowest;
    for (const auto& v : p.variants) {
        for (const auto& m : v.prices) {
            auto code = std::string{m.currency().code()};
            auto at = lowest.find(code);
            if (at == lowest.end() || m.amount() < at->second) {
                lowest[code] = m.amount();
            }
        }
    }
    boost::json::array out;
    for (const auto& [code, amount] : lowest) {
        out.push_back({{"amount", amount}, {"currency", code}});
    }
    return out;
}

boost::json::object product_summary(
    const vendor::product_snapshot& p, const vendor::store_snapshot* store
) {
    boost::json::value image = nullptr;
    if (!p.images.empty()) {
        image = boost::json::value(p.images.front().url);
    }
    boost::json::value vendor_brief = nullptr;
    if (store != nullptr) {
        vendor_brief = boost::json::object{
            {"id", store->id}, {"handle", store->handle}, {"name", store->name}};
    }
    return {
        {"id", p.id},
        {"object", "product"},
        {"handle", p.handle},
        {"title", p.title},
        {"vendor_id", p.vendor_id},
        {"vendor", std::move(vendor_brief)},
        {"available", store != nullptr && visible(p, *store)},
        {"image", std::move(image)},
        {"prices_from", prices_from(p)},
        {"rating", {{"average", p.rating_average}, {"count", p.rating_count}}},
    };
}

}  // namespace

double rating_aggregate::average() const noexcept {
    if (count <= 0) {
        return 0;
    }
    return std::round(static_cast<double>(sum) * 100.0 / static_cast<double>(count)) / 100.0;
}

bool visible(const vendor::product_snapshot& p, const vendor::store_snapshot& s) noexcept {
    return p.status == "published" && s.status == "active";
}

boost::json::object to_json(const address& a) {
    return {
        {"id", a.id},
        {"object", "address"},
        {"label", a.label},
        {"name", a.name},
        {"line1", a.line1},
        {"line2", optional_text(a.line2)},
        {"city", a.city},
        {"postal_code", optional_text(a.postal_code)},
        {"country", a.country},
        {"phone", optional_text(a.phone)},
        {"location", {{"lat", a.location.lat}, {"lng", a.location.lng}}},
        {"is_default", a.is_default},
        {"created_at", core::format_rfc3339(a.created_at)},
        {"updated_at", core::format_rfc3339(a.updated_at)},
    };
}

boost::json::object to_json(const review& r, review_view view) {
    boost::json::value reply_json = nullptr;
    if (r.vendor_reply) {
        reply_json = boost::json::object{
            {"body", r.vendor_reply->body},
            {"created_at", core::format_rfc3339(r.vendor_reply->replied_at)}};
    }
    boost::json::object out{
        {"id", r.id},
        {"object", "review"},
        {"product_id", r.product_id},
        {"vendor_id", r.vendor_id},
        {"rating", r.rating},
        {"title", optional_text(r.title)},
        {"body", r.body},
        {"verified_purchase", true},
        {"reply", std::move(reply_json)},
        {"created_at", core::format_rfc3339(r.created_at)},
        {"updated_at", core::format_rfc3339(r.updated_at)},
    };
    if (view != review_view::storefront) {
        out["order_id"] = r.order_id;
        out["sub_order_id"] = r.sub_order_id;
    }
    return out;
}

boost::json::object to_json(
    const wishlist_item& w,
    const vendor::product_snapshot* product,
    const vendor::store_snapshot* store
) {
    boost::json::value summary = nullptr;
    if (product != nullptr && product->status != "deleted") {
        summary = product_summary(*product, store);
    }
    return {
        {"id", w.id},
        {"object", "wishlist_item"},
        {"product_id", w.product_id},
        {"added_at", core::format_rfc3339(w.added_at)},
        {"product", std::move(summary)},
    };
}

boost::json::object aggregate_json(const rating_aggregate& a) {
    return {{"average", a.average()}, {"count", a.count}};
}

boost::json::object to_json(const rating_summary& s) {
    auto out = aggregate_json(s.aggregate);
    boost::json::object stars;
    for (int i = 0; i < 5; ++i) {
        stars[std::to_string(i + 1)] = s.stars[i];
    }
    out["distribution"] = std::move(stars);
    return out;
}

}  // namespace customer
