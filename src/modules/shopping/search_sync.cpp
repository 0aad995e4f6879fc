#include "modules/shopping/search_sync.hpp"

#include <malloc.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "core/log.hpp"
#include "modules/shopping/model.hpp"

namespace shopping {
namespace {

namespace db = infra::db;

constexpr int load_page = 2000;
constexpr int change_page = 5000;
constexpr std::size_t ids_per_read = 400;
// A sequence number missing this long belongs to a transaction that rolled back.
constexpr std::int64_t gap_patience_ms = 60000;

constexpr std::string_view product_select =
    "SELECT s.id, s.vendor_id, s.vendor_handle, s.vendor_name, s.category_id, s.in_stock, "
    "s.rating, s.published_at_ms, s.facets, d.item, d.fts_title, d.fts_tags, d.fts_attrs, "
    "d.fts_vendor, d.fts_body FROM shop_products s JOIN shop_documents d ON d.product_id = s.id";

std::vector<engine_document> documents_of(const db::rows& found) {
    std::vector<engine_document> out;
    out.reserve(found.size());
    for (auto r : found) {
        engine_document d;
        d.id = r.get<std::string>(0);
        d.vendor_id = r.get<std::string>(1);
        d.vendor_handle = r.get<std::string>(2);
        d.vendor_name = r.get<std::string>(3);
        d.category_id = r.get<std::optional<std::string>>(4);
        d.in_stock = r.get<std::int64_t>(5) != 0;
        d.rating = r.get<double>(6);
        d.published_at_ms = r.get<std::int64_t>(7);
        d.facet_codes = r.get<std::string>(8);
        d.item = r.get<std::string>(9);
        for (std::size_t i = 0; i < d.fields.size(); ++i) {
            d.fields[i] = r.get<std::string>(10 + static_cast<int>(i));
        }
        out.push_back(std::move(d));
    }
    return out;
}

// Attaches price rows (product_id, currency, min, max) to their documents.
void attach_prices(std::vector<engine_document>& docs, const db::rows& prices) {
    std::unordered_map<std::string_view, engine_document*> by_id;
    for (auto& d : docs) {
        by_id.emplace(d.id, &d);
    }
    for (auto r : prices) {
        auto id = r.get<std::string>(0);
        auto found = by_id.find(id);
        if (found != by_id.end()) {
            found->second->prices.push_back(
                {r.get<std::string>(1), r.get<std::int64_t>(2), r.get<std::int64_t>(3)}
            );
        }
    }
}

std::string placeholders(std::size_t n) {
    std::string out;
    for (std::size_t i = 1; i <= n; ++i) {
        out += (i == 1 ? "$" : ", $") + std::to_string(i);
    }
    return out;
}

}  // namespace

search_sync::search_sync(
    db::database& db, search_engine& engine, const core::clock& clock, core::metrics::registry& m
)
    : db_(db),
      engine_(engine),
      clock_(clock),
      documents_(m.get_gauge(
          "shopping_search_engine_documents", "Products held by the in-process search engine"
      )),
      loads_(m.get_counter(
          "shopping_search_engine_loads_total", "Full loads of the in-process search engine"
      )),
      applied_(m.get_counter(
          "shopping_search_engine_changes_total",
          "Read-model changes applied to the in-process search engine"
      )) {}

core::task<core::result<void>> search_sync::catch_up() {
    const auto ticket = requested_.fetch_add(1, std::memory_order_acq_rel) + 1;
    for (int attempt = 0;; ++attempt) {
        if (completed_.load(std::memory_order_acquire) >= ticket) {
            co_return core::ok();
        }
        if (!busy_.exchange(true, std::memory_order_acq_rel)) {
            // Every request made so far is covered by a pass that starts now.
            const auto covers = requested_.load(std::memory_order_acquire);
            auto done = co_await pass();
            if (done) {
                auto seen = completed_.load(std::memory_order_acquire);
                while (seen < covers &&
                       !completed_.compare_exchange_weak(seen, covers, std::memory_order_acq_rel)) {
                }
            }
            busy_.store(false, std::memory_order_release);
            if (!done) {
                co_return done;
            }
            continue;
        }
        co_await db_.backoff(std::min(attempt, 3));
    }
}

core::task<core::result<void>> search_sync::pass() {
    if (!ready()) {
        co_return co_await load_all();
    }
    for (;;) {
        const std::int64_t floor = gaps_.empty() ? last_seq_ : std::min(last_seq_, gaps_.begin()->first - 1);
        auto found = co_await db_.select(
            "SELECT seq, product_id FROM shop_changes WHERE seq > $1 ORDER BY seq LIMIT $2", floor,
            change_page
        );
        if (!found) {
            co_return std::move(found).error();
        }
        const auto now = to_ms(clock_.now());
        std::set<std::string> ids;
        bool everything = false;
        for (auto r : *found) {
            const auto seq = r.get<std::int64_t>(0);
            if (seq <= last_seq_) {
                if (gaps_.erase(seq) == 0) {
                    continue;  // applied before
                }
            } else {
                for (auto missing = last_seq_ + 1; missing < seq; ++missing) {
                    gaps_.emplace(missing, now);
                }
                last_seq_ = seq;
            }
            auto id = r.get<std::string>(1);
            if (id == "*") {
                everything = true;
            } else {
                ids.insert(std::move(id));
            }
        }
        std::erase_if(gaps_, [now](const auto& g) { return now - g.second > gap_patience_ms; });
        if (everything) {
            co_return co_await load_all();
        }
        if (!ids.empty()) {
            applied_.inc(static_cast<double>(ids.size()));
            auto done = co_await reload({ids.begin(), ids.end()});
            if (!done) {
                co_return done;
            }
        }
        if (found->size() < static_cast<std::size_t>(change_page)) {
            documents_.set(static_cast<double>(engine_.size()));
            co_return core::ok();
        }
    }
}

core::task<core::result<void>> search_sync::load_all() {
    // Changes committed while the pages are read are applied after, from this point on.
    auto head = co_await db_.select("SELECT COALESCE(MAX(seq), 0) FROM shop_changes");
    if (!head) {
        co_return std::move(head).error();
    }
    const auto start = head->front().get<std::int64_t>(0);
    search_engine::loading next;
    std::size_t count = 0;
    std::string after;
    for (;;) {
        std::string sql{product_select};
        sql += " WHERE s.id > $1 ORDER BY s.id LIMIT $2";
        auto found = co_await db_.select(std::move(sql), after, load_page);
        if (!found) {
            co_return std::move(found).error();
        }
        if (found->empty()) {
            break;
        }
        auto docs = documents_of(*found);
        auto prices = co_await db_.select(
            "SELECT product_id, currency, min_amount, max_amount FROM shop_prices WHERE "
            "product_id >= $1 AND product_id <= $2",
            docs.front().id, docs.back().id
        );
        if (!prices) {
            co_return std::move(prices).error();
        }
        attach_prices(docs, *prices);
        after = docs.back().id;
        count += docs.size();
        next.add(std::move(docs));
        if (found->size() < static_cast<std::size_t>(load_page)) {
            break;
        }
    }
    engine_.replace_all(std::move(next));
    // Pages of text were freed among the documents kept: give the heap's free pages back.
    malloc_trim(0);
    last_seq_ = start;
    gaps_.clear();
    loads_.inc();
    documents_.set(static_cast<double>(count));
    ready_.store(true, std::memory_order_release);
    co_return co_await pass();
}

core::task<core::result<void>> search_sync::reload(std::vector<std::string> ids) {
    for (std::size_t at = 0; at < ids.size(); at += ids_per_read) {
        const auto end = std::min(ids.size(), at + ids_per_read);
        db::params args(ids.begin() + static_cast<std::ptrdiff_t>(at), ids.begin() + static_cast<std::ptrdiff_t>(end));
        const auto list = placeholders(end - at);
        std::string sql{product_select};
        sql += " WHERE s.id IN (" + list + ")";
        db::params price_args = args;
        auto found = co_await db_.read(std::move(sql), std::move(args));
        if (!found) {
            co_return std::move(found).error();
        }
        auto docs = documents_of(*found);
        auto prices = co_await db_.read(
            "SELECT product_id, currency, min_amount, max_amount FROM shop_prices WHERE "
            "product_id IN (" + list + ")",
            std::move(price_args)
        );
        if (!prices) {
            co_return std::move(prices).error();
        }
        attach_prices(docs, *prices);
        std::set<std::string_view> present;
        for (const auto& d : docs) {
            present.insert(d.id);
        }
        for (auto i = at; i < end; ++i) {
            if (!present.contains(ids[i])) {
                engine_.remove(ids[i]);
            }
        }
        for (auto& d : docs) {
            engine_.upsert(std::move(d));
        }
    }
    co_return core::ok();
}

core::task<core::result<void>> search_sync::prune(std::chrono::milliseconds keep) {
    const auto before = to_ms(clock_.now()) - keep.count();
    auto done = co_await db_.execute("DELETE FROM shop_changes WHERE changed_at_ms < $1", before);
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

}  // namespace shopping
