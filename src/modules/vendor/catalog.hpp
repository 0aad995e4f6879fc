// What the vendor module tells other modules about stores and products. The storefront (shopping)
// builds its read model and search index from these snapshots when vendor events arrive; it never
// reads the vendor module's tables.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace vendor {

// Events the vendor module writes to the outbox (data always names the ids below).
namespace events {
// data: {vendor_id, status}, plus user_id (the owner) on applied/approved/rejected/suspended and
// reason on rejected/suspended. vendor.approved also marks a suspended store's reinstatement.
inline constexpr std::string_view vendor_applied = "vendor.applied";
inline constexpr std::string_view vendor_approved = "vendor.approved";
inline constexpr std::string_view vendor_rejected = "vendor.rejected";
inline constexpr std::string_view vendor_suspended = "vendor.suspended";
inline constexpr std::string_view vendor_updated = "vendor.updated";  // profile fields changed
// data: {vendor_id, member_id, user_id}: staff joined or left a store (no catalog change)
inline constexpr std::string_view member_added = "vendor.member_added";
inline constexpr std::string_view member_removed = "vendor.member_removed";
// data: {product_id, vendor_id}
inline constexpr std::string_view product_created = "product.created";
inline constexpr std::string_view product_updated = "product.updated";  // incl. prices, variants
inline constexpr std::string_view product_published = "product.published";
inline constexpr std::string_view product_archived = "product.archived";
inline constexpr std::string_view product_deleted = "product.deleted";
// data: {product_id, vendor_id, variant_id, stock} (what can still be sold), plus `previous` (what
// could be sold before) when orders reserved, released or consumed stock.
inline constexpr std::string_view stock_changed = "variant.stock_changed";
// data: {}. Many products changed at once without their own events (`trader seed`): rebuild every
// read model from catalog::products_after instead of waiting for per-product events.
inline constexpr std::string_view catalog_reindex_requested = "catalog.reindex_requested";
// product.updated and vendor.updated also follow a change of rating_average / rating_count, copied
// from the customer module's review.* events.
}  // namespace events

struct location {
    double lat = 0;
    double lng = 0;
};

// A store as the storefront shows it.
struct store_snapshot {
    std::string id;      // vnd_...
    std::string handle;  // unique, URL-safe
    std::string name;
    std::string status;  // pending | active | rejected | suspended
    std::optional<std::string> description;
    std::optional<std::string> logo_url;
    std::string city;
    std::string country;  // ISO 3166-1 alpha-2
    location pickup;
    double rating_average = 0;  // 0 until reviews exist
    std::int64_t rating_count = 0;
    core::time_point created_at;
    core::time_point updated_at;
};

struct variant_snapshot {
    std::string id;  // var_...
    std::string sku;
    boost::json::object options;      // option name -> value, e.g. {"size": "M"}
    std::vector<core::money> prices;  // at most one per currency
    std::vector<core::money> compare_at_prices;
    std::optional<std::int64_t> weight_grams;
    std::int64_t stock = 0;  // on hand minus reserved: what can still be sold
};

struct image_snapshot {
    std::string id;
    std::string url;  // served by the media route, long-lived cache headers
    std::optional<std::string> alt;
};

// A product with everything the storefront lists, filters, searches and shows.
struct product_snapshot {
    std::string id;  // prod_...
    std::string vendor_id;
    std::string handle;  // unique per store
    std::string title;
    std::string description;
    std::optional<std::string> category_id;  // cat_...
    std::vector<std::string> tags;
    boost::json::object attributes;  // brand, material, ...: string or number values
    boost::json::array options;      // [{name, values: [...]}]
    std::vector<variant_snapshot> variants;
    std::vector<image_snapshot> images;
    std::string status;  // draft | published | archived | deleted
    double rating_average = 0;
    std::int64_t rating_count = 0;
    std::optional<core::time_point> published_at;
    core::time_point created_at;
    core::time_point updated_at;
};

// The store a user works for, as owner or staff.
struct store_membership {
    std::string vendor_id;
    std::string status;  // pending | active | rejected | suspended
    bool owner = false;
};

// One variant as the cart and checkout see it: what it is, who sells it from where, its prices
// and what can still be sold. Statuses are given as stored; the caller decides what is for sale.
struct variant_for_sale {
    std::string variant_id;  // var_...
    std::string product_id;
    std::string product_title;
    std::string product_status;  // draft | published | archived | deleted
    std::string vendor_id;
    std::string vendor_status;  // pending | active | rejected | suspended
    location pickup;            // the store's pickup location
    std::string sku;
    boost::json::object options;      // option name -> value
    std::vector<core::money> prices;  // at most one per currency
    std::int64_t stock = 0;           // on hand minus reserved, never negative
};

// Read access to stores and products for other modules. Reads run inside the caller's transaction
// so that an event handler sees the state the event was written with or later.
class catalog {
public:
    virtual ~catalog() = default;

    // Any status; nullopt when there is no such store.
    virtual core::task<core::result<std::optional<store_snapshot>>> store(
        infra::db::transaction& tx, std::string vendor_id
    ) = 0;
    // Any status, deleted included; nullopt when there is no such product.
    virtual core::task<core::result<std::optional<product_snapshot>>> product(
        infra::db::transaction& tx, std::string product_id
    ) = 0;
    // The products with these ids (any status), in the order given; unknown ids are left out.
    virtual core::task<core::result<std::vector<product_snapshot>>> products_by_id(
        infra::db::transaction& tx, std::vector<std::string> product_ids
    ) = 0;
    // Ids of a store's products (any status) after `after_id`, in id order: a vendor status
    // change re-indexes them page by page.
    virtual core::task<core::result<std::vector<std::string>>> product_ids_of_store(
        infra::db::transaction& tx,
        std::string vendor_id,
        std::optional<std::string> after_id,
        int limit
    ) = 0;
    // The store `user_id` is a member of; nullopt when they work for none.
    virtual core::task<core::result<std::optional<store_membership>>> store_of_member(
        infra::db::transaction& tx, std::string user_id
    ) = 0;
    // Every product after `after_id` in id order, for a full re-index.
    virtual core::task<core::result<std::vector<product_snapshot>>> products_after(
        infra::db::transaction& tx, std::optional<std::string> after_id, int limit
    ) = 0;
    // The variant with its product and store; nullopt when there is no such variant.
    virtual core::task<core::result<std::optional<variant_for_sale>>> variant(
        infra::db::transaction& tx, std::string variant_id
    ) = 0;
    // Several variants at once (up to 100 ids), in no particular order; unknown ids are left out.
    virtual core::task<core::result<std::vector<variant_for_sale>>> variants(
        infra::db::transaction& tx, std::vector<std::string> variant_ids
    ) = 0;
};

}  // namespace vendor
