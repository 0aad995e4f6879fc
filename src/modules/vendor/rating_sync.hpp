// Copies rating aggregates from the customer module's review.* events onto products and stores,
// then announces the change (product.updated, vendor.updated) so the storefront re-indexes them.
#pragma once

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"

namespace vendor {

class rating_sync {
public:
    explicit rating_sync(const core::clock& clock) : clock_(clock) {}

    // Outbox handler ("vendor.ratings"). Events carry the aggregates with a version that grows with
    // every review write of the product (and of the store); an event older than what is stored
    // changes nothing, so redelivered and out-of-order events are harmless.
    core::task<core::result<void>> on_event(infra::db::transaction& tx, const infra::bus::event& e);

private:
    core::task<core::result<void>> apply_product(
        infra::db::transaction& tx, const boost::json::object& data
    );
    core::task<core::result<void>> apply_store(
        infra::db::transaction& tx, const boost::json::object& data
    );

    const core::clock& clock_;
};

}  // namespace vendor
