// Products as their vendor manages them: create, edit (with If-Match), publish, archive, delete,
// stock. Every change writes its event in the same transaction, for the storefront's read model.
#pragma once

#include <optional>
#include <string>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "modules/admin/categories.hpp"
#include "modules/vendor/model.hpp"
#include "modules/vendor/product_repo.hpp"
#include "modules/vendor/store_service.hpp"
#include "modules/vendor/validation.hpp"

namespace vendor {

// What a write may expect of the product: the If-Match header, when the client sent one.
using precondition = std::optional<std::string>;

class product_service {
public:
    product_service(
        infra::db::database& db,
        const core::clock& clock,
        infra::bus::dispatcher& events,
        store_service& stores,
        admin::categories& categories
    );

    // Every call acts for the caller's active store; another store's product is `not_found`.
    core::task<core::result<product>> create(core::principal who, product_draft d);
    core::task<core::result<page<product>>> list(
        core::principal who,
        std::optional<std::string> status,
        std::optional<std::string> before_id,
        int limit
    );
    core::task<core::result<product>> get(core::principal who, std::string id);
    // `precondition_failed` when If-Match names another version; `conflict` on a deleted product.
    core::task<core::result<product>> update(
        core::principal who, std::string id, product_patch p, precondition if_match
    );
    core::task<core::result<product>> publish(
        core::principal who, std::string id, precondition if_match
    );
    core::task<core::result<product>> archive(
        core::principal who, std::string id, precondition if_match
    );
    // Soft: the product keeps its row (and SKUs) with status deleted.
    core::task<core::result<void>> remove(
        core::principal who, std::string id, precondition if_match
    );
    // The product with the changed stock; `conflict` below the reserved quantity.
    core::task<core::result<product>> set_stock(
        core::principal who,
        std::string product_id,
        std::string variant_id,
        stock_change change,
        precondition if_match
    );

    // Outbox handler: on category.deleted, products filed under it lose the category.
    core::task<core::result<void>> on_event(infra::db::transaction& tx, const infra::bus::event& e);

private:
    enum class action { publish, archive, remove };

    core::task<core::result<void>> check_category(const std::optional<std::string>& id);
    core::task<core::result<product>> create_tx(
        core::principal who, product_draft d, infra::db::transaction& tx
    );
    core::task<core::result<page<product>>> list_tx(
        core::principal who,
        std::optional<std::string> status,
        std::optional<std::string> before_id,
        int limit,
        infra::db::transaction& tx
    );
    core::task<core::result<product>> get_tx(
        core::principal who, std::string id, infra::db::transaction& tx
    );
    core::task<core::result<product>> update_tx(
        core::principal who,
        std::string id,
        product_patch p,
        precondition if_match,
        infra::db::transaction& tx
    );
    core::task<core::result<product>> act_tx(
        core::principal who,
        std::string id,
        action what,
        precondition if_match,
        infra::db::transaction& tx
    );
    core::task<core::result<product>> act(
        core::principal who, std::string id, action what, precondition if_match
    );
    core::task<core::result<product>> stock_tx(
        core::principal who,
        std::string product_id,
        std::string variant_id,
        stock_change change,
        precondition if_match,
        infra::db::transaction& tx
    );
    // The caller's product for a write: active store, owned, not deleted, If-Match satisfied.
    core::task<core::result<product>> writable(
        infra::db::transaction& tx,
        const core::principal& who,
        std::string id,
        const precondition& if_match
    );
    core::task<core::result<void>> append(
        infra::db::transaction& tx, std::string_view type, const product& p
    );

    infra::db::database& db_;
    const core::clock& clock_;
    infra::bus::dispatcher& events_;
    store_service& stores_;
    admin::categories& categories_;
    product_repo repo_;
};

}  // namespace vendor
