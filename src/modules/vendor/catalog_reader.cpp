#include "modules/vendor/catalog_reader.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <unordered_map>

namespace vendor {

core::task<core::result<std::optional<store_snapshot>>> catalog_reader::store(
    infra::db::transaction& tx, std::string vendor_id
) {
    auto found = co_await stores_.find(tx, std::move(vendor_id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return std::optional<store_snapshot>{};
    }
    co_return std::optional{snapshot_of(**found)};
}

core::task<core::result<std::optional<product_snapshot>>> catalog_reader::product(
    infra::db::transaction& tx, std::string product_id
) {
    auto found = co_await products_.find(tx, std::move(product_id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return std::optional<product_snapshot>{};
    }
    co_return std::optional{std::move((*found)->snapshot)};
}

core::task<core::result<std::vector<product_snapshot>>> catalog_reader::products_by_id(
    infra::db::transaction& tx, std::vector<std::string> product_ids
) {
    auto found = co_await products_.find_many(tx, std::move(product_ids));
    if (!found) {
        co_return std::move(found).error();
    }
    std::vector<product_snapshot> out;
    out.reserve(found->size());
    for (auto& p : *found) {
        out.push_back(std::move(p.snapshot));
    }
    co_return out;
}

core::task<core::result<std::vector<std::string>>> catalog_reader::product_ids_of_store(
    infra::db::transaction& tx,
    std::string vendor_id,
    std::optional<std::string> after_id,
    int limit
) {
    co_return co_await products_.ids_of_store(tx, std::move(vendor_id), std::move(after_id), limit);
}

core::task<core::result<std::optional<store_membership>>> catalog_reader::store_of_member(
    infra::db::transaction& tx, std::string user_id
) {
    auto m = co_await stores_.membership_of(tx, std::move(user_id));
    if (!m) {
        co_return std::move(m).error();
    }
    if (!*m) {
        co_return std::optional<store_membership>{};
    }
    co_return std::optional{store_membership{
        .vendor_id = (*m)->vendor_id,
        .status = std::string{to_string((*m)->status)},
        .owner = (*m)->role == member_role::owner}};
}

core::task<core::result<std::vector<product_snapshot>>> catalog_reader::products_after(
    infra::db::transaction& tx, std::optional<std::string> after_id, int limit
) {
    auto found = co_await products_.after(tx, std::move(after_id), limit);
    if (!found) {
        co_return std::move(found).error();
    }
    std::vector<product_snapshot> out;
    out.reserve(found->size());
    for (auto& p : *found) {
        out.push_back(std::move(p.snapshot));
    }
    co_return out;
}

// Variants for the cart and checkout: one join for the variant, its product and store, one query
// for the prices. The IN list is padded to 1, 20 or 100 ids (repeating the first) so the
// prepared-statement cache holds three shapes.
core::task<core::result<std::vector<variant_for_sale>>> catalog_reader::variants(
    infra::db::transaction& tx, std::vector<std::string> variant_ids
) {
    std::vector<variant_for_sale> out;
    if (variant_ids.empty()) {
        co_return out;
    }
    if (variant_ids.size() > 100) {
        co_return core::fail(core::errc::internal, "catalog::variants takes at most 100 ids");
    }
    std::size_t arity = variant_ids.size() == 1 ? 1 : variant_ids.size() <= 20 ? 20 : 100;
    std::string in = "(";
    infra::db::params args;
    for (std::size_t i = 0; i < arity; ++i) {
        in += (i == 0 ? "$" : ", $") + std::to_string(i + 1);
        args.emplace_back(i < variant_ids.size() ? variant_ids[i] : variant_ids.front());
    }
    in += ")";
    auto rows = co_await tx.run(
        "SELECT v.id, v.product_id, p.title, p.status, p.vendor_id, s.status, s.pickup_lat, "
        "s.pickup_lng, v.sku, v.options, v.stock_on_hand, v.stock_reserved FROM variants v "
        "JOIN products p ON p.id = v.product_id JOIN vendors s ON s.id = p.vendor_id "
        "WHERE v.id IN " + in,
        args
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::unordered_map<std::string, std::size_t> at;
    for (auto r : *rows) {
        variant_for_sale v;
        v.variant_id = r.get<std::string>(0);
        v.product_id = r.get<std::string>(1);
        v.product_title = r.get<std::string>(2);
        v.product_status = r.get<std::string>(3);
        v.vendor_id = r.get<std::string>(4);
        v.vendor_status = r.get<std::string>(5);
        v.pickup = location{.lat = r.get<double>(6), .lng = r.get<double>(7)};
        v.sku = r.get<std::string>(8);
        auto options = boost::json::parse(r.get<std::string>(9));
        if (options.is_object()) {
            v.options = std::move(options.get_object());
        }
        v.stock = std::max<std::int64_t>(0, r.get<std::int64_t>(10) - r.get<std::int64_t>(11));
        at.emplace(v.variant_id, out.size());
        out.push_back(std::move(v));
    }
    if (out.empty()) {
        co_return out;
    }
    auto prices = co_await tx.run(
        "SELECT variant_id, currency, amount FROM variant_prices WHERE variant_id IN " + in +
            " ORDER BY variant_id, currency",
        std::move(args)
    );
    if (!prices) {
        co_return std::move(prices).error();
    }
    for (auto r : *prices) {
        auto found = at.find(r.get<std::string>(0));
        auto currency = core::currency::parse(r.get<std::string>(1));
        if (found == at.end() || !currency) {
            continue;
        }
        out[found->second].prices.emplace_back(r.get<std::int64_t>(2), *currency);
    }
    co_return out;
}

core::task<core::result<std::optional<variant_for_sale>>> catalog_reader::variant(
    infra::db::transaction& tx, std::string variant_id
) {
    std::vector<std::string> ids;
    ids.push_back(std::move(variant_id));
    auto found = co_await variants(tx, std::move(ids));
    if (!found) {
        co_return std::move(found).error();
    }
    if (found->empty()) {
        co_return std::optional<variant_for_sale>{};
    }
    co_return std::optional{std::move(found->front())};
}

}  // namespace vendor
