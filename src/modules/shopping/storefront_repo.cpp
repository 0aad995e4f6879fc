#include "modules/shopping/storefront_repo.hpp"

#include "modules/shopping/facet_tally.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <unordered_map>

namespace shopping {
namespace {

namespace db = infra::db;

// Builds one statement: text plus its parameters, numbered as they are added.
struct statement {
    std::string sql;
    db::params args;

    std::string bind(db::param p) {
        args.push_back(std::move(p));
        return "$" + std::to_string(args.size());
    }
    std::string bind_list(const std::vector<std::string>& values) {
        std::string out;
        for (const auto& v : values) {
            out += out.empty() ? bind(v) : ", " + bind(v);
        }
        return out;
    }
};

bool joins_prices(const page_request& req) {
    auto s = req.effective_sort();
    return req.filter.filters_price() || s == sort_order::price_asc || s == sort_order::price_desc;
}

// FROM and WHERE shared by pages and facets. Full text joins first so the engine starts from the
// matches; prices are an inner join only when they filter or order.
void append_from_where(statement& st, const page_request& req, infra::db::dialect kind) {
    const auto& f = req.filter;
    std::string match;
    if (!req.search.empty()) {
        if (kind == db::dialect::sqlite) {
            match = st.bind(search_text::fts5_expression(req.search));
            st.sql += " FROM shop_fts JOIN shop_products s ON s.doc = shop_fts.rowid";
        } else {
            match = st.bind(search_text::tsquery_expression(req.search));
            st.sql += " FROM shop_products s";
        }
    } else {
        st.sql += " FROM shop_products s";
    }
    // Prices come first when they order the page (their index is in price order); otherwise
    // CROSS JOIN keeps products as the outer loop on SQLite, so a newest-first page walks the
    // publication index and stops after `limit` rows instead of sorting every price in range.
    std::string price_condition;
    if (joins_prices(req)) {
        auto sort = req.effective_sort();
        if (sort == sort_order::price_asc || sort == sort_order::price_desc) {
            st.sql += " JOIN shop_prices pr ON pr.product_id = s.id AND pr.currency = " +
                      st.bind(f.currency);
        } else {
            st.sql += " CROSS JOIN shop_prices pr";
            price_condition = " AND pr.product_id = s.id AND pr.currency = " + st.bind(f.currency);
        }
    }
    st.sql += " WHERE 1 = 1" + price_condition;
    if (!match.empty()) {
        st.sql += kind == db::dialect::sqlite ? " AND shop_fts MATCH " + match
                                              : " AND s.search @@ " + match + "::tsquery";
    }
    if (!f.category_ids.empty()) {
        st.sql += " AND s.category_id IN (" + st.bind_list(f.category_ids) + ")";
    }
    if (f.vendor_id) {
        st.sql += " AND s.vendor_id = " + st.bind(*f.vendor_id);
    }
    if (f.price_min) {
        st.sql += " AND pr.min_amount >= " + st.bind(*f.price_min);
    }
    if (f.price_max) {
        st.sql += " AND pr.min_amount <= " + st.bind(*f.price_max);
    }
    if (f.in_stock) {
        st.sql += " AND s.in_stock = 1";
    }
    for (const auto& a : f.attributes) {
        st.sql += " AND s.id IN (SELECT product_id FROM shop_facets WHERE kind = 'a' AND name = " +
                  st.bind(a.name) + " AND value IN (" + st.bind_list(a.values) + "))";
    }
    if (!f.tags.empty()) {
        st.sql +=
            " AND s.id IN (SELECT product_id FROM shop_facets WHERE kind = 't' AND name = '' AND "
            "value IN (" +
            st.bind_list(f.tags) + "))";
    }
}

// Relevance as a number where smaller is better on both engines (bm25 is negative, ts_rank is not).
std::string score_sql(infra::db::dialect kind, const std::string& match_param) {
    return kind == db::dialect::sqlite ? "bm25(shop_fts, 10.0, 4.0, 2.0, 4.0, 1.0)"
                                       : "-ts_rank(s.search, " + match_param + "::tsquery)::float8";
}

std::string double_text(double v) {
    std::array<char, 32> buf{};
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return {buf.data(), end};
}

std::optional<double> parse_double(std::string_view s) {
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

// Counts by text key, looked up by string_view without allocating for keys already seen.
struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};
template <class T>
using counter = std::unordered_map<std::string, T, text_hash, std::equal_to<>>;

template <class T>
T& bump(counter<T>& c, std::string_view key) {
    auto found = c.find(key);
    if (found == c.end()) {
        found = c.emplace(std::string{key}, T{}).first;
    }
    return found->second;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

// The first row of (id, vendor_handle, detail) or (id, document), if any.
std::optional<product_document> first_product(const db::rows& found) {
    if (found.empty()) {
        return std::nullopt;
    }
    auto r = found.front();
    return product_document{r.get<std::string>(0), r.get<std::string>(1), r.get<std::string>(2)};
}

std::optional<store_document> first_store(const db::rows& found) {
    if (found.empty()) {
        return std::nullopt;
    }
    auto r = found.front();
    return store_document{r.get<std::string>(0), r.get<std::string>(1)};
}

}  // namespace

core::task<core::result<product_page>> storefront_repo::page(
    db::transaction& tx, page_request req
) {
    const auto sort = req.effective_sort();
    statement st;
    std::string key_sql;
    bool descending = false;
    bool numeric_key = true;  // integer key; otherwise a double
    switch (sort) {
        case sort_order::newest:
            key_sql = "s.published_at_ms";
            descending = true;
            break;
        case sort_order::rating:
            key_sql = "s.rating";
            descending = true;
            numeric_key = false;
            break;
        case sort_order::price_asc:
        case sort_order::price_desc:
            key_sql = "pr.min_amount";
            descending = sort == sort_order::price_desc;
            break;
        case sort_order::relevance:
            numeric_key = false;
            break;
    }

    db::param key_param = nullptr;
    if (req.after) {
        if (numeric_key) {
            auto k = parse_int(req.after->key);
            if (!k) {
                co_return core::error{core::errc::bad_request, "cursor is not valid"};
            }
            key_param = *k;
        } else {
            auto k = parse_double(req.after->key);
            if (!k) {
                co_return core::error{core::errc::bad_request, "cursor is not valid"};
            }
            key_param = *k;
        }
    }

    // The page is cut from narrow rows first; only its items are then read from shop_documents.
    const std::string dir = descending ? " DESC" : "";
    if (sort == sort_order::relevance) {
        // The score exists only per match, so the page is cut from the materialised matches.
        statement from;
        append_from_where(from, req, kind_);
        // The match expression is the first parameter of the FROM/WHERE part.
        st.args = std::move(from.args);
        st.sql = "WITH m AS MATERIALIZED (SELECT s.id AS id, " + score_sql(kind_, "$1") +
                 " AS score" + from.sql +
                 ") SELECT p.id, d.item, p.k FROM (SELECT id, score AS k FROM m";
        if (req.after) {
            st.sql +=
                " WHERE (score, id) > (" + st.bind(key_param) + ", " + st.bind(req.after->id) + ")";
        }
        st.sql += " ORDER BY score, id LIMIT " + st.bind(req.limit + 1) + ") p";
    } else {
        const std::string id_sql = key_sql == "pr.min_amount" ? "pr.product_id" : "s.id";
        st.sql = "SELECT p.id, d.item, p.k FROM (SELECT s.id AS id, " + key_sql + " AS k";
        append_from_where(st, req, kind_);
        if (req.after) {
            st.sql += " AND (" + key_sql + ", " + id_sql + ") " + (descending ? "<" : ">") + " (" +
                      st.bind(key_param) + ", " + st.bind(req.after->id) + ")";
        }
        st.sql += " ORDER BY " + key_sql + dir + ", " + id_sql + dir + " LIMIT " +
                  st.bind(req.limit + 1) + ") p";
    }
    st.sql += " JOIN shop_documents d ON d.product_id = p.id ORDER BY p.k" + dir + ", p.id" + dir;

    auto found = co_await tx.run(std::move(st.sql), std::move(st.args));
    if (!found) {
        co_return std::move(found).error();
    }
    product_page out;
    for (auto r : *found) {
        if (out.items.size() == static_cast<std::size_t>(req.limit)) {
            out.more = true;
            break;
        }
        std::string key =
            numeric_key ? std::to_string(r.get<std::int64_t>(2)) : double_text(r.get<double>(2));
        out.items.push_back(
            {r.get<std::string>(0), std::make_shared<const std::string>(r.get<std::string>(1)),
             std::move(key)}
        );
    }
    co_return out;
}

core::task<core::result<facet_counts>> storefront_repo::facets(
    db::transaction& tx, page_request req, int minor_digits
) {
    // Counts do not depend on the order: prices are an inner join only when they filter, and a
    // LEFT JOIN otherwise (price buckets need them).
    req.sort = sort_order::newest;
    req.after.reset();
    const bool joined = joins_prices(req);
    statement st;
    append_from_where(st, req, kind_);
    if (!joined) {
        auto where = st.sql.find(" WHERE 1 = 1");
        st.sql = st.sql.substr(0, where) +
                 " LEFT JOIN shop_prices pr ON pr.product_id = s.id AND pr.currency = " +
                 st.bind(req.filter.currency) + st.sql.substr(where);
    }
    // One narrow row per match, counted here: a join and GROUP BY over shop_facets costs the
    // database ten times more than reading each match's encoded facets once.
    st.sql =
        "SELECT s.category_id, s.vendor_id, s.vendor_handle, s.vendor_name, pr.min_amount, "
        "s.facets" +
        st.sql;
    auto found = co_await tx.run(std::move(st.sql), std::move(st.args));
    if (!found) {
        co_return std::move(found).error();
    }

    const std::int64_t scale = minor_scale(minor_digits);
    struct vendor_tally {
        std::int64_t count = 0;
        std::string handle;
        std::string name;
    };
    counter<std::int64_t> categories;
    counter<vendor_tally> vendors;
    counter<std::int64_t> values;  // by encoded facet value
    facet_totals totals;
    totals.scale = scale;
    for (auto r : *found) {
        if (auto category = r.get<std::optional<std::string>>(0)) {
            bump(categories, *category) += 1;
        }
        auto& vendor = bump(vendors, r.get<std::string>(1));
        if (vendor.count++ == 0) {
            vendor.handle = r.get<std::string>(2);
            vendor.name = r.get<std::string>(3);
        }
        if (auto price = r.get<std::optional<std::int64_t>>(4)) {
            ++totals.buckets[price_bucket_of(*price, scale)];
        }
        auto codes = r.get<std::string>(5);
        decode_facets(codes, [&](std::string_view entry, auto, auto, auto) {
            bump(values, entry) += 1;
        });
    }
    for (auto& [id, n] : categories) {
        totals.categories.emplace_back(id, n);
    }
    for (auto& [id, v] : vendors) {
        totals.vendors.push_back({id, v.count, std::move(v.handle), std::move(v.name)});
    }
    for (auto& [entry, n] : values) {
        totals.values.emplace_back(entry, n);
    }
    co_return rank_facets(std::move(totals));
}

core::task<core::result<std::optional<product_document>>> storefront_repo::product_by_id(
    db::transaction& tx, std::string id
) {
    auto found = co_await tx.query(
        "SELECT s.id, s.vendor_handle, d.detail FROM shop_products s JOIN shop_documents d ON "
        "d.product_id = s.id WHERE s.id = $1",
        std::move(id)
    );
    if (!found) {
        co_return std::move(found).error();
    }
    co_return first_product(*found);
}

core::task<core::result<std::vector<product_document>>> storefront_repo::products_by_handle(
    db::transaction& tx, std::string handle, int limit
) {
    auto found = co_await tx.query(
        "SELECT s.id, s.vendor_handle, d.detail FROM shop_products s JOIN shop_documents d ON "
        "d.product_id = s.id WHERE s.handle = $1 ORDER BY s.vendor_handle, s.id LIMIT $2",
        std::move(handle), limit
    );
    if (!found) {
        co_return std::move(found).error();
    }
    std::vector<product_document> out;
    for (auto r : *found) {
        out.push_back({r.get<std::string>(0), r.get<std::string>(1), r.get<std::string>(2)});
    }
    co_return out;
}

core::task<core::result<std::optional<product_document>>> storefront_repo::product_of_store(
    db::transaction& tx, std::string vendor_handle, std::string handle
) {
    auto found = co_await tx.query(
        "SELECT s.id, s.vendor_handle, d.detail FROM shop_products s JOIN shop_documents d ON "
        "d.product_id = s.id WHERE s.handle = $1 AND s.vendor_handle = $2 ORDER BY s.id LIMIT 1",
        std::move(handle), std::move(vendor_handle)
    );
    if (!found) {
        co_return std::move(found).error();
    }
    co_return first_product(*found);
}

core::task<core::result<std::optional<store_document>>> storefront_repo::store_by_handle(
    db::transaction& tx, std::string handle
) {
    auto found = co_await tx.query(
        "SELECT id, document FROM shop_stores WHERE handle = $1 AND status = 'active' ORDER BY "
        "updated_at_ms DESC LIMIT 1",
        std::move(handle)
    );
    if (!found) {
        co_return std::move(found).error();
    }
    co_return first_store(*found);
}

core::task<core::result<std::optional<store_document>>> storefront_repo::store_by_id(
    db::transaction& tx, std::string id
) {
    auto found = co_await tx.query(
        "SELECT id, document FROM shop_stores WHERE id = $1 AND status = 'active'", std::move(id)
    );
    if (!found) {
        co_return std::move(found).error();
    }
    co_return first_store(*found);
}

core::task<core::result<bool>> storefront_repo::known(db::transaction& tx, search_text::term t) {
    auto exact = co_await tx.query("SELECT 1 FROM shop_terms WHERE term = $1", t.stemmed);
    if (!exact) {
        co_return std::move(exact).error();
    }
    if (!exact->empty() || !t.prefix()) {
        co_return !exact->empty();
    }
    auto upper = search_text::prefix_upper_bound(t.raw);
    auto prefixed = co_await tx.query(
        "SELECT term FROM shop_terms WHERE term >= $1 AND term < $2 ORDER BY term LIMIT 1", t.raw,
        std::move(upper)
    );
    if (!prefixed) {
        co_return std::move(prefixed).error();
    }
    co_return !prefixed->empty();
}

core::task<core::result<std::vector<vocabulary_entry>>> storefront_repo::terms_like(
    db::transaction& tx, std::string first, std::int64_t min, std::int64_t max
) {
    auto upper = search_text::prefix_upper_bound(first);
    auto found = co_await tx.query(
        "SELECT term, docs FROM shop_terms WHERE term >= $1 AND term < $2 AND length(term) "
        "BETWEEN $3 AND $4 AND docs > 0",
        std::move(first), std::move(upper), min, max
    );
    if (!found) {
        co_return std::move(found).error();
    }
    std::vector<vocabulary_entry> out;
    out.reserve(found->size());
    for (auto r : *found) {
        out.push_back({r.get<std::string>(0), r.get<std::int64_t>(1)});
    }
    co_return out;
}

}  // namespace shopping
