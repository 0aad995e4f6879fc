// What the storefront answers: product lists and search pages, product pages and store pages,
// rendered once and served from the cache until an index change bumps their generation.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/cache/cache.hpp"
#include "infra/db/database.hpp"
#include "modules/admin/categories.hpp"
#include "modules/shopping/model.hpp"
#include "modules/shopping/search_engine.hpp"
#include "modules/shopping/search_sync.hpp"
#include "modules/shopping/storefront_repo.hpp"

namespace shopping {

struct storefront_settings {
    std::string default_currency = "EUR";
    std::chrono::milliseconds cache_ttl{60000};  // entries also expire without an event
};

// A rendered response body and its strong ETag, both views into one string ("etag\nbody") that
// the cache keeps as it is: a page served from the cache is never copied.
struct rendered {
    std::shared_ptr<const std::string> stored;
    std::string_view etag;
    std::string_view body;
};

// A list or search request as the routes decoded it; category and vendor are not resolved yet.
struct list_query {
    bool with_facets = false;             // /store/search
    search_text::query search;            // empty = no full-text condition
    std::optional<std::string> category;  // id or handle
    std::optional<std::string> vendor;    // id or handle
    bool vendor_from_path = false;        // an unknown store is 404, not a bad parameter
    std::string currency;                 // empty = the default
    std::optional<std::int64_t> price_min;
    std::optional<std::int64_t> price_max;
    bool in_stock = false;
    std::vector<attribute_filter> attributes;  // sorted by name, values sorted
    std::vector<std::string> tags;             // sorted, distinct
    sort_order sort = sort_order::newest;
    std::optional<position> after;
    int limit = 20;
    std::vector<std::string> fields;  // sorted, distinct; empty = every field

    // Everything above in one unambiguous string: the cache key of the page.
    std::string key() const;
};

// The text a cursor stands for: sort, key and id, so that a cursor of one order is refused by
// another (`price_asc:EUR|1999|prod_...`).
std::string cursor_sort_tag(sort_order s, std::string_view currency);

class storefront_service {
public:
    storefront_service(
        infra::db::database& db,
        infra::cache::cache& cache,
        admin::categories& categories,
        storefront_settings settings,
        const search_engine* engine = nullptr,  // searches from the database when null
        const search_sync* sync = nullptr
    );

    core::task<core::result<rendered>> list(list_query q);
    core::task<core::result<rendered>> product(std::string id_or_handle);
    core::task<core::result<rendered>> product_of_store(
        std::string vendor_handle, std::string handle
    );
    core::task<core::result<rendered>> store(std::string handle);

    const storefront_settings& settings() const noexcept { return settings_; }

private:
    core::task<core::result<rendered>> render_list(list_query q);
    core::task<core::result<bool>> correct(infra::db::transaction& tx, search_text::query& search);
    core::task<std::optional<rendered>> cached(std::string key);
    core::task<void> keep(std::string key, const rendered& r);

    infra::db::database& db_;
    infra::cache::cache& cache_;
    admin::categories& categories_;
    storefront_repo repo_;
    storefront_settings settings_;
    const search_engine* engine_;
    const search_sync* sync_;
};

}  // namespace shopping
