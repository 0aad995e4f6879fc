#include "modules/customer/wishlist_service.hpp"

#include <functional>
#include <map>

#include "core/ids.hpp"

namespace customer {
namespace {

using core::errc;
using core::fail;

core::error no_such_product() {
    return core::error{errc::not_found, "no such product on the storefront"};
}

}  // namespace

core::task<core::result<page<wishlist_entry>>> wishlist_service::list(
    core::principal who, std::optional<std::string> before_id, int limit
) {
    auto body = std::bind_front(
        &wishlist_service::list_tx, this, std::move(who), std::move(before_id), limit
    );
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<page<wishlist_entry>>> wishlist_service::list_tx(
    core::principal who, std::optional<std::string> before_id, int limit, infra::db::transaction& tx
) {
    auto items = co_await repo_.page(tx, who.user_id, std::move(before_id), limit + 1);
    if (!items) {
        co_return std::move(items).error();
    }
    page<wishlist_entry> out;
    if (items->size() > static_cast<std::size_t>(limit)) {
        items->resize(static_cast<std::size_t>(limit));
        out.next_cursor = core::encode_cursor(items->back().id);
    }
    std::vector<std::string> ids;
    ids.reserve(items->size());
    for (const auto& w : *items) {
        ids.push_back(w.product_id);
    }
    // One batch for the products and one read per store on the page.
    auto products = co_await catalog_.products_by_id(tx, std::move(ids));
    if (!products) {
        co_return std::move(products).error();
    }
    std::map<std::string, vendor::product_snapshot> by_id;
    std::map<std::string, std::optional<vendor::store_snapshot>> stores;
    for (auto& p : *products) {
        stores.emplace(p.vendor_id, std::nullopt);
        auto id = p.id;
        by_id.emplace(std::move(id), std::move(p));
    }
    for (auto& [vendor_id, store] : stores) {
        auto found = co_await catalog_.store(tx, vendor_id);
        if (!found) {
            co_return std::move(found).error();
        }
        store = std::move(*found);
    }
    for (auto& w : *items) {
        wishlist_entry e{.item = std::move(w), .product = std::nullopt, .store = std::nullopt};
        auto p = by_id.find(e.item.product_id);
        if (p != by_id.end()) {
            e.store = stores[p->second.vendor_id];
            e.product = p->second;
        }
        out.items.push_back(std::move(e));
    }
    co_return out;
}

core::task<core::result<wishlist_added>> wishlist_service::add(
    core::principal who, std::string product_id
) {
    if (!core::is_id(product_id, "prod")) {
        co_return no_such_product();
    }
    auto body =
        std::bind_front(&wishlist_service::add_tx, this, std::move(who), std::move(product_id));
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<wishlist_added>> wishlist_service::add_tx(
    core::principal who, std::string product_id, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto locked = co_await customers_.lock(tx, who.user_id, now);
    if (!locked) {
        co_return std::move(locked).error();
    }
    auto product = co_await catalog_.product(tx, product_id);
    if (!product) {
        co_return std::move(product).error();
    }
    std::optional<vendor::store_snapshot> store;
    if (*product) {
        auto found = co_await catalog_.store(tx, (*product)->vendor_id);
        if (!found) {
            co_return std::move(found).error();
        }
        store = std::move(*found);
    }
    auto existing = co_await repo_.find(tx, who.user_id, product_id);
    if (!existing) {
        co_return std::move(existing).error();
    }
    if (*existing) {
        // Already listed: the same answer as the first time, whatever the product's state now.
        co_return wishlist_added{
            .entry =
                {.item = std::move(**existing), .product = std::move(*product), .store = store},
            .created = false};
    }
    if (!*product || !store || !visible(**product, *store)) {
        co_return no_such_product();
    }
    auto count = co_await repo_.count(tx, who.user_id);
    if (!count) {
        co_return std::move(count).error();
    }
    if (*count >= static_cast<std::int64_t>(limits::wishlist)) {
        co_return fail(
            errc::conflict, "your wishlist holds " + std::to_string(limits::wishlist) +
                                " products already: remove one before adding another"
        );
    }
    wishlist_item item{.id = core::new_id("wish", now), .product_id = product_id, .added_at = now};
    auto inserted = co_await repo_.insert(tx, who.user_id, item);
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    co_return wishlist_added{
        .entry =
            {.item = std::move(item), .product = std::move(*product), .store = std::move(store)},
        .created = true};
}

core::task<core::result<void>> wishlist_service::remove(
    core::principal who, std::string product_id
) {
    if (!core::is_id(product_id, "prod")) {
        co_return fail(errc::not_found, "the product is not on your wishlist");
    }
    auto body =
        std::bind_front(&wishlist_service::remove_tx, this, std::move(who), std::move(product_id));
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<void>> wishlist_service::remove_tx(
    core::principal who, std::string product_id, infra::db::transaction& tx
) {
    auto removed = co_await repo_.remove(tx, who.user_id, std::move(product_id));
    if (!removed) {
        co_return std::move(removed).error();
    }
    if (!*removed) {
        co_return fail(errc::not_found, "the product is not on your wishlist");
    }
    co_return core::ok();
}

}  // namespace customer
