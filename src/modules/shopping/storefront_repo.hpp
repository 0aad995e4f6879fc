// Reads of the storefront read model: pages of products for every filter and sort, facet counts,
// product and store documents, and the search vocabulary. Every method runs in the caller's read
// transaction, so one response sees one snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/shopping/model.hpp"

namespace shopping {

struct product_document {
    std::string id;
    std::string vendor_handle;
    std::string detail;  // pre-rendered JSON
};

struct store_document {
    std::string id;
    std::string document;  // pre-rendered JSON
};

struct vocabulary_entry {
    std::string term;
    std::int64_t docs = 0;
};

class storefront_repo {
public:
    explicit storefront_repo(infra::db::dialect kind) : kind_(kind) {}

    // `limit` items after `after` in the request's order, and whether more follow.
    core::task<core::result<product_page>> page(infra::db::transaction& tx, page_request req);
    // Counts over every product the request's filters and search match (the cursor is ignored);
    // `minor_digits` scales the price buckets to the currency.
    core::task<core::result<facet_counts>> facets(
        infra::db::transaction& tx, page_request req, int minor_digits
    );

    core::task<core::result<std::optional<product_document>>> product_by_id(
        infra::db::transaction& tx, std::string id
    );
    // Visible products with this handle (one per store), at most `limit`.
    core::task<core::result<std::vector<product_document>>> products_by_handle(
        infra::db::transaction& tx, std::string handle, int limit
    );
    core::task<core::result<std::optional<product_document>>> product_of_store(
        infra::db::transaction& tx, std::string vendor_handle, std::string handle
    );

    // An active store by handle or by id.
    core::task<core::result<std::optional<store_document>>> store_by_handle(
        infra::db::transaction& tx, std::string handle
    );
    core::task<core::result<std::optional<store_document>>> store_by_id(
        infra::db::transaction& tx, std::string id
    );

    // True when some indexed term equals `t.stemmed` or, for prefix terms, starts with `t.raw`.
    core::task<core::result<bool>> known(infra::db::transaction& tx, search_text::term t);
    // Indexed terms that start with `first` (one code point) and have `min`..`max` code points.
    core::task<core::result<std::vector<vocabulary_entry>>> terms_like(
        infra::db::transaction& tx, std::string first, std::int64_t min, std::int64_t max
    );

private:
    infra::db::dialect kind_;
};

}  // namespace shopping
