// Reviews: a customer rates a delivered product of their own order (once per product per order),
// the store that sold it replies, the storefront lists them. Every write recomputes the product's
// and the store's rating aggregates and writes a review.* event with them in the same transaction;
// the vendor module copies the aggregates onto products and stores.
#pragma once

#include <optional>
#include <string>

#include "core/auth.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/bus/outbox.hpp"
#include "infra/db/database.hpp"
#include "modules/customer/review_repo.hpp"
#include "modules/customer/validation.hpp"
#include "modules/shopping/purchases.hpp"
#include "modules/vendor/catalog.hpp"

namespace customer {

// A storefront page of a product's reviews with its ratings.
struct product_reviews {
    page<review> reviews;
    rating_summary rating;
};

class review_service {
public:
    review_service(
        infra::db::database& db,
        const core::clock& clock,
        infra::bus::dispatcher& events,
        vendor::catalog& catalog,
        shopping::purchases& purchases
    )
        : db_(db), clock_(clock), events_(events), catalog_(catalog), purchases_(purchases) {}

    // `invalid` (/product_id) when the product is not an item of one of the caller's orders;
    // `conflict` when the item is not delivered yet or already reviewed.
    core::task<core::result<review>> create(core::principal who, review_input in);
    core::task<core::result<page<review>>> mine(
        core::principal who, std::optional<std::string> before_id, int limit
    );
    // The author's own review; another's is `not_found`.
    core::task<core::result<review>> get_mine(core::principal who, std::string id);
    core::task<core::result<review>> update(core::principal who, std::string id, review_patch p);
    core::task<core::result<void>> remove(core::principal who, std::string id);

    // Reviews of a product on the storefront, newest first; `not_found` when the product is not on
    // the storefront.
    core::task<core::result<product_reviews>> of_product(
        std::string product_id, std::optional<std::string> before_id, int limit
    );

    // The caller's store (active) answers a review of one of its products; a second reply replaces
    // the first. Another store's review is `not_found`; `forbidden` without an active store.
    core::task<core::result<review>> reply(core::principal who, std::string id, std::string body);
    core::task<core::result<page<review>>> of_store(
        core::principal who,
        std::optional<std::string> product_id,
        std::optional<bool> replied,
        std::optional<std::string> before_id,
        int limit
    );

private:
    core::task<core::result<review>> create_tx(
        core::principal who, review_input in, infra::db::transaction& tx
    );
    core::task<core::result<page<review>>> page_tx(review_filter f, infra::db::transaction& tx);
    core::task<core::result<review>> get_mine_tx(
        core::principal who, std::string id, infra::db::transaction& tx
    );
    core::task<core::result<review>> update_tx(
        core::principal who, std::string id, review_patch p, infra::db::transaction& tx
    );
    core::task<core::result<void>> remove_tx(
        core::principal who, std::string id, infra::db::transaction& tx
    );
    core::task<core::result<product_reviews>> of_product_tx(
        std::string product_id,
        std::optional<std::string> before_id,
        int limit,
        infra::db::transaction& tx
    );
    core::task<core::result<review>> reply_tx(
        core::principal who, std::string id, std::string body, infra::db::transaction& tx
    );
    core::task<core::result<page<review>>> of_store_tx(
        core::principal who, review_filter f, infra::db::transaction& tx
    );
    // The caller's store when it is active; `forbidden` otherwise.
    core::task<core::result<std::string>> store_of(
        infra::db::transaction& tx, const core::principal& who
    );
    // Recomputes the product's and the store's aggregates and writes `type` with them.
    core::task<core::result<void>> publish(
        infra::db::transaction& tx, std::string_view type, const review& r, bool with_ratings
    );

    infra::db::database& db_;
    const core::clock& clock_;
    infra::bus::dispatcher& events_;
    vendor::catalog& catalog_;
    shopping::purchases& purchases_;
    review_repo repo_;
};

}  // namespace customer
