#include "modules/vendor/catalog_reader.hpp"

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

core::task<core::result<std::vector<std::string>>> catalog_reader::product_ids_of_store(
    infra::db::transaction& tx,
    std::string vendor_id,
    std::optional<std::string> after_id,
    int limit
) {
    co_return co_await products_.ids_of_store(tx, std::move(vendor_id), std::move(after_id), limit);
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

}  // namespace vendor
