#include "modules/customer/review_service.hpp"

#include <functional>

#include "core/ids.hpp"

namespace customer {
namespace {

using core::errc;
using core::fail;

core::error no_such_review() { return core::error{errc::not_found, "no such review"}; }

core::error no_such_product() {
    return core::error{errc::not_found, "no such product on the storefront"};
}

template <class T>
page<T> paged(std::vector<T> rows, int limit) {
    page<T> out;
    if (rows.size() > static_cast<std::size_t>(limit)) {
        rows.resize(static_cast<std::size_t>(limit));
        out.next_cursor = core::encode_cursor(rows.back().id);
    }
    out.items = std::move(rows);
    return out;
}

boost::json::object versioned(const rating_aggregate& a) {
    auto out = aggregate_json(a);
    out["version"] = a.version;
    return out;
}

}  // namespace

core::task<core::result<review>> review_service::create(core::principal who, review_input in) {
    auto body = std::bind_front(&review_service::create_tx, this, std::move(who), std::move(in));
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<review>> review_service::create_tx(
    core::principal who, review_input in, infra::db::transaction& tx
) {
    auto bought = co_await purchases_.purchase_of(tx, who.user_id, in.order_id, in.product_id);
    if (!bought) {
        co_return std::move(bought).error();
    }
    if (!*bought) {
        // The same answer for someone else's order and for a product the order does not hold.
        co_return core::error{
            errc::invalid,
            "the product is not an item of one of your orders",
            {{"/product_id", "not_purchased",
              "is not an item of order " + in.order_id + " among your orders"}}};
    }
    const auto& purchase = **bought;
    if (!purchase.delivered_at) {
        co_return fail(errc::conflict, "the item can be reviewed once it has been delivered");
    }
    auto existing = co_await repo_.id_of(tx, in.order_id, in.product_id);
    if (!existing) {
        co_return std::move(existing).error();
    }
    if (*existing) {
        co_return fail(
            errc::conflict, "you reviewed this product of this order already (" + **existing +
                                "): edit that review instead"
        );
    }
    auto now = clock_.now();
    review r;
    r.id = core::new_id("rev", now);
    r.user_id = who.user_id;
    r.order_id = std::move(in.order_id);
    r.sub_order_id = purchase.sub_order_id;
    r.product_id = std::move(in.product_id);
    r.vendor_id = purchase.vendor_id;
    r.rating = in.rating;
    r.title = std::move(in.title);
    r.body = std::move(in.body);
    r.created_at = now;
    r.updated_at = now;
    auto inserted = co_await repo_.insert(tx, r);
    if (!inserted) {
        if (inserted.error().code == errc::conflict) {
            // A concurrent request of the same customer won the race.
            co_return fail(errc::conflict, "you reviewed this product of this order already");
        }
        co_return std::move(inserted).error();
    }
    auto published = co_await publish(tx, events::review_created, r, true);
    if (!published) {
        co_return std::move(published).error();
    }
    co_return r;
}

core::task<core::result<page<review>>> review_service::mine(
    core::principal who, std::optional<std::string> before_id, int limit
) {
    review_filter f{.user_id = who.user_id, .before_id = std::move(before_id), .limit = limit};
    auto body = std::bind_front(&review_service::page_tx, this, std::move(f));
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<page<review>>> review_service::page_tx(
    review_filter f, infra::db::transaction& tx
) {
    auto limit = f.limit;
    f.limit = limit + 1;
    auto rows = co_await repo_.page(tx, std::move(f));
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return paged(std::move(*rows), limit);
}

core::task<core::result<review>> review_service::get_mine(core::principal who, std::string id) {
    if (!core::is_id(id, "rev")) {
        co_return no_such_review();
    }
    auto body = std::bind_front(&review_service::get_mine_tx, this, std::move(who), std::move(id));
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<review>> review_service::get_mine_tx(
    core::principal who, std::string id, infra::db::transaction& tx
) {
    auto found = co_await repo_.find(tx, std::move(id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found || (*found)->user_id != who.user_id) {
        co_return no_such_review();
    }
    co_return std::move(**found);
}

core::task<core::result<review>> review_service::update(
    core::principal who, std::string id, review_patch p
) {
    if (!core::is_id(id, "rev")) {
        co_return no_such_review();
    }
    auto body = std::bind_front(
        &review_service::update_tx, this, std::move(who), std::move(id), std::move(p)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<review>> review_service::update_tx(
    core::principal who, std::string id, review_patch p, infra::db::transaction& tx
) {
    auto found = co_await get_mine_tx(std::move(who), std::move(id), tx);
    if (!found) {
        co_return found;
    }
    auto r = std::move(*found);
    if (p.empty()) {
        co_return r;
    }
    const bool rating_changed = p.rating && *p.rating != r.rating;
    if (p.rating) {
        r.rating = *p.rating;
    }
    if (p.title.present) {
        r.title = std::move(p.title.value);
    }
    if (p.body) {
        r.body = std::move(*p.body);
    }
    r.updated_at = clock_.now();
    auto saved = co_await repo_.update(tx, r);
    if (!saved) {
        co_return std::move(saved).error();
    }
    auto published = co_await publish(tx, events::review_updated, r, rating_changed);
    if (!published) {
        co_return std::move(published).error();
    }
    co_return r;
}

core::task<core::result<void>> review_service::remove(core::principal who, std::string id) {
    if (!core::is_id(id, "rev")) {
        co_return no_such_review();
    }
    auto body = std::bind_front(&review_service::remove_tx, this, std::move(who), std::move(id));
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<void>> review_service::remove_tx(
    core::principal who, std::string id, infra::db::transaction& tx
) {
    auto found = co_await get_mine_tx(std::move(who), std::move(id), tx);
    if (!found) {
        co_return std::move(found).error();
    }
    auto removed = co_await repo_.remove(tx, found->id);
    if (!removed) {
        co_return removed;
    }
    co_return co_await publish(tx, events::review_deleted, *found, true);
}

core::task<core::result<product_reviews>> review_service::of_product(
    std::string product_id, std::optional<std::string> before_id, int limit
) {
    if (!core::is_id(product_id, "prod")) {
        co_return no_such_product();
    }
    auto body = std::bind_front(
        &review_service::of_product_tx, this, std::move(product_id), std::move(before_id), limit
    );
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<product_reviews>> review_service::of_product_tx(
    std::string product_id,
    std::optional<std::string> before_id,
    int limit,
    infra::db::transaction& tx
) {
    auto product = co_await catalog_.product(tx, product_id);
    if (!product) {
        co_return std::move(product).error();
    }
    if (!*product) {
        co_return no_such_product();
    }
    auto store = co_await catalog_.store(tx, (*product)->vendor_id);
    if (!store) {
        co_return std::move(store).error();
    }
    if (!*store || !visible(**product, **store)) {
        co_return no_such_product();
    }
    review_filter f{.product_id = product_id, .before_id = std::move(before_id), .limit = limit};
    auto reviews = co_await page_tx(std::move(f), tx);
    if (!reviews) {
        co_return std::move(reviews).error();
    }
    auto summary = co_await repo_.summary(tx, std::move(product_id));
    if (!summary) {
        co_return std::move(summary).error();
    }
    co_return product_reviews{.reviews = std::move(*reviews), .rating = *summary};
}

core::task<core::result<std::string>> review_service::store_of(
    infra::db::transaction& tx, const core::principal& who
) {
    auto m = co_await catalog_.store_of_member(tx, who.user_id);
    if (!m) {
        co_return std::move(m).error();
    }
    if (!*m) {
        co_return fail(errc::forbidden, "you do not work for a store");
    }
    if ((*m)->status != "active") {
        co_return fail(errc::forbidden, "the store is " + (*m)->status);
    }
    co_return std::move((*m)->vendor_id);
}

core::task<core::result<review>> review_service::reply(
    core::principal who, std::string id, std::string body
) {
    if (!core::is_id(id, "rev")) {
        co_return no_such_review();
    }
    auto run = std::bind_front(
        &review_service::reply_tx, this, std::move(who), std::move(id), std::move(body)
    );
    auto out = co_await infra::db::transact(db_, std::move(run));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<review>> review_service::reply_tx(
    core::principal who, std::string id, std::string body, infra::db::transaction& tx
) {
    auto vendor_id = co_await store_of(tx, who);
    if (!vendor_id) {
        co_return std::move(vendor_id).error();
    }
    auto found = co_await repo_.find(tx, std::move(id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found || (*found)->vendor_id != *vendor_id) {
        co_return no_such_review();
    }
    auto r = std::move(**found);
    auto now = clock_.now();
    r.vendor_reply =
        customer::reply{.body = std::move(body), .author_id = who.user_id, .replied_at = now};
    r.updated_at = now;
    auto saved = co_await repo_.update(tx, r);
    if (!saved) {
        co_return std::move(saved).error();
    }
    auto published = co_await publish(tx, events::review_replied, r, false);
    if (!published) {
        co_return std::move(published).error();
    }
    co_return r;
}

core::task<core::result<page<review>>> review_service::of_store(
    core::principal who,
    std::optional<std::string> product_id,
    std::optional<bool> replied,
    std::optional<std::string> before_id,
    int limit
) {
    review_filter f{
        .product_id = std::move(product_id),
        .replied = replied,
        .before_id = std::move(before_id),
        .limit = limit};
    auto body = std::bind_front(&review_service::of_store_tx, this, std::move(who), std::move(f));
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<page<review>>> review_service::of_store_tx(
    core::principal who, review_filter f, infra::db::transaction& tx
) {
    auto vendor_id = co_await store_of(tx, who);
    if (!vendor_id) {
        co_return std::move(vendor_id).error();
    }
    f.vendor_id = std::move(*vendor_id);
    co_return co_await page_tx(std::move(f), tx);
}

core::task<core::result<void>> review_service::publish(
    infra::db::transaction& tx, std::string_view type, const review& r, bool with_ratings
) {
    boost::json::object data{
        {"review_id", r.id},
        {"product_id", r.product_id},
        {"vendor_id", r.vendor_id},
        {"order_id", r.order_id},
        {"rating", type == events::review_deleted ? boost::json::value(nullptr)
                                                  : boost::json::value(r.rating)},
    };
    if (with_ratings) {
        auto now = clock_.now();
        auto product = co_await repo_.refresh(tx, "product", r.product_id, now);
        if (!product) {
            co_return std::move(product).error();
        }
        auto store = co_await repo_.refresh(tx, "vendor", r.vendor_id, now);
        if (!store) {
            co_return std::move(store).error();
        }
        data["product_rating"] = versioned(*product);
        data["store_rating"] = versioned(*store);
    }
    auto appended =
        co_await infra::bus::append(tx, clock_, std::string{type}, r.id, std::move(data));
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return core::ok();
}

}  // namespace customer
