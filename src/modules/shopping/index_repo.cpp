#include "modules/shopping/index_repo.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <iterator>

namespace shopping {
namespace {

namespace db = infra::db;

// Rows per multi-row INSERT: large enough to amortise a statement, small enough to stay far below
// both engines' parameter limits.
constexpr std::size_t rows_per_insert = 50;
constexpr std::size_t terms_per_statement = 200;

// "(...), (...)" with `rows` copies of `row_template`, each `?` replaced by the next $n.
std::string values_sql(std::string_view row_template, std::size_t rows) {
    std::string out;
    int n = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        if (r > 0) {
            out += ", ";
        }
        for (char c : row_template) {
            if (c == '?') {
                out += "$" + std::to_string(++n);
            } else {
                out.push_back(c);
            }
        }
    }
    return out;
}

std::string placeholders(std::size_t count) {
    std::string out;
    for (std::size_t i = 1; i <= count; ++i) {
        out += (i == 1 ? "$" : ", $") + std::to_string(i);
    }
    return out;
}

// INSERT `head` VALUES <rows> `tail`, chunked; `values` is row-major with `width` per row.
core::task<core::result<void>> insert_rows(
    db::transaction& tx,
    std::string head,
    std::string row_template,
    std::string tail,
    std::size_t width,
    db::params values
) {
    const std::size_t rows = values.size() / width;
    for (std::size_t start = 0; start < rows; start += rows_per_insert) {
        const std::size_t n = std::min(rows_per_insert, rows - start);
        auto first = values.begin() + static_cast<std::ptrdiff_t>(start * width);
        db::params chunk{
            std::make_move_iterator(first),
            std::make_move_iterator(first + static_cast<std::ptrdiff_t>(n * width))};
        std::string sql = head + values_sql(row_template, n) + tail;
        auto done = co_await tx.run(std::move(sql), std::move(chunk));
        if (!done) {
            co_return std::move(done).error();
        }
    }
    co_return core::ok();
}

// The columns of shop_products every dialect writes, in this order.
constexpr std::string_view product_columns =
    "id, vendor_id, vendor_handle, vendor_name, handle, category_id, in_stock, rating, "
    "published_at_ms, facets, indexed_at_ms";
constexpr std::size_t product_width = 11;

void push_product(db::params& out, const index_document& d, std::int64_t now_ms) {
    out.emplace_back(d.id);
    out.emplace_back(d.vendor_id);
    out.emplace_back(d.vendor_handle);
    out.emplace_back(d.vendor_name);
    out.emplace_back(d.handle);
    out.emplace_back(d.category_id);
    out.emplace_back(d.in_stock ? 1 : 0);
    out.emplace_back(d.rating);
    out.emplace_back(d.published_at_ms);
    out.emplace_back(d.facet_codes);
    out.emplace_back(now_ms);
}

// shop_documents: product_id, item, detail, and the five search texts.
constexpr std::string_view document_columns =
    "product_id, item, detail, fts_title, fts_tags, fts_attrs, fts_vendor, fts_body";
constexpr std::size_t document_width = 8;

void push_document(db::params& out, index_document& d) {
    out.emplace_back(d.id);
    out.emplace_back(std::move(d.item));
    out.emplace_back(std::move(d.detail));
    out.emplace_back(d.text.title);
    out.emplace_back(d.text.tags);
    out.emplace_back(d.text.attributes);
    out.emplace_back(d.text.vendor);
    out.emplace_back(d.text.body);
}

void push_fts(db::params& out, std::int64_t doc, const search_text::document_text& t) {
    out.emplace_back(doc);
    out.emplace_back(t.title);
    out.emplace_back(t.tags);
    out.emplace_back(t.attributes);
    out.emplace_back(t.vendor);
    out.emplace_back(t.body);
}

std::vector<std::string> minus(
    const std::vector<std::string>& a, const std::vector<std::string>& b
) {
    std::vector<std::string> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

}  // namespace

struct index_repo::existing {
    std::int64_t doc = 0;  // SQLite only
    product_keys keys;
    search_text::document_text text;
};

core::task<core::result<std::optional<index_repo::existing>>> index_repo::find(
    db::transaction& tx, std::string product_id
) {
    std::string sql = std::string{"SELECT "} + (kind_ == db::dialect::sqlite ? "s.doc" : "0") +
                      ", s.handle, s.vendor_handle, d.fts_title, d.fts_tags, d.fts_attrs, "
                      "d.fts_vendor, d.fts_body FROM shop_products s JOIN shop_documents d ON "
                      "d.product_id = s.id WHERE s.id = $1";
    auto found = co_await tx.query(std::move(sql), std::move(product_id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (found->empty()) {
        co_return std::optional<existing>{};
    }
    auto r = found->front();
    existing e;
    e.doc = r.get<std::int64_t>(0);
    e.keys = {r.get<std::string>(1), r.get<std::string>(2)};
    e.text = {
        r.get<std::string>(3), r.get<std::string>(4), r.get<std::string>(5), r.get<std::string>(6),
        r.get<std::string>(7)};
    co_return std::optional<existing>{std::move(e)};
}

core::task<core::result<void>> index_repo::count_terms(
    db::transaction& tx, std::vector<std::string> terms, int delta
) {
    for (std::size_t start = 0; start < terms.size(); start += terms_per_statement) {
        const std::size_t n = std::min(terms_per_statement, terms.size() - start);
        db::params args;
        args.reserve(n);
        for (std::size_t i = start; i < start + n; ++i) {
            args.emplace_back(terms[i]);
        }
        if (delta > 0) {
            std::string sql = "INSERT INTO shop_terms (term, docs) VALUES " +
                              values_sql("(?, 1)", n) +
                              " ON CONFLICT (term) DO UPDATE SET docs = shop_terms.docs + 1";
            auto added = co_await tx.run(std::move(sql), std::move(args));
            if (!added) {
                co_return std::move(added).error();
            }
            continue;
        }
        std::string in = placeholders(n);
        std::string lower = "UPDATE shop_terms SET docs = docs - 1 WHERE term IN (" + in + ")";
        auto lowered = co_await tx.run(std::move(lower), args);
        if (!lowered) {
            co_return std::move(lowered).error();
        }
        std::string drop = "DELETE FROM shop_terms WHERE docs <= 0 AND term IN (" + in + ")";
        auto dropped = co_await tx.run(std::move(drop), std::move(args));
        if (!dropped) {
            co_return std::move(dropped).error();
        }
    }
    co_return core::ok();
}

core::task<core::result<void>> index_repo::replace_children(
    db::transaction& tx, index_document* doc
) {
    auto prices_gone = co_await tx.query("DELETE FROM shop_prices WHERE product_id = $1", doc->id);
    if (!prices_gone) {
        co_return std::move(prices_gone).error();
    }
    db::params prices;
    for (const auto& p : doc->prices) {
        prices.emplace_back(doc->id);
        prices.emplace_back(p.currency);
        prices.emplace_back(p.min_amount);
        prices.emplace_back(p.max_amount);
    }
    auto priced = co_await insert_rows(
        tx, "INSERT INTO shop_prices (product_id, currency, min_amount, max_amount) VALUES ",
        "(?, ?, ?, ?)", "", 4, std::move(prices)
    );
    if (!priced) {
        co_return std::move(priced).error();
    }
    auto facets_gone = co_await tx.query("DELETE FROM shop_facets WHERE product_id = $1", doc->id);
    if (!facets_gone) {
        co_return std::move(facets_gone).error();
    }
    db::params facets;
    for (const auto& f : doc->facets) {
        facets.emplace_back(doc->id);
        facets.emplace_back(f.kind);
        facets.emplace_back(f.name);
        facets.emplace_back(f.value);
    }
    co_return co_await insert_rows(
        tx, "INSERT INTO shop_facets (product_id, kind, name, value) VALUES ", "(?, ?, ?, ?)", "",
        4, std::move(facets)
    );
}

core::task<core::result<std::optional<product_keys>>> index_repo::upsert(
    db::transaction& tx, index_document doc, std::int64_t now_ms
) {
    auto old = co_await find(tx, doc.id);
    if (!old) {
        co_return std::move(old).error();
    }
    auto children = co_await replace_children(tx, &doc);
    if (!children) {
        co_return std::move(children).error();
    }
    auto new_terms = search_text::distinct_terms(doc.text);
    std::vector<std::string> old_terms;
    if (*old) {
        old_terms = search_text::distinct_terms((*old)->text);
    }
    auto removed = co_await count_terms(tx, minus(old_terms, new_terms), -1);
    if (!removed) {
        co_return std::move(removed).error();
    }
    auto added = co_await count_terms(tx, minus(new_terms, old_terms), 1);
    if (!added) {
        co_return std::move(added).error();
    }

    auto text = doc.text;
    db::params row;
    row.reserve(product_width + 1);
    push_product(row, doc, now_ms);
    db::params document;
    document.reserve(document_width);
    push_document(document, doc);
    std::string document_sql =
        "INSERT INTO shop_documents (" + std::string{document_columns} + ") VALUES (" +
        placeholders(document_width) +
        ") ON CONFLICT (product_id) DO UPDATE SET item = excluded.item, detail = excluded.detail, "
        "fts_title = excluded.fts_title, fts_tags = excluded.fts_tags, fts_attrs = "
        "excluded.fts_attrs, fts_vendor = excluded.fts_vendor, fts_body = excluded.fts_body";
    auto documented = co_await tx.run(std::move(document_sql), std::move(document));
    if (!documented) {
        co_return std::move(documented).error();
    }
    if (kind_ == db::dialect::postgres) {
        row.emplace_back(search_text::tsvector_literal(text));
        std::string sql =
            "INSERT INTO shop_products (" + std::string{product_columns} + ", search) VALUES (" +
            placeholders(product_width) +
            ", $12::tsvector) ON CONFLICT (id) DO UPDATE SET vendor_id = excluded.vendor_id, "
            "vendor_handle = excluded.vendor_handle, vendor_name = excluded.vendor_name, "
            "handle = excluded.handle, category_id = excluded.category_id, in_stock = "
            "excluded.in_stock, rating = excluded.rating, published_at_ms = "
            "excluded.published_at_ms, facets = excluded.facets, indexed_at_ms = "
            "excluded.indexed_at_ms, search = "
            "excluded.search";
        auto written = co_await tx.run(std::move(sql), std::move(row));
        if (!written) {
            co_return std::move(written).error();
        }
    } else {
        std::int64_t doc_id = 0;
        if (*old) {
            db::params gone;
            push_fts(gone, (*old)->doc, (*old)->text);
            auto unindexed = co_await tx.run(
                "INSERT INTO shop_fts (shop_fts, rowid, title, tags, attrs, vendor, body) "
                "VALUES ('delete', $1, $2, $3, $4, $5, $6)",
                std::move(gone)
            );
            if (!unindexed) {
                co_return std::move(unindexed).error();
            }
            auto updated = co_await tx.run(
                "UPDATE shop_products SET vendor_id = $2, vendor_handle = $3, vendor_name = $4, "
                "handle = $5, category_id = $6, in_stock = $7, rating = $8, published_at_ms = $9, "
                "facets = $10, indexed_at_ms = $11 WHERE id = $1",
                std::move(row)
            );
            if (!updated) {
                co_return std::move(updated).error();
            }
            doc_id = (*old)->doc;
        } else {
            std::string sql = "INSERT INTO shop_products (" + std::string{product_columns} +
                              ") VALUES (" + placeholders(product_width) + ") RETURNING doc";
            auto inserted = co_await tx.run(std::move(sql), std::move(row));
            if (!inserted) {
                co_return std::move(inserted).error();
            }
            doc_id = inserted->front().get<std::int64_t>(0);
        }
        db::params fts;
        push_fts(fts, doc_id, text);
        auto indexed = co_await tx.run(
            "INSERT INTO shop_fts (rowid, title, tags, attrs, vendor, body) VALUES ($1, $2, $3, "
            "$4, $5, $6)",
            std::move(fts)
        );
        if (!indexed) {
            co_return std::move(indexed).error();
        }
    }
    if (!*old) {
        co_return std::optional<product_keys>{};
    }
    co_return std::optional<product_keys>{std::move((*old)->keys)};
}

core::task<core::result<std::optional<product_keys>>> index_repo::remove(
    db::transaction& tx, std::string product_id
) {
    auto old = co_await find(tx, product_id);
    if (!old) {
        co_return std::move(old).error();
    }
    if (!*old) {
        co_return std::optional<product_keys>{};
    }
    if (kind_ == db::dialect::sqlite) {
        db::params gone;
        push_fts(gone, (*old)->doc, (*old)->text);
        auto unindexed = co_await tx.run(
            "INSERT INTO shop_fts (shop_fts, rowid, title, tags, attrs, vendor, body) "
            "VALUES ('delete', $1, $2, $3, $4, $5, $6)",
            std::move(gone)
        );
        if (!unindexed) {
            co_return std::move(unindexed).error();
        }
    }
    for (const char* sql :
         {"DELETE FROM shop_products WHERE id = $1",
          "DELETE FROM shop_documents WHERE product_id = $1",
          "DELETE FROM shop_prices WHERE product_id = $1",
          "DELETE FROM shop_facets WHERE product_id = $1"}) {
        auto deleted = co_await tx.query(sql, product_id);
        if (!deleted) {
            co_return std::move(deleted).error();
        }
    }
    auto counted = co_await count_terms(tx, search_text::distinct_terms((*old)->text), -1);
    if (!counted) {
        co_return std::move(counted).error();
    }
    co_return std::optional<product_keys>{std::move((*old)->keys)};
}

core::task<core::result<void>> index_repo::log_change(
    db::transaction& tx, std::string product_id, std::int64_t now_ms
) {
    auto logged = co_await tx.query(
        "INSERT INTO shop_changes (product_id, changed_at_ms) VALUES ($1, $2)", std::move(product_id),
        now_ms
    );
    if (!logged) {
        co_return std::move(logged).error();
    }
    co_return core::ok();
}

core::task<core::result<std::optional<std::string>>> index_repo::upsert_store(
    db::transaction& tx, vendor::store_snapshot store, std::int64_t now_ms
) {
    auto before = co_await tx.query("SELECT handle FROM shop_stores WHERE id = $1", store.id);
    if (!before) {
        co_return std::move(before).error();
    }
    std::string document = boost::json::serialize(store_json(store));
    auto written = co_await tx.query(
        "INSERT INTO shop_stores (id, handle, status, document, updated_at_ms) VALUES ($1, $2, $3, "
        "$4, $5) ON CONFLICT (id) DO UPDATE SET handle = excluded.handle, status = "
        "excluded.status, document = excluded.document, updated_at_ms = excluded.updated_at_ms",
        store.id, store.handle, store.status, std::move(document), now_ms
    );
    if (!written) {
        co_return std::move(written).error();
    }
    if (before->empty()) {
        co_return std::optional<std::string>{};
    }
    co_return std::optional<std::string>{before->front().get<std::string>(0)};
}

core::task<core::result<void>> index_repo::clear(db::transaction& tx) {
    std::vector<std::string> statements{
        "DELETE FROM shop_products", "DELETE FROM shop_documents", "DELETE FROM shop_prices",
        "DELETE FROM shop_facets", "DELETE FROM shop_terms"};
    if (kind_ == db::dialect::sqlite) {
        statements.emplace_back("INSERT INTO shop_fts (shop_fts) VALUES ('delete-all')");
    }
    for (auto& sql : statements) {
        auto done = co_await tx.run(std::move(sql));
        if (!done) {
            co_return std::move(done).error();
        }
    }
    co_return core::ok();
}

core::task<core::result<void>> index_repo::append(
    db::transaction& tx,
    std::vector<index_document> docs,
    std::int64_t first_doc,
    std::int64_t now_ms
) {
    db::params products;
    db::params documents;
    db::params fts;
    db::params prices;
    db::params facets;
    products.reserve(docs.size() * (product_width + 1));
    std::int64_t doc_id = first_doc;
    for (auto& d : docs) {
        for (const auto& p : d.prices) {
            prices.emplace_back(d.id);
            prices.emplace_back(p.currency);
            prices.emplace_back(p.min_amount);
            prices.emplace_back(p.max_amount);
        }
        for (const auto& f : d.facets) {
            facets.emplace_back(d.id);
            facets.emplace_back(f.kind);
            facets.emplace_back(f.name);
            facets.emplace_back(f.value);
        }
        if (kind_ == db::dialect::sqlite) {
            products.emplace_back(doc_id);
            push_fts(fts, doc_id, d.text);
            push_product(products, d, now_ms);
        } else {
            push_product(products, d, now_ms);
            products.emplace_back(search_text::tsvector_literal(d.text));
        }
        push_document(documents, d);
        ++doc_id;
    }
    core::result<void> written = core::ok();
    if (kind_ == db::dialect::sqlite) {
        written = co_await insert_rows(
            tx, "INSERT INTO shop_products (doc, " + std::string{product_columns} + ") VALUES ",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "", product_width + 1, std::move(products)
        );
        if (written) {
            written = co_await insert_rows(
                tx, "INSERT INTO shop_fts (rowid, title, tags, attrs, vendor, body) VALUES ",
                "(?, ?, ?, ?, ?, ?)", "", 6, std::move(fts)
            );
        }
    } else {
        written = co_await insert_rows(
            tx, "INSERT INTO shop_products (" + std::string{product_columns} + ", search) VALUES ",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::tsvector)", "", product_width + 1,
            std::move(products)
        );
    }
    if (!written) {
        co_return written;
    }
    auto detailed = co_await insert_rows(
        tx, "INSERT INTO shop_documents (" + std::string{document_columns} + ") VALUES ",
        "(?, ?, ?, ?, ?, ?, ?, ?)", "", document_width, std::move(documents)
    );
    if (!detailed) {
        co_return detailed;
    }
    auto priced = co_await insert_rows(
        tx, "INSERT INTO shop_prices (product_id, currency, min_amount, max_amount) VALUES ",
        "(?, ?, ?, ?)", "", 4, std::move(prices)
    );
    if (!priced) {
        co_return priced;
    }
    co_return co_await insert_rows(
        tx, "INSERT INTO shop_facets (product_id, kind, name, value) VALUES ", "(?, ?, ?, ?)", "",
        4, std::move(facets)
    );
}

core::task<core::result<void>> index_repo::write_vocabulary(
    db::transaction& tx, std::map<std::string, std::int64_t> terms
) {
    db::params rows;
    rows.reserve(terms.size() * 2);
    for (auto& [term, docs] : terms) {
        rows.emplace_back(term);
        rows.emplace_back(docs);
    }
    co_return co_await insert_rows(
        tx, "INSERT INTO shop_terms (term, docs) VALUES ", "(?, ?)", "", 2, std::move(rows)
    );
}

core::task<core::result<void>> index_repo::rebuild_cache(db::transaction& tx, bool wide) {
    if (kind_ != db::dialect::sqlite) {
        co_return core::ok();
    }
    // Negative sizes are KiB: 64 MiB while rebuilding, SQLite's default 2000 KiB otherwise.
    std::string sql = wide ? "PRAGMA cache_size = -65536" : "PRAGMA cache_size = -2000";
    auto set = co_await tx.run(std::move(sql));
    if (!set) {
        co_return std::move(set).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> index_repo::finish(db::transaction& tx) {
    // Merged full-text segments and fresh planner statistics keep the first queries after a
    // rebuild as fast as later ones. Only the index's own tables are analysed: they are whole
    // after a rebuild. Statistics taken now of a table that is still small (events, orders,
    // carts) would tell SQLite's planner to scan it long after it has grown.
    std::vector<std::string> script;
    if (kind_ == db::dialect::sqlite) {
        script = {
            "INSERT INTO shop_fts (shop_fts) VALUES ('optimize')",
            "ANALYZE shop_products",
            "ANALYZE shop_documents",
            "ANALYZE shop_prices",
            "ANALYZE shop_facets",
            "ANALYZE shop_terms",
            // Left by earlier versions, which analysed every table here.
            "DELETE FROM sqlite_stat1 WHERE tbl NOT IN ('shop_products', 'shop_documents', "
            "'shop_prices', 'shop_facets', 'shop_terms')",
            // Makes every connection load the statistics again.
            "ANALYZE sqlite_schema",
        };
    } else {
        script = {"ANALYZE shop_products, shop_prices, shop_facets, shop_terms"};
    }
    for (auto& sql : script) {
        auto done = co_await tx.run(std::move(sql));
        if (!done) {
            co_return std::move(done).error();
        }
    }
    co_return core::ok();
}

}  // namespace shopping
