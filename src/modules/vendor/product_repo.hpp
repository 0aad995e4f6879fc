// SQL for products, their variants, prices and images. A product is always loaded whole, with a
// fixed number of queries however many variants it has (never one query per variant).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/vendor/model.hpp"

namespace vendor {

struct product_filter {
    std::string vendor_id;
    std::optional<std::string> status;  // nullopt = every status but deleted
    std::optional<std::string> before_id;
    int limit = 20;
};

class product_repo {
public:
    core::task<core::result<std::optional<product>>> find(
        infra::db::transaction& tx, std::string id
    );
    // The products with these ids, in the order of `ids` (missing ones left out).
    core::task<core::result<std::vector<product>>> find_many(
        infra::db::transaction& tx, std::vector<std::string> ids
    );
    // Up to `limit` products after `after_id` in id order, whole.
    core::task<core::result<std::vector<product>>> after(
        infra::db::transaction& tx, std::optional<std::string> after_id, int limit
    );
    // Ids of a store's products, newest first.
    core::task<core::result<std::vector<std::string>>> page_ids(
        infra::db::transaction& tx, product_filter f
    );
    // Ids of a store's products after `after_id`, in id order.
    core::task<core::result<std::vector<std::string>>> ids_of_store(
        infra::db::transaction& tx,
        std::string vendor_id,
        std::optional<std::string> after_id,
        int limit
    );
    // The store's handles equal to `base` or starting with `base-`.
    core::task<core::result<std::vector<std::string>>> handles_like(
        infra::db::transaction& tx, std::string vendor_id, std::string base
    );
    // Those of `skus` that variants of the store's other products use.
    core::task<core::result<std::vector<std::string>>> skus_taken(
        infra::db::transaction& tx,
        std::string vendor_id,
        std::vector<std::string> skus,
        std::string except_product_id
    );

    // The product row, its variants and their prices.
    core::task<core::result<void>> insert(infra::db::transaction& tx, const product& p);
    // The product row only (version, status, texts, JSON documents).
    core::task<core::result<void>> update(infra::db::transaction& tx, const product& p);
    // Makes the stored variants of `before` those of `after`: matching ids are updated (prices
    // replaced), new ones inserted, missing ones deleted with their prices.
    core::task<core::result<void>> save_variants(
        infra::db::transaction& tx, const product& before, const product& after
    );
    core::task<core::result<void>> set_stock(
        infra::db::transaction& tx,
        std::string variant_id,
        std::int64_t on_hand,
        core::time_point now
    );
    // Removes a deleted category from every product filed under it and bumps their versions;
    // returns (product id, vendor id) of each.
    core::task<core::result<std::vector<std::pair<std::string, std::string>>>> clear_category(
        infra::db::transaction& tx, std::string category_id, core::time_point now
    );

private:
    core::task<core::result<std::vector<product>>> load(
        infra::db::transaction& tx, std::string where, infra::db::params args
    );
    core::task<core::result<void>> insert_variant(
        infra::db::transaction& tx, const product& p, std::size_t index
    );
    core::task<core::result<void>> insert_prices(
        infra::db::transaction& tx, const variant_snapshot& v
    );
};

}  // namespace vendor
