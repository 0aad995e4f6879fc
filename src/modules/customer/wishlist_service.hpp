// The wishlist: products a customer keeps for later, at most limits::wishlist. Only products on
// the storefront (published, store active) can be added; items stay when a product leaves it.
#pragma once

#include <optional>
#include <string>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/customer/customer_repo.hpp"
#include "modules/customer/wishlist_repo.hpp"
#include "modules/vendor/catalog.hpp"

namespace customer {

// An item with its product and store as the catalog has them now (nullopt when gone).
struct wishlist_entry {
    wishlist_item item;
    std::optional<vendor::product_snapshot> product;
    std::optional<vendor::store_snapshot> store;
};

struct wishlist_added {
    wishlist_entry entry;
    bool created = false;  // false when the product was on the list already
};

class wishlist_service {
public:
    wishlist_service(infra::db::database& db, const core::clock& clock, vendor::catalog& catalog)
        : db_(db), clock_(clock), catalog_(catalog) {}

    core::task<core::result<page<wishlist_entry>>> list(
        core::principal who, std::optional<std::string> before_id, int limit
    );
    // Idempotent. `not_found` for a product that is unknown or not on the storefront; `conflict`
    // at the limit.
    core::task<core::result<wishlist_added>> add(core::principal who, std::string product_id);
    // `not_found` when the product is not on the list.
    core::task<core::result<void>> remove(core::principal who, std::string product_id);

private:
    core::task<core::result<page<wishlist_entry>>> list_tx(
        core::principal who,
        std::optional<std::string> before_id,
        int limit,
        infra::db::transaction& tx
    );
    core::task<core::result<wishlist_added>> add_tx(
        core::principal who, std::string product_id, infra::db::transaction& tx
    );
    core::task<core::result<void>> remove_tx(
        core::principal who, std::string product_id, infra::db::transaction& tx
    );

    infra::db::database& db_;
    const core::clock& clock_;
    vendor::catalog& catalog_;
    wishlist_repo repo_;
    customer_repo customers_;
};

}  // namespace customer
