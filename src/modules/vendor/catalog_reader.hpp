// vendor::catalog over the vendor module's tables, for other modules' event handlers and rebuilds.
#pragma once

#include "modules/vendor/catalog.hpp"
#include "modules/vendor/product_repo.hpp"
#include "modules/vendor/store_repo.hpp"

namespace vendor {

class catalog_reader final : public catalog {
public:
    core::task<core::result<std::optional<store_snapshot>>> store(
        infra::db::transaction& tx, std::string vendor_id
    ) override;
    core::task<core::result<std::optional<product_snapshot>>> product(
        infra::db::transaction& tx, std::string product_id
    ) override;
    core::task<core::result<std::vector<product_snapshot>>> products_by_id(
        infra::db::transaction& tx, std::vector<std::string> product_ids
    ) override;
    core::task<core::result<std::vector<std::string>>> product_ids_of_store(
        infra::db::transaction& tx,
        std::string vendor_id,
        std::optional<std::string> after_id,
        int limit
    ) override;
    core::task<core::result<std::optional<store_membership>>> store_of_member(
        infra::db::transaction& tx, std::string user_id
    ) override;
    core::task<core::result<std::vector<product_snapshot>>> products_after(
        infra::db::transaction& tx, std::optional<std::string> after_id, int limit
    ) override;
    core::task<core::result<std::optional<variant_for_sale>>> variant(
        infra::db::transaction& tx, std::string variant_id
    ) override;
    core::task<core::result<std::vector<variant_for_sale>>> variants(
        infra::db::transaction& tx, std::vector<std::string> variant_ids
    ) override;

private:
    store_repo stores_;
    product_repo products_;
};

}  // namespace vendor
