// SQL for carts, their line items, applied codes and promotions (with their usage counters).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/shopping/cart_model.hpp"

namespace shopping {

class cart_repo {
public:
    core::task<core::result<std::optional<cart>>> find(infra::db::transaction& tx, std::string id);
    // The customer's most recently changed open cart in `currency`, other than `except_id`.
    core::task<core::result<std::optional<cart>>> open_cart_of(
        infra::db::transaction& tx,
        std::string customer_id,
        std::string currency,
        std::string except_id
    );
    core::task<core::result<void>> insert(infra::db::transaction& tx, const cart& c);
    // Writes owner, email, status, merge/order links and updated_at when the stored version is
    // `expected_version`, and bumps the version; false when it is not (changed meanwhile) or the
    // cart is not open.
    core::task<core::result<bool>> update(
        infra::db::transaction& tx, const cart& c, std::int64_t expected_version
    );
    // Completes an open cart still at `expected_version` with its order, keeping the cart's email
    // or else taking `email`; false when the cart is not open at that version.
    core::task<core::result<bool>> close(
        infra::db::transaction& tx,
        std::string cart_id,
        std::int64_t expected_version,
        std::string order_id,
        std::optional<std::string> email,
        core::time_point now
    );
    // Bumps an open cart's version (and, on PostgreSQL, locks its row until the transaction
    // ends so changes to one cart apply one after another); false when it is not open.
    core::task<core::result<bool>> touch(
        infra::db::transaction& tx, std::string cart_id, core::time_point now
    );

    core::task<core::result<std::vector<cart_item>>> items(
        infra::db::transaction& tx, std::string cart_id
    );
    core::task<core::result<void>> insert_item(infra::db::transaction& tx, const cart_item& i);
    core::task<core::result<void>> update_item(infra::db::transaction& tx, const cart_item& i);
    core::task<core::result<void>> delete_item(
        infra::db::transaction& tx, std::string cart_id, std::string item_id
    );
    // Moves a line to another cart (its id stays).
    core::task<core::result<void>> move_item(
        infra::db::transaction& tx, std::string item_id, std::string to_cart_id
    );

    // Codes applied to the cart, oldest first.
    core::task<core::result<std::vector<promotion>>> applied_codes(
        infra::db::transaction& tx, std::string cart_id
    );
    core::task<core::result<void>> apply_code(
        infra::db::transaction& tx,
        std::string cart_id,
        std::string promotion_id,
        core::time_point now
    );
    // false when the code was not applied to the cart.
    core::task<core::result<bool>> remove_code(
        infra::db::transaction& tx, std::string cart_id, std::string promotion_id
    );

    core::task<core::result<std::optional<promotion>>> promotion_by_id(
        infra::db::transaction& tx, std::string id
    );
    core::task<core::result<std::optional<promotion>>> promotion_by_code(
        infra::db::transaction& tx, std::string code
    );
    // Active automatic promotions, oldest first (their window and limits are checked by the
    // caller).
    core::task<core::result<std::vector<promotion>>> automatic_promotions(infra::db::transaction& tx
    );
    // Promotions newest first, before `before_id`.
    core::task<core::result<std::vector<promotion>>> promotions_page(
        infra::db::transaction& tx, std::optional<std::string> before_id, int limit
    );
    core::task<core::result<void>> insert_promotion(infra::db::transaction& tx, const promotion& p);
    core::task<core::result<void>> update_promotion(infra::db::transaction& tx, const promotion& p);
    // How often `customer_key` redeemed the promotion.
    core::task<core::result<std::int64_t>> used_by(
        infra::db::transaction& tx, std::string promotion_id, std::string customer_key
    );

    // One redemption: +1 on the promotion while below its usage limit and +1 for the customer
    // while below the per-customer limit, each a conditional UPDATE (atomic on both databases);
    // false when a limit was reached (the caller rolls back).
    core::task<core::result<bool>> redeem(
        infra::db::transaction& tx,
        const promotion& p,
        std::optional<std::string> customer_key,
        std::string cart_id,
        std::string order_id,
        core::time_point now
    );
};

}  // namespace shopping
