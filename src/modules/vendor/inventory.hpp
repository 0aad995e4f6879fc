// Stock held for orders. Checkout reserves units inside its own transaction with a conditional
// update (on hand minus reserved must cover the quantity), so concurrent buyers can never take more
// than is on hand on either database; cancellation, rejection and expiry release them, delivery
// consumes them. Every change writes variant.stock_changed for the storefront.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace vendor {

struct stock_request {
    std::string variant_id;
    std::int64_t quantity = 0;  // > 0
};

struct stock_shortage {
    std::string variant_id;
    std::int64_t requested = 0;
    std::int64_t available = 0;  // what could still be sold (0 for an unknown variant)
};

class inventory {
public:
    virtual ~inventory() = default;

    // Reserves every request, or reports each one that cannot be covered. With shortages some
    // requests may be reserved already: the caller must roll its transaction back.
    virtual core::task<core::result<std::vector<stock_shortage>>> reserve(
        infra::db::transaction& tx, std::vector<stock_request> requests
    ) = 0;
    // Gives reserved units back (cancelled, rejected, expired).
    virtual core::task<core::result<void>> release(
        infra::db::transaction& tx, std::vector<stock_request> requests
    ) = 0;
    // Reserved units left the store (delivered or collected): on hand and reserved both drop.
    virtual core::task<core::result<void>> consume(
        infra::db::transaction& tx, std::vector<stock_request> requests
    ) = 0;
};

// vendor::inventory over the variants table.
class stock_ledger final : public inventory {
public:
    explicit stock_ledger(const core::clock& clock) : clock_(clock) {}

    core::task<core::result<std::vector<stock_shortage>>> reserve(
        infra::db::transaction& tx, std::vector<stock_request> requests
    ) override;
    core::task<core::result<void>> release(
        infra::db::transaction& tx, std::vector<stock_request> requests
    ) override;
    core::task<core::result<void>> consume(
        infra::db::transaction& tx, std::vector<stock_request> requests
    ) override;

private:
    // Applies `sql` ($1 quantity, $2 variant id, $3 now) to each request and writes its event;
    // `direction` says how what can be sold moves with the quantity (+1 release, 0 consume).
    core::task<core::result<void>> adjust(
        infra::db::transaction& tx,
        std::vector<stock_request> requests,
        int direction,
        std::string_view sql
    );

    const core::clock& clock_;
};

}  // namespace vendor
