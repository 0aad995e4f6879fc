// Checkout and the order lifecycle: one order per cart, one sub-order per vendor, stock reserved
// in the same transaction, every transition checked against the state machines and recorded,
// events written to the outbox with the change.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/jobs.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "modules/shopping/checkout_cart.hpp"
#include "modules/shopping/order_model.hpp"
#include "modules/shopping/order_repo.hpp"
#include "modules/shopping/payment.hpp"
#include "modules/shopping/purchases.hpp"
#include "modules/vendor/catalog.hpp"
#include "modules/vendor/inventory.hpp"

namespace shopping {

struct order_settings {
    // An unpaid order keeps its stock this long (TRADER_RESERVATION_TTL).
    std::chrono::milliseconds reservation_ttl{std::chrono::minutes{15}};
    std::chrono::milliseconds expiry_interval{std::chrono::seconds{10}};
    int expiry_batch = 100;
};

template <class T>
struct order_page {
    std::vector<T> items;
    std::optional<std::string> next_cursor;
};

// What a vendor asks of one of its sub-orders.
enum class vendor_action { accept, reject, prepare, ready, hand_over };

struct vendor_order {
    order parent;
    std::size_t index = 0;  // of the vendor's sub-order in parent.sub_orders
    const sub_order& sub() const { return parent.sub_orders[index]; }
};

class order_service final : public purchases {
public:
    order_service(
        infra::db::database& db,
        const core::clock& clock,
        infra::bus::dispatcher& events,
        checkout_cart& carts,
        vendor::inventory& inventory,
        vendor::catalog& catalog,
        payment_methods& payments,
        order_settings s
    );

    // 201 material: the order placed from the caller's cart, and to_json of it serialized.
    struct placed_order {
        order value;
        std::string json;
    };
    // Runs last in the checkout's write transaction, with the order and its document: the route
    // records its response there, so an Idempotency-Key's answer commits with the order.
    using in_checkout = std::function<core::task<core::result<void>>(
        infra::db::transaction&, const order&, const std::string& json
    )>;
    core::task<core::result<placed_order>> checkout(
        cart_caller who, std::string cart_id, checkout_request r, in_checkout also = {}
    );

    core::task<core::result<order>> mine(core::principal who, std::string order_id);
    core::task<core::result<order_page<order>>> list_mine(
        core::principal who,
        std::optional<order_status> status,
        std::optional<std::string> before_id,
        int limit
    );
    // Cancels every sub-order; only before any vendor accepted (409 naming the state after).
    core::task<core::result<order>> cancel(
        core::principal who, std::string order_id, std::optional<std::string> reason
    );

    core::task<core::result<order_page<vendor_order>>> vendor_list(
        core::principal who, sub_order_filter f
    );
    core::task<core::result<vendor_order>> vendor_get(core::principal who, std::string sub_order_id);
    core::task<core::result<vendor_order>> vendor_act(
        core::principal who,
        std::string sub_order_id,
        vendor_action action,
        std::optional<std::string> reason
    );

    // Cancels unpaid orders whose reservation ran out, releasing their stock.
    core::periodic_job expiry_job();
    core::task<core::result<int>> expire_unpaid();

    core::task<core::result<std::optional<purchase>>> purchase_of(
        infra::db::transaction& tx, std::string user_id, std::string order_id, std::string product_id
    ) override;

private:
    struct actor {
        std::string kind;  // customer | vendor | system
        std::optional<std::string> id;
    };

    core::task<core::result<cart_quote>> quote_tx(
        const cart_caller& who,
        const std::string& cart_id,
        const checkout_request& r,
        infra::db::transaction& tx
    );
    // A checkout's order, its rows and its events, built before the statements that write them.
    struct order_draft {
        order placed;
        std::string json;  // to_json(placed), serialized once for the response and order.placed
        std::vector<vendor::stock_request> stock;
        order_rows rows;
        std::vector<infra::bus::prepared_event> events;
    };
    core::task<core::result<order_draft>> draft_order(
        payment_method& method,
        const cart_quote& quote,
        const checkout_request& r,
        std::optional<std::string> email
    );
    core::task<core::result<void>> checkout_tx(
        const cart_quote& quoted,
        const order_draft& draft,
        const in_checkout& also,
        infra::db::transaction& tx
    );
    // Quote, draft and checkout_tx in one write transaction, for a method that authorises in
    // process; `out` holds the draft of the attempt that ran last.
    core::task<core::result<void>> price_and_place_tx(
        payment_method& method,
        const cart_caller& who,
        const std::string& cart_id,
        const checkout_request& r,
        const in_checkout& also,
        std::optional<order_draft>& out,
        infra::db::transaction& tx
    );
    core::task<core::result<order>> cancel_tx(
        const core::principal& who,
        const std::string& order_id,
        const std::optional<std::string>& reason,
        infra::db::transaction& tx
    );
    core::task<core::result<vendor_order>> vendor_act_tx(
        const core::principal& who,
        const std::string& sub_order_id,
        vendor_action action,
        const std::optional<std::string>& reason,
        infra::db::transaction& tx
    );
    core::task<core::result<bool>> expire_one_tx(const std::string& order_id, infra::db::transaction& tx);

    // The vendor the caller works for (any store state for reads, active for changes).
    core::task<core::result<std::string>> vendor_of(
        infra::db::transaction& tx, const std::string& user_id, bool need_active
    );
    // The caller's vendor's sub-order with its order: not_found when it is another vendor's or
    // there is none. `writing` needs an active store and locks the order first.
    core::task<core::result<vendor_order>> vendor_order_of(
        infra::db::transaction& tx,
        const std::string& user_id,
        const std::string& sub_order_id,
        bool writing
    );
    // Locks the order row so concurrent transitions of its sub-orders serialise.
    core::task<core::result<void>> lock(infra::db::transaction& tx, const std::string& order_id);
    // Moves one sub-order (checked against the machine), records it, writes its event and
    // releases or consumes its stock.
    core::task<core::result<void>> move(
        infra::db::transaction& tx,
        order& o,
        sub_order& s,
        sub_order_status to,
        const actor& by,
        const std::optional<std::string>& reason,
        bool expired = false
    );
    // Brings the order's status in line with its sub-orders.
    core::task<core::result<void>> settle(infra::db::transaction& tx, order& o, const actor& by);

    std::int64_t now_ms() const;

    infra::db::database& db_;
    const core::clock& clock_;
    infra::bus::dispatcher& events_;
    checkout_cart& carts_;
    vendor::inventory& inventory_;
    vendor::catalog& catalog_;
    payment_methods& payments_;
    order_settings settings_;
    order_repo repo_;
};

}  // namespace shopping
