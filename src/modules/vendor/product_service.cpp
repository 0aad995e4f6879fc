#include "modules/vendor/product_service.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "core/ids.hpp"
#include "core/slug.hpp"

namespace vendor {
namespace {

using core::errc;
using core::fail;

// Longest generated handle base: room for a -n suffix.
constexpr std::size_t generated_handle_length = limits::handle - 8;

core::error no_such_product() { return core::error{errc::not_found, "no such product"}; }

void sort_by_currency(std::vector<core::money>& prices) {
    std::sort(prices.begin(), prices.end(), [](const core::money& a, const core::money& b) {
        return a.currency().code() < b.currency().code();
    });
}

// A variant from its input; `id` and `level` carry what an existing variant keeps.
variant_snapshot variant_from(variant_input in, std::string id, const stock_level& level) {
    variant_snapshot v;
    v.id = std::move(id);
    v.sku = std::move(in.sku);
    v.options = std::move(in.options);
    v.prices = std::move(in.prices);
    v.compare_at_prices = std::move(in.compare_at_prices);
    sort_by_currency(v.prices);
    sort_by_currency(v.compare_at_prices);
    v.weight_grams = in.weight_grams;
    v.stock = std::max<std::int64_t>(0, level.on_hand - level.reserved);
    return v;
}

// True when an If-Match list names `etag` (strong comparison, RFC 9110 13.1.1) or is `*`.
bool if_match_hits(std::string_view header, std::string_view etag) {
    while (!header.empty()) {
        auto comma = header.find(',');
        auto item = header.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
            item.remove_prefix(1);
        }
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
            item.remove_suffix(1);
        }
        if (item == "*" || item == etag) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        header.remove_prefix(comma + 1);
    }
    return false;
}

// `skus` are the request's variants' SKUs, in order.
core::error sku_conflict(
    const std::vector<std::string>& taken, const std::vector<std::string>& skus
) {
    core::error err{errc::conflict, "a SKU is in use by another product of the store"};
    for (std::size_t i = 0; i < skus.size(); ++i) {
        if (std::find(taken.begin(), taken.end(), skus[i]) != taken.end()) {
            err.fields.push_back(
                {"/variants/" + std::to_string(i) + "/sku", "taken",
                 "is in use by another product of the store"}
            );
        }
    }
    return err;
}

std::string_view event_of_status(std::string_view status) {
    if (status == "published") {
        return events::product_published;
    }
    if (status == "archived") {
        return events::product_archived;
    }
    return events::product_deleted;
}

}  // namespace

product_service::product_service(
    infra::db::database& db,
    const core::clock& clock,
    infra::bus::dispatcher& events,
    store_service& stores,
    admin::categories& categories
)
    : db_(db), clock_(clock), events_(events), stores_(stores), categories_(categories) {}

core::task<core::result<void>> product_service::check_category(const std::optional<std::string>& id
) {
    if (!id) {
        co_return core::ok();
    }
    auto tree = co_await categories_.tree();
    if (!tree) {
        co_return std::move(tree).error();
    }
    if ((*tree)->find(*id) == nullptr) {
        co_return core::error{
            errc::invalid,
            "1 field is invalid",
            {{"/category_id", "not_found", "is not a category"}}};
    }
    co_return core::ok();
}

core::task<core::result<product>> product_service::create(core::principal who, product_draft d) {
    auto category = co_await check_category(d.category_id);
    if (!category) {
        co_return std::move(category).error();
    }
    auto body = std::bind_front(&product_service::create_tx, this, std::move(who), std::move(d));
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<product>> product_service::create_tx(
    core::principal who, product_draft d, infra::db::transaction& tx
) {
    auto m = co_await stores_.require(tx, who.user_id, store_access::active, false);
    if (!m) {
        co_return std::move(m).error();
    }
    std::vector<std::string> skus;
    for (const auto& v : d.variants) {
        skus.push_back(v.sku);
    }
    auto taken = co_await repo_.skus_taken(tx, m->vendor_id, skus, "");
    if (!taken) {
        co_return std::move(taken).error();
    }
    if (!taken->empty()) {
        co_return sku_conflict(*taken, skus);
    }
    auto base = core::slugify(d.title, generated_handle_length);
    if (base.empty()) {
        base = "product";
    }
    auto handles = co_await repo_.handles_like(tx, m->vendor_id, base);
    if (!handles) {
        co_return std::move(handles).error();
    }

    auto now = clock_.now();
    product p;
    auto& s = p.snapshot;
    s.id = core::new_id("prod", now);
    s.vendor_id = m->vendor_id;
    s.handle = core::first_free_handle(base, *handles, limits::handle);
    s.title = std::move(d.title);
    s.description = std::move(d.description);
    s.category_id = std::move(d.category_id);
    s.tags = std::move(d.tags);
    s.attributes = std::move(d.attributes);
    s.options = std::move(d.options);
    s.status = "draft";
    s.created_at = now;
    s.updated_at = now;
    for (auto& in : d.variants) {
        stock_level level{in.stock.value_or(0), 0};
        s.variants.push_back(variant_from(std::move(in), core::new_id("var", now), level));
        p.stock.push_back(level);
    }
    auto inserted = co_await repo_.insert(tx, p);
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    auto appended = co_await append(tx, events::product_created, p);
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return p;
}

core::task<core::result<page<product>>> product_service::list(
    core::principal who,
    std::optional<std::string> status,
    std::optional<std::string> before_id,
    int limit
) {
    auto body = std::bind_front(
        &product_service::list_tx, this, std::move(who), std::move(status), std::move(before_id),
        limit
    );
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<page<product>>> product_service::list_tx(
    core::principal who,
    std::optional<std::string> status,
    std::optional<std::string> before_id,
    int limit,
    infra::db::transaction& tx
) {
    auto m = co_await stores_.require(tx, who.user_id, store_access::active, false);
    if (!m) {
        co_return std::move(m).error();
    }
    product_filter f{
        .vendor_id = m->vendor_id,
        .status = std::move(status),
        .before_id = std::move(before_id),
        .limit = limit + 1};
    auto ids = co_await repo_.page_ids(tx, std::move(f));
    if (!ids) {
        co_return std::move(ids).error();
    }
    page<product> out;
    if (ids->size() > static_cast<std::size_t>(limit)) {
        ids->resize(static_cast<std::size_t>(limit));
        out.next_cursor = core::encode_cursor(ids->back());
    }
    auto loaded = co_await repo_.find_many(tx, std::move(*ids));
    if (!loaded) {
        co_return std::move(loaded).error();
    }
    out.items = std::move(*loaded);
    co_return out;
}

core::task<core::result<product>> product_service::get(core::principal who, std::string id) {
    if (!core::is_id(id, "prod")) {
        co_return no_such_product();
    }
    auto body = std::bind_front(&product_service::get_tx, this, std::move(who), std::move(id));
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<product>> product_service::get_tx(
    core::principal who, std::string id, infra::db::transaction& tx
) {
    auto m = co_await stores_.require(tx, who.user_id, store_access::active, false);
    if (!m) {
        co_return std::move(m).error();
    }
    auto found = co_await repo_.find(tx, std::move(id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found || (*found)->snapshot.vendor_id != m->vendor_id) {
        co_return no_such_product();
    }
    co_return std::move(**found);
}

core::task<core::result<product>> product_service::writable(
    infra::db::transaction& tx,
    const core::principal& who,
    std::string id,
    const precondition& if_match
) {
    auto m = co_await stores_.require(tx, who.user_id, store_access::active, false);
    if (!m) {
        co_return std::move(m).error();
    }
    auto found = co_await repo_.find(tx, std::move(id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found || (*found)->snapshot.vendor_id != m->vendor_id) {
        co_return no_such_product();
    }
    auto etag = etag_of(**found);
    if (if_match && !if_match_hits(*if_match, etag)) {
        co_return fail(
            errc::precondition_failed,
            "the product changed since you read it: its ETag is now " + etag
        );
    }
    co_return std::move(**found);
}

core::task<core::result<product>> product_service::update(
    core::principal who, std::string id, product_patch p, precondition if_match
) {
    if (!core::is_id(id, "prod")) {
        co_return no_such_product();
    }
    if (p.category_id.present) {
        auto category = co_await check_category(p.category_id.value);
        if (!category) {
            co_return std::move(category).error();
        }
    }
    auto body = std::bind_front(
        &product_service::update_tx, this, std::move(who), std::move(id), std::move(p),
        std::move(if_match)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<product>> product_service::update_tx(
    core::principal who,
    std::string id,
    product_patch p,
    precondition if_match,
    infra::db::transaction& tx
) {
    auto found = co_await writable(tx, who, std::move(id), if_match);
    if (!found) {
        co_return std::move(found).error();
    }
    const auto& before = *found;
    if (before.snapshot.status == "deleted") {
        co_return fail(errc::conflict, "the product is deleted");
    }
    if (p.empty()) {
        co_return before;
    }
    auto after = before;
    auto& s = after.snapshot;
    if (p.title) {
        s.title = std::move(*p.title);
    }
    if (p.description) {
        s.description = std::move(*p.description);
    }
    if (p.category_id.present) {
        s.category_id = std::move(p.category_id.value);
    }
    if (p.tags) {
        s.tags = std::move(*p.tags);
    }
    if (p.attributes) {
        s.attributes = std::move(*p.attributes);
    }
    if (p.options) {
        s.options = std::move(*p.options);
    }
    auto now = clock_.now();
    if (p.variants) {
        std::unordered_map<std::string, std::size_t> by_sku;
        for (std::size_t i = 0; i < before.snapshot.variants.size(); ++i) {
            by_sku.emplace(before.snapshot.variants[i].sku, i);
        }
        std::vector<std::string> new_skus;
        std::vector<std::string> input_skus;
        for (const auto& in : *p.variants) {
            input_skus.push_back(in.sku);
        }
        std::vector<bool> kept(before.snapshot.variants.size(), false);
        core::error stock_error{errc::conflict, "stock would fall below what is reserved"};
        s.variants.clear();
        after.stock.clear();
        for (std::size_t i = 0; i < p.variants->size(); ++i) {
            auto& in = (*p.variants)[i];
            auto existing = by_sku.find(in.sku);
            if (existing == by_sku.end()) {
                new_skus.push_back(in.sku);
                stock_level level{in.stock.value_or(0), 0};
                s.variants.push_back(variant_from(std::move(in), core::new_id("var", now), level));
                after.stock.push_back(level);
                continue;
            }
            kept[existing->second] = true;
            auto level = before.stock[existing->second];
            if (in.stock) {
                if (*in.stock < level.reserved) {
                    stock_error.fields.push_back(
                        {"/variants/" + std::to_string(i) + "/stock", "reserved",
                         "must be at least the " + std::to_string(level.reserved) +
                             " units reserved"}
                    );
                }
                level.on_hand = *in.stock;
            }
            s.variants.push_back(
                variant_from(std::move(in), before.snapshot.variants[existing->second].id, level)
            );
            after.stock.push_back(level);
        }
        for (std::size_t i = 0; i < kept.size(); ++i) {
            if (!kept[i] && before.stock[i].reserved > 0) {
                stock_error.fields.push_back(
                    {"/variants", "reserved",
                     "variant " + before.snapshot.variants[i].sku +
                         " has reserved stock and cannot be removed"}
                );
            }
        }
        if (!stock_error.fields.empty()) {
            co_return stock_error;
        }
        auto taken = co_await repo_.skus_taken(tx, s.vendor_id, new_skus, s.id);
        if (!taken) {
            co_return std::move(taken).error();
        }
        if (!taken->empty()) {
            co_return sku_conflict(*taken, input_skus);
        }
    }
    if (p.options || p.variants) {
        std::vector<const boost::json::object*> chosen;
        std::vector<std::string> pointers;
        for (std::size_t i = 0; i < s.variants.size(); ++i) {
            chosen.push_back(&s.variants[i].options);
            pointers.push_back("/variants/" + std::to_string(i));
        }
        auto errors = option_errors(s.options, chosen, pointers);
        if (!errors.empty()) {
            core::error err{errc::invalid, "the variants do not fit the product's options"};
            if (p.variants) {
                err.fields = std::move(errors);
            } else {
                err.fields.push_back(
                    {"/options", "variants",
                     "the product's variants do not fit these options: send variants with them"}
                );
            }
            co_return err;
        }
    }
    after.version = before.version + 1;
    s.updated_at = now;
    auto saved = co_await repo_.update(tx, after);
    if (!saved) {
        co_return std::move(saved).error();
    }
    if (p.variants) {
        auto variants = co_await repo_.save_variants(tx, before, after);
        if (!variants) {
            co_return std::move(variants).error();
        }
    }
    auto appended = co_await append(tx, events::product_updated, after);
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return after;
}

core::task<core::result<product>> product_service::publish(
    core::principal who, std::string id, precondition if_match
) {
    co_return co_await act(std::move(who), std::move(id), action::publish, std::move(if_match));
}

core::task<core::result<product>> product_service::archive(
    core::principal who, std::string id, precondition if_match
) {
    co_return co_await act(std::move(who), std::move(id), action::archive, std::move(if_match));
}

core::task<core::result<void>> product_service::remove(
    core::principal who, std::string id, precondition if_match
) {
    auto done = co_await act(std::move(who), std::move(id), action::remove, std::move(if_match));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<product>> product_service::act(
    core::principal who, std::string id, action what, precondition if_match
) {
    if (!core::is_id(id, "prod")) {
        co_return no_such_product();
    }
    auto body = std::bind_front(
        &product_service::act_tx, this, std::move(who), std::move(id), what, std::move(if_match)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<product>> product_service::act_tx(
    core::principal who,
    std::string id,
    action what,
    precondition if_match,
    infra::db::transaction& tx
) {
    auto found = co_await writable(tx, who, std::move(id), if_match);
    if (!found) {
        co_return std::move(found).error();
    }
    auto p = std::move(*found);
    auto& s = p.snapshot;
    std::string target = what == action::publish   ? "published"
                         : what == action::archive ? "archived"
                                                   : "deleted";
    if (s.status == target) {
        co_return p;  // already there: nothing changes, no event
    }
    if (s.status == "deleted") {
        co_return fail(errc::conflict, "the product is deleted");
    }
    auto now = clock_.now();
    s.status = target;
    if (what == action::publish && !s.published_at) {
        s.published_at = now;
    }
    if (what == action::remove) {
        p.deleted_at = now;
    }
    p.version += 1;
    s.updated_at = now;
    auto saved = co_await repo_.update(tx, p);
    if (!saved) {
        co_return std::move(saved).error();
    }
    auto appended = co_await append(tx, event_of_status(target), p);
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return p;
}

core::task<core::result<product>> product_service::set_stock(
    core::principal who,
    std::string product_id,
    std::string variant_id,
    stock_change change,
    precondition if_match
) {
    if (!core::is_id(product_id, "prod")) {
        co_return no_such_product();
    }
    if (!core::is_id(variant_id, "var")) {
        co_return fail(errc::not_found, "no such variant");
    }
    auto body = std::bind_front(
        &product_service::stock_tx, this, std::move(who), std::move(product_id),
        std::move(variant_id), change, std::move(if_match)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<product>> product_service::stock_tx(
    core::principal who,
    std::string product_id,
    std::string variant_id,
    stock_change change,
    precondition if_match,
    infra::db::transaction& tx
) {
    auto found = co_await writable(tx, who, std::move(product_id), if_match);
    if (!found) {
        co_return std::move(found).error();
    }
    auto p = std::move(*found);
    auto& s = p.snapshot;
    if (s.status == "deleted") {
        co_return fail(errc::conflict, "the product is deleted");
    }
    auto at = std::find_if(s.variants.begin(), s.variants.end(), [&](const auto& v) {
        return v.id == variant_id;
    });
    if (at == s.variants.end()) {
        co_return fail(errc::not_found, "no such variant");
    }
    auto index = static_cast<std::size_t>(at - s.variants.begin());
    auto& level = p.stock[index];
    auto on_hand = change.stock ? *change.stock : level.on_hand + change.adjustment.value_or(0);
    if (on_hand < 0) {
        co_return core::error{
            errc::invalid,
            "1 field is invalid",
            {{"/adjustment", "minimum",
              "would take the stock below zero (on hand: " + std::to_string(level.on_hand) + ")"}}};
    }
    if (on_hand > limits::stock) {
        co_return core::error{
            errc::invalid,
            "1 field is invalid",
            {{"/adjustment", "maximum",
              "would take the stock above " + std::to_string(limits::stock)}}};
    }
    if (on_hand < level.reserved) {
        co_return fail(
            errc::conflict, "stock would fall below the " + std::to_string(level.reserved) +
                                " units reserved by open orders"
        );
    }
    if (on_hand == level.on_hand) {
        co_return p;
    }
    auto now = clock_.now();
    level.on_hand = on_hand;
    at->stock = std::max<std::int64_t>(0, level.on_hand - level.reserved);
    p.version += 1;
    s.updated_at = now;
    auto stocked = co_await repo_.set_stock(tx, variant_id, on_hand, now);
    if (!stocked) {
        co_return std::move(stocked).error();
    }
    auto saved = co_await repo_.update(tx, p);
    if (!saved) {
        co_return std::move(saved).error();
    }
    boost::json::object data{
        {"product_id", s.id},
        {"vendor_id", s.vendor_id},
        {"variant_id", variant_id},
        {"stock", at->stock}};
    auto appended = co_await infra::bus::append(
        tx, clock_, std::string{events::stock_changed}, s.id, std::move(data)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return p;
}

core::task<core::result<void>> product_service::on_event(
    infra::db::transaction& tx, const infra::bus::event& e
) {
    if (e.type != "category.deleted") {
        co_return core::ok();
    }
    const auto* data = e.data.if_object();
    const auto* id = data != nullptr ? data->if_contains("category_id") : nullptr;
    if (id == nullptr || !id->is_string()) {
        co_return core::ok();
    }
    auto cleared = co_await repo_.clear_category(tx, std::string{id->get_string()}, clock_.now());
    if (!cleared) {
        co_return std::move(cleared).error();
    }
    for (const auto& touched : *cleared) {
        boost::json::object changed{{"product_id", touched.first}, {"vendor_id", touched.second}};
        auto appended = co_await infra::bus::append(
            tx, clock_, std::string{events::product_updated}, touched.first, std::move(changed)
        );
        if (!appended) {
            co_return std::move(appended).error();
        }
    }
    co_return core::ok();
}

core::task<core::result<void>> product_service::append(
    infra::db::transaction& tx, std::string_view type, const product& p
) {
    boost::json::object data{{"product_id", p.snapshot.id}, {"vendor_id", p.snapshot.vendor_id}};
    auto appended =
        co_await infra::bus::append(tx, clock_, std::string{type}, p.snapshot.id, std::move(data));
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return core::ok();
}

}  // namespace vendor
