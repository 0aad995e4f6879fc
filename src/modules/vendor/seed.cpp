#include "modules/vendor/seed.hpp"

#include <boost/json/serialize.hpp>
#include <iterator>
#include <map>

#include "infra/bus/outbox.hpp"
#include "modules/vendor/catalog.hpp"

namespace vendor::seed {
namespace {

// Collects rows and writes them with multi-row INSERTs: full statements of `rows_per_statement`
// rows, then the rest in power-of-two sizes. Statements of one size share their SQL text, so each
// shape is prepared once per connection however the rows arrive.
class bulk_insert {
public:
    bulk_insert(std::string head, std::size_t columns, std::size_t rows_per_statement = 200)
        : head_(std::move(head)), columns_(columns), rows_per_statement_(rows_per_statement) {}

    // Appends one row's values; true when a full statement's worth is waiting.
    bool add(infra::db::params row) {
        for (auto& v : row) {
            pending_.push_back(std::move(v));
        }
        return rows() >= rows_per_statement_;
    }

    std::size_t rows() const noexcept { return pending_.size() / columns_; }

    // Writes every pending row.
    core::task<core::result<void>> flush(infra::db::transaction& tx) {
        std::size_t at = 0;
        auto total = rows();
        while (at < total) {
            auto left = total - at;
            std::size_t n = rows_per_statement_;
            if (left < n) {
                n = 1;
                while (n * 2 <= left) {
                    n *= 2;
                }
            }
            infra::db::params args(
                std::make_move_iterator(
                    pending_.begin() + static_cast<std::ptrdiff_t>(at * columns_)
                ),
                std::make_move_iterator(
                    pending_.begin() + static_cast<std::ptrdiff_t>((at + n) * columns_)
                )
            );
            auto done = co_await tx.run(sql_for(n), std::move(args));
            if (!done) {
                co_return std::move(done).error();
            }
            at += n;
        }
        pending_.clear();
        co_return core::ok();
    }

private:
    const std::string& sql_for(std::size_t n) {
        auto& sql = sql_[n];
        if (sql.empty()) {
            sql = head_ + " VALUES ";
            std::size_t k = 0;
            for (std::size_t r = 0; r < n; ++r) {
                sql += r == 0 ? "(" : ", (";
                for (std::size_t c = 0; c < columns_; ++c) {
                    sql += (c == 0 ? "$" : ", $") + std::to_string(++k);
                }
                sql += ")";
            }
        }
        return sql;
    }

    std::string head_;
    std::size_t columns_;
    std::size_t rows_per_statement_;
    infra::db::params pending_;
    std::map<std::size_t, std::string> sql_;
};

// Products before variants before prices: every row's parent is written first.
core::task<core::result<void>> flush_in_order(
    infra::db::transaction& tx, bulk_insert& products, bulk_insert& variants, bulk_insert& prices
) {
    auto done = co_await products.flush(tx);
    if (!done) {
        co_return done;
    }
    done = co_await variants.flush(tx);
    if (!done) {
        co_return done;
    }
    co_return co_await prices.flush(tx);
}

std::optional<std::int64_t> optional_ms(const std::optional<core::time_point>& t) {
    return t ? std::optional{to_ms(*t)} : std::nullopt;
}

std::string tags_text(const std::vector<std::string>& tags) {
    boost::json::array a;
    for (const auto& t : tags) {
        a.emplace_back(t);
    }
    return boost::json::serialize(a);
}

}  // namespace

core::task<core::result<std::int64_t>> count_catalog(infra::db::transaction& tx) {
    auto rows =
        co_await tx.query("SELECT (SELECT COUNT(*) FROM vendors) + (SELECT COUNT(*) FROM products)"
        );
    if (!rows) {
        co_return std::move(rows).error();
    }
    co_return rows->front().get<std::int64_t>(0);
}

core::task<core::result<void>> insert_stores(
    infra::db::transaction& tx, const std::vector<store>& stores, const std::vector<member>& owners
) {
    bulk_insert vendors{
        "INSERT INTO vendors (id, handle, name, legal_name, contact_email, contact_phone, "
        "description, logo_url, status, status_reason, status_changed_at_ms, pickup_line1, "
        "pickup_line2, pickup_city, pickup_postal_code, pickup_country, pickup_lat, pickup_lng, "
        "payout, owner_id, created_at_ms, updated_at_ms)",
        22, 100};
    for (const auto& s : stores) {
        std::optional<std::string> payout;
        if (s.payout) {
            payout = boost::json::serialize(*s.payout);
        }
        bool full = vendors.add(
            {s.id,
             s.handle,
             s.name,
             s.legal_name,
             s.contact_email,
             s.contact_phone,
             s.description,
             s.logo_url,
             to_string(s.status),
             s.status_reason,
             to_ms(s.updated_at),
             s.pickup.line1,
             s.pickup.line2,
             s.pickup.city,
             s.pickup.postal_code,
             s.pickup.country,
             s.pickup.lat,
             s.pickup.lng,
             payout,
             s.owner_id,
             to_ms(s.created_at),
             to_ms(s.updated_at)}
        );
        if (full) {
            auto done = co_await vendors.flush(tx);
            if (!done) {
                co_return done;
            }
        }
    }
    auto done = co_await vendors.flush(tx);
    if (!done) {
        co_return done;
    }
    bulk_insert members{
        "INSERT INTO vendor_members (id, vendor_id, user_id, role, invited_by, invited_at_ms, "
        "accepted_at_ms, created_at_ms, updated_at_ms)",
        9};
    for (const auto& m : owners) {
        bool full = members.add(
            {m.id, m.vendor_id, m.user_id, to_string(m.role), m.invited_by, to_ms(m.invited_at),
             optional_ms(m.accepted_at), to_ms(m.created_at), to_ms(m.updated_at)}
        );
        if (full) {
            auto flushed = co_await members.flush(tx);
            if (!flushed) {
                co_return flushed;
            }
        }
    }
    co_return co_await members.flush(tx);
}

core::task<core::result<void>> insert_products(
    infra::db::transaction& tx, const std::vector<product>& products
) {
    bulk_insert rows{
        "INSERT INTO products (id, vendor_id, handle, title, description, category_id, tags, "
        "attributes, options, status, published_at_ms, deleted_at_ms, version, created_at_ms, "
        "updated_at_ms)",
        15};
    bulk_insert variants{
        "INSERT INTO variants (id, product_id, vendor_id, sku, options, weight_grams, "
        "stock_on_hand, stock_reserved, position, created_at_ms, updated_at_ms)",
        11};
    bulk_insert prices{
        "INSERT INTO variant_prices (variant_id, currency, amount, compare_at_amount)", 4, 250};
    for (const auto& p : products) {
        const auto& s = p.snapshot;
        bool full = rows.add(
            {s.id, s.vendor_id, s.handle, s.title, s.description, s.category_id, tags_text(s.tags),
             boost::json::serialize(s.attributes), boost::json::serialize(s.options), s.status,
             optional_ms(s.published_at), optional_ms(p.deleted_at), p.version, to_ms(s.created_at),
             to_ms(s.updated_at)}
        );
        for (std::size_t i = 0; i < s.variants.size(); ++i) {
            const auto& v = s.variants[i];
            full = variants.add(
                       {v.id, s.id, s.vendor_id, v.sku, boost::json::serialize(v.options),
                        v.weight_grams, p.stock[i].on_hand, p.stock[i].reserved,
                        static_cast<int>(i), to_ms(s.created_at), to_ms(s.updated_at)}
                   ) ||
                   full;
            for (const auto& price : v.prices) {
                std::optional<std::int64_t> compare;
                for (const auto& c : v.compare_at_prices) {
                    if (c.currency() == price.currency()) {
                        compare = c.amount();
                    }
                }
                full = prices.add({v.id, price.currency().code(), price.amount(), compare}) || full;
            }
        }
        if (full) {
            auto done = co_await flush_in_order(tx, rows, variants, prices);
            if (!done) {
                co_return done;
            }
        }
    }
    co_return co_await flush_in_order(tx, rows, variants, prices);
}

core::task<core::result<void>> request_reindex(
    infra::db::transaction& tx, const core::clock& clock
) {
    auto appended = co_await infra::bus::append(
        tx, clock, std::string{events::catalog_reindex_requested}, "catalog", boost::json::object{}
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return core::ok();
}

}  // namespace vendor::seed
