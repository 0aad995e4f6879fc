// SQL for reviews and their rating aggregates.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/customer/model.hpp"

namespace customer {

// Which reviews a page lists: an author's (user_id), a store's (vendor_id) or else a product's;
// `product_id` narrows an author's or a store's list to one product.
struct review_filter {
    std::optional<std::string> user_id;
    std::optional<std::string> product_id;
    std::optional<std::string> vendor_id;
    std::optional<bool> replied;  // only answered / unanswered ones
    std::optional<std::string> before_id;
    int limit = 20;
};

class review_repo {
public:
    core::task<core::result<std::optional<review>>> find(
        infra::db::transaction& tx, std::string id
    );
    core::task<core::result<std::optional<std::string>>> id_of(
        infra::db::transaction& tx, std::string order_id, std::string product_id
    );
    // Newest first.
    core::task<core::result<std::vector<review>>> page(infra::db::transaction& tx, review_filter f);
    // `conflict` when the order's product has a review already.
    core::task<core::result<void>> insert(infra::db::transaction& tx, const review& r);
    // Rating, title, body and the reply.
    core::task<core::result<void>> update(infra::db::transaction& tx, const review& r);
    core::task<core::result<void>> remove(infra::db::transaction& tx, std::string id);

    // Recomputes the aggregate of a product (`scope` "product") or store ("vendor") from the
    // reviews and bumps its version. The aggregate row is locked before the reviews are counted, so
    // concurrent writers of the same subject each count every review committed before them.
    core::task<core::result<rating_aggregate>> refresh(
        infra::db::transaction& tx,
        std::string_view scope,
        std::string subject_id,
        core::time_point now
    );
    // A product's ratings and their distribution, counted from the reviews.
    core::task<core::result<rating_summary>> summary(
        infra::db::transaction& tx, std::string product_id
    );
};

}  // namespace customer
