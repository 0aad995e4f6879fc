#include "modules/vendor/product_repo.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <unordered_map>

namespace vendor {
namespace {

using infra::db::row;

constexpr std::string_view product_columns =
    "id, vendor_id, handle, title, description, category_id, tags, attributes, options, status, "
    "published_at_ms, deleted_at_ms, version, created_at_ms, updated_at_ms";
// Read with the product, written only by the rating handler (rating_sync).
constexpr std::string_view rating_columns = "rating_average, rating_count";

// `where` is a condition on the product id written with {c} for the column, so the same condition
// selects the products, their variants, prices and images.
std::string on_column(std::string_view where, std::string_view column) {
    std::string out;
    out.reserve(where.size() + 16);
    for (std::size_t i = 0; i < where.size(); ++i) {
        if (where.substr(i, 3) == "{c}") {
            out += column;
            i += 2;
        } else {
            out.push_back(where[i]);
        }
    }
    return out;
}

// An IN list padded to a few fixed sizes (repeating the first id), so the prepared-statement
// cache holds a handful of shapes however many ids are asked for.
std::pair<std::string, infra::db::params> in_list(
    const std::vector<std::string>& ids, std::size_t first
) {
    std::size_t arity = ids.size() <= 1 ? 1 : ids.size() <= 20 ? 20 : 100;
    std::string sql = "{c} IN (";
    infra::db::params args;
    for (std::size_t i = 0; i < arity; ++i) {
        sql += (i == 0 ? "$" : ", $") + std::to_string(first + i);
        args.emplace_back(i < ids.size() ? ids[i] : ids.front());
    }
    sql += ")";
    return {std::move(sql), std::move(args)};
}

std::vector<std::string> string_list(const boost::json::value& v) {
    std::vector<std::string> out;
    if (const auto* a = v.if_array()) {
        for (const auto& item : *a) {
            if (item.is_string()) {
                out.emplace_back(item.get_string());
            }
        }
    }
    return out;
}

boost::json::object object_of(const std::string& text) {
    auto v = boost::json::parse(text);
    return v.is_object() ? std::move(v.get_object()) : boost::json::object{};
}

boost::json::array array_of(const std::string& text) {
    auto v = boost::json::parse(text);
    return v.is_array() ? std::move(v.get_array()) : boost::json::array{};
}

product read_product(const row& r) {
    product p;
    auto& s = p.snapshot;
    s.id = r.get<std::string>(0);
    s.vendor_id = r.get<std::string>(1);
    s.handle = r.get<std::string>(2);
    s.title = r.get<std::string>(3);
    s.description = r.get<std::string>(4);
    s.category_id = r.get<std::optional<std::string>>(5);
    s.tags = string_list(boost::json::parse(r.get<std::string>(6)));
    s.attributes = object_of(r.get<std::string>(7));
    s.options = array_of(r.get<std::string>(8));
    s.status = r.get<std::string>(9);
    if (auto at = r.get<std::optional<std::int64_t>>(10)) {
        s.published_at = from_ms(*at);
    }
    if (auto at = r.get<std::optional<std::int64_t>>(11)) {
        p.deleted_at = from_ms(*at);
    }
    p.version = r.get<std::int64_t>(12);
    s.created_at = from_ms(r.get<std::int64_t>(13));
    s.updated_at = from_ms(r.get<std::int64_t>(14));
    s.rating_average = r.get<double>(15);
    s.rating_count = r.get<std::int64_t>(16);
    return p;
}

std::string tags_text(const std::vector<std::string>& tags) {
    boost::json::array a;
    for (const auto& t : tags) {
        a.emplace_back(t);
    }
    return boost::json::serialize(a);
}

std::optional<std::int64_t> optional_ms(const std::optional<core::time_point>& t) {
    return t ? std::optional{to_ms(*t)} : std::nullopt;
}

infra::db::params product_row(const product& p) {
    const auto& s = p.snapshot;
    return {
        s.id,
        s.vendor_id,
        s.handle,
        s.title,
        s.description,
        s.category_id,
        tags_text(s.tags),
        boost::json::serialize(s.attributes),
        boost::json::serialize(s.options),
        s.status,
        optional_ms(s.published_at),
        optional_ms(p.deleted_at),
        p.version,
        to_ms(s.created_at),
        to_ms(s.updated_at)};
}

const core::money* price_in(const std::vector<core::money>& prices, const core::currency& c) {
    for (const auto& m : prices) {
        if (m.currency() == c) {
            return &m;
        }
    }
    return nullptr;
}

}  // namespace

core::task<core::result<std::vector<product>>> product_repo::load(
    infra::db::transaction& tx, std::string where, infra::db::params args
) {
    auto rows = co_await tx.run(
        "SELECT " + std::string{product_columns} + ", " + std::string{rating_columns} +
            " FROM products p WHERE " +
            on_column(where, "p.id"),
        args
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<product> out;
    out.reserve(rows->size());
    std::unordered_map<std::string, std::size_t> by_id;
    for (auto r : *rows) {
        out.push_back(read_product(r));
        by_id.emplace(out.back().snapshot.id, out.size() - 1);
    }
    if (out.empty()) {
        co_return out;
    }

    auto variants = co_await tx.run(
        "SELECT v.id, v.product_id, v.sku, v.options, v.weight_grams, v.stock_on_hand, "
        "v.stock_reserved FROM variants v WHERE " +
            on_column(where, "v.product_id") + " ORDER BY v.product_id, v.position, v.id",
        args
    );
    if (!variants) {
        co_return std::move(variants).error();
    }
    // variant id -> (product index, variant index)
    std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> variant_at;
    for (auto r : *variants) {
        auto owner = by_id.find(r.get<std::string>(1));
        if (owner == by_id.end()) {
            continue;
        }
        auto& p = out[owner->second];
        variant_snapshot v;
        v.id = r.get<std::string>(0);
        v.sku = r.get<std::string>(2);
        v.options = object_of(r.get<std::string>(3));
        v.weight_grams = r.get<std::optional<std::int64_t>>(4);
        stock_level level{r.get<std::int64_t>(5), r.get<std::int64_t>(6)};
        v.stock = std::max<std::int64_t>(0, level.on_hand - level.reserved);
        variant_at.emplace(v.id, std::pair{owner->second, p.snapshot.variants.size()});
        p.snapshot.variants.push_back(std::move(v));
        p.stock.push_back(level);
    }

    auto prices = co_await tx.run(
        "SELECT vp.variant_id, vp.currency, vp.amount, vp.compare_at_amount FROM variant_prices vp"
        " JOIN variants v ON v.id = vp.variant_id WHERE " +
            on_column(where, "v.product_id") + " ORDER BY vp.variant_id, vp.currency",
        args
    );
    if (!prices) {
        co_return std::move(prices).error();
    }
    for (auto r : *prices) {
        auto at = variant_at.find(r.get<std::string>(0));
        auto currency = core::currency::parse(r.get<std::string>(1));
        if (at == variant_at.end() || !currency) {
            continue;
        }
        auto& v = out[at->second.first].snapshot.variants[at->second.second];
        v.prices.emplace_back(r.get<std::int64_t>(2), *currency);
        if (auto compare = r.get<std::optional<std::int64_t>>(3)) {
            v.compare_at_prices.emplace_back(*compare, *currency);
        }
    }

    auto images = co_await tx.run(
        "SELECT i.id, i.product_id, i.url, i.alt FROM product_images i WHERE " +
            on_column(where, "i.product_id") + " ORDER BY i.product_id, i.position, i.id",
        std::move(args)
    );
    if (!images) {
        co_return std::move(images).error();
    }
    for (auto r : *images) {
        auto owner = by_id.find(r.get<std::string>(1));
        if (owner == by_id.end()) {
            continue;
        }
        out[owner->second].snapshot.images.push_back(image_snapshot{
            .id = r.get<std::string>(0),
            .url = r.get<std::string>(2),
            .alt = r.get<std::optional<std::string>>(3)});
    }
    co_return out;
}

core::task<core::result<std::optional<product>>> product_repo::find(
    infra::db::transaction& tx, std::string id
) {
    infra::db::params args{std::move(id)};
    auto found = co_await load(tx, "{c} = $1", std::move(args));
    if (!found) {
        co_return std::move(found).error();
    }
    if (found->empty()) {
        co_return std::optional<product>{};
    }
    co_return std::optional{std::move(found->front())};
}

core::task<core::result<std::vector<product>>> product_repo::find_many(
    infra::db::transaction& tx, std::vector<std::string> ids
) {
    std::vector<product> out;
    constexpr std::size_t chunk = 100;
    std::unordered_map<std::string, product> loaded;
    for (std::size_t start = 0; start < ids.size(); start += chunk) {
        std::vector<std::string> part(
            ids.begin() + static_cast<std::ptrdiff_t>(start),
            ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + chunk))
        );
        auto in = in_list(part, 1);
        auto found = co_await load(tx, std::move(in.first), std::move(in.second));
        if (!found) {
            co_return std::move(found).error();
        }
        for (auto& p : *found) {
            auto id = p.snapshot.id;
            loaded.emplace(std::move(id), std::move(p));
        }
    }
    out.reserve(ids.size());
    for (const auto& id : ids) {
        auto it = loaded.find(id);
        if (it != loaded.end()) {
            out.push_back(std::move(it->second));
            loaded.erase(it);
        }
    }
    co_return out;
}

core::task<core::result<std::vector<product>>> product_repo::after(
    infra::db::transaction& tx, std::optional<std::string> after_id, int limit
) {
    // The page's last id bounds a range, so variants, prices and images come by range too.
    std::string sql = "SELECT id FROM products";
    infra::db::params args;
    if (after_id) {
        args.emplace_back(*after_id);
        sql += " WHERE id > $1";
    }
    args.emplace_back(limit);
    sql += " ORDER BY id LIMIT $" + std::to_string(args.size());
    auto ids = co_await tx.run(std::move(sql), std::move(args));
    if (!ids) {
        co_return std::move(ids).error();
    }
    if (ids->empty()) {
        co_return std::vector<product>{};
    }
    auto last = (*ids)[ids->size() - 1].get<std::string>(0);
    infra::db::params range{after_id.value_or(""), std::move(last)};
    auto found = co_await load(tx, "{c} > $1 AND {c} <= $2", std::move(range));
    if (!found) {
        co_return std::move(found).error();
    }
    std::sort(found->begin(), found->end(), [](const product& a, const product& b) {
        return a.snapshot.id < b.snapshot.id;
    });
    co_return std::move(*found);
}

core::task<core::result<std::vector<std::string>>> product_repo::page_ids(
    infra::db::transaction& tx, product_filter f
) {
    std::string sql = "SELECT id FROM products WHERE vendor_id = $1";
    infra::db::params args{std::move(f.vendor_id)};
    if (f.status) {
        args.emplace_back(std::move(*f.status));
        sql += " AND status = $" + std::to_string(args.size());
    } else {
        sql += " AND status <> 'deleted'";
    }
    if (f.before_id) {
        args.emplace_back(std::move(*f.before_id));
        sql += " AND id < $" + std::to_string(args.size());
    }
    args.emplace_back(f.limit);
    sql += " ORDER BY id DESC LIMIT $" + std::to_string(args.size());
    auto rows = co_await tx.run(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<std::string> out;
    for (auto r : *rows) {
        out.push_back(r.get<std::string>(0));
    }
    co_return out;
}

core::task<core::result<std::vector<std::string>>> product_repo::ids_of_store(
    infra::db::transaction& tx,
    std::string vendor_id,
    std::optional<std::string> after_id,
    int limit
) {
    std::string sql = "SELECT id FROM products WHERE vendor_id = $1";
    infra::db::params args{std::move(vendor_id)};
    if (after_id) {
        args.emplace_back(std::move(*after_id));
        sql += " AND id > $2";
    }
    args.emplace_back(limit);
    sql += " ORDER BY id LIMIT $" + std::to_string(args.size());
    auto rows = co_await tx.run(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<std::string> out;
    for (auto r : *rows) {
        out.push_back(r.get<std::string>(0));
    }
    co_return out;
}

core::task<core::result<std::vector<std::string>>> product_repo::handles_like(
    infra::db::transaction& tx, std::string vendor_id, std::string base
) {
    // Handles hold no LIKE wildcards ([a-z0-9-] only), so the prefix needs no escaping.
    auto pattern = base + "-%";
    auto rows = co_await tx.query(
        "SELECT handle FROM products WHERE vendor_id = $1 AND (handle = $2 OR handle LIKE $3)",
        std::move(vendor_id), std::move(base), std::move(pattern)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<std::string> out;
    for (auto r : *rows) {
        out.push_back(r.get<std::string>(0));
    }
    co_return out;
}

core::task<core::result<std::vector<std::string>>> product_repo::skus_taken(
    infra::db::transaction& tx,
    std::string vendor_id,
    std::vector<std::string> skus,
    std::string except_product_id
) {
    std::vector<std::string> out;
    if (skus.empty()) {
        co_return out;
    }
    auto in = in_list(skus, 3);
    infra::db::params args{std::move(vendor_id), std::move(except_product_id)};
    for (auto& a : in.second) {
        args.push_back(std::move(a));
    }
    auto sql = "SELECT sku FROM variants WHERE vendor_id = $1 AND product_id <> $2 AND " +
               on_column(in.first, "sku");
    auto rows = co_await tx.run(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    for (auto r : *rows) {
        out.push_back(r.get<std::string>(0));
    }
    co_return out;
}

core::task<core::result<void>> product_repo::insert(infra::db::transaction& tx, const product& p) {
    auto done = co_await tx.run(
        "INSERT INTO products (" + std::string{product_columns} +
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        product_row(p)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    for (std::size_t i = 0; i < p.snapshot.variants.size(); ++i) {
        auto inserted = co_await insert_variant(tx, p, i);
        if (!inserted) {
            co_return inserted;
        }
    }
    co_return core::ok();
}

core::task<core::result<void>> product_repo::insert_variant(
    infra::db::transaction& tx, const product& p, std::size_t index
) {
    const auto& v = p.snapshot.variants[index];
    const auto& level = p.stock[index];
    auto now = to_ms(p.snapshot.updated_at);
    infra::db::params args{
        v.id,
        p.snapshot.id,
        p.snapshot.vendor_id,
        v.sku,
        boost::json::serialize(v.options),
        v.weight_grams,
        level.on_hand,
        level.reserved,
        static_cast<int>(index),
        now,
        now};
    auto done = co_await tx.run(
        "INSERT INTO variants (id, product_id, vendor_id, sku, options, weight_grams, "
        "stock_on_hand, stock_reserved, position, created_at_ms, updated_at_ms) VALUES ($1, $2, "
        "$3, $4, $5, $6, $7, $8, $9, $10, $11)",
        std::move(args)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return co_await insert_prices(tx, v);
}

core::task<core::result<void>> product_repo::insert_prices(
    infra::db::transaction& tx, const variant_snapshot& v
) {
    for (const auto& price : v.prices) {
        std::optional<std::int64_t> compare;
        if (const auto* c = price_in(v.compare_at_prices, price.currency())) {
            compare = c->amount();
        }
        auto done = co_await tx.query(
            "INSERT INTO variant_prices (variant_id, currency, amount, compare_at_amount) VALUES "
            "($1, $2, $3, $4)",
            v.id, price.currency().code(), price.amount(), compare
        );
        if (!done) {
            co_return std::move(done).error();
        }
    }
    co_return core::ok();
}

core::task<core::result<void>> product_repo::update(infra::db::transaction& tx, const product& p) {
    auto done = co_await tx.run(
        "UPDATE products SET vendor_id = $2, handle = $3, title = $4, description = $5, "
        "category_id = $6, tags = $7, attributes = $8, options = $9, status = $10, "
        "published_at_ms = $11, deleted_at_ms = $12, version = $13, created_at_ms = $14, "
        "updated_at_ms = $15 WHERE id = $1",
        product_row(p)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> product_repo::save_variants(
    infra::db::transaction& tx, const product& before, const product& after
) {
    std::unordered_map<std::string, std::size_t> kept;
    for (std::size_t i = 0; i < after.snapshot.variants.size(); ++i) {
        kept.emplace(after.snapshot.variants[i].id, i);
    }
    // Deletions first: a removed variant may free a SKU that a new variant takes.
    for (const auto& old : before.snapshot.variants) {
        if (kept.contains(old.id)) {
            continue;
        }
        auto prices = co_await tx.query("DELETE FROM variant_prices WHERE variant_id = $1", old.id);
        if (!prices) {
            co_return std::move(prices).error();
        }
        auto removed = co_await tx.query("DELETE FROM variants WHERE id = $1", old.id);
        if (!removed) {
            co_return std::move(removed).error();
        }
    }
    std::unordered_map<std::string, std::size_t> existing;
    for (std::size_t i = 0; i < before.snapshot.variants.size(); ++i) {
        existing.emplace(before.snapshot.variants[i].id, i);
    }
    auto now = to_ms(after.snapshot.updated_at);
    for (std::size_t i = 0; i < after.snapshot.variants.size(); ++i) {
        const auto& v = after.snapshot.variants[i];
        if (!existing.contains(v.id)) {
            auto inserted = co_await insert_variant(tx, after, i);
            if (!inserted) {
                co_return inserted;
            }
            continue;
        }
        infra::db::params args{
            v.id,
            v.sku,
            boost::json::serialize(v.options),
            v.weight_grams,
            after.stock[i].on_hand,
            static_cast<int>(i),
            now};
        auto updated = co_await tx.run(
            "UPDATE variants SET sku = $2, options = $3, weight_grams = $4, stock_on_hand = $5, "
            "position = $6, updated_at_ms = $7 WHERE id = $1",
            std::move(args)
        );
        if (!updated) {
            co_return std::move(updated).error();
        }
        auto cleared = co_await tx.query("DELETE FROM variant_prices WHERE variant_id = $1", v.id);
        if (!cleared) {
            co_return std::move(cleared).error();
        }
        auto priced = co_await insert_prices(tx, v);
        if (!priced) {
            co_return priced;
        }
    }
    co_return core::ok();
}

core::task<core::result<void>> product_repo::set_stock(
    infra::db::transaction& tx, std::string variant_id, std::int64_t on_hand, core::time_point now
) {
    auto done = co_await tx.query(
        "UPDATE variants SET stock_on_hand = $2, updated_at_ms = $3 WHERE id = $1",
        std::move(variant_id), on_hand, to_ms(now)
    );
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<std::vector<std::pair<std::string, std::string>>>>
product_repo::clear_category(
    infra::db::transaction& tx, std::string category_id, core::time_point now
) {
    auto rows = co_await tx.query(
        "UPDATE products SET category_id = NULL, version = version + 1, updated_at_ms = $2"
        " WHERE category_id = $1 RETURNING id, vendor_id",
        std::move(category_id), to_ms(now)
    );
    if (!rows) {
        co_return std::move(rows).error();
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (auto r : *rows) {
        out.emplace_back(r.get<std::string>(0), r.get<std::string>(1));
    }
    co_return out;
}

}  // namespace vendor
