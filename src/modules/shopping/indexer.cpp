#include "modules/shopping/indexer.hpp"

#include <boost/json/object.hpp>
#include <functional>
#include <map>

#include "core/log.hpp"

namespace shopping {
namespace {

namespace db = infra::db;

// Applied events whose generations are still to be bumped; only a handler that keeps failing
// leaves an entry behind, and the oldest are dropped past this.
constexpr std::size_t max_pending = 10000;

// Page size for a store's products when its status or profile changes.
constexpr int store_page = 200;

std::vector<double> lag_buckets() {
    return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
}

std::string data_field(const infra::bus::event& e, std::string_view key) {
    if (e.data.is_object()) {
        if (const auto* v = e.data.as_object().if_contains(key); v != nullptr && v->is_string()) {
            return std::string{v->as_string()};
        }
    }
    return e.aggregate_id;
}

std::int64_t ms(std::chrono::steady_clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

bool is_product_event(std::string_view type) {
    return type.starts_with("product.") || type == vendor::events::stock_changed;
}

// A stock change that did not make the variant sell out or come back: the storefront shows only
// whether a variant is in stock, so checkouts and cancellations mostly need no re-index. Events
// without `previous` (a vendor setting stock by hand) are always applied.
bool availability_unchanged(const infra::bus::event& e) {
    if (e.type != vendor::events::stock_changed || !e.data.is_object()) {
        return false;
    }
    const auto& d = e.data.as_object();
    const auto* now = d.if_contains("stock");
    const auto* before = d.if_contains("previous");
    if (now == nullptr || before == nullptr || !now->is_int64() || !before->is_int64()) {
        return false;
    }
    return (now->as_int64() > 0) == (before->as_int64() > 0);
}

// A store's status, profile or handle changed (staff changes do not touch the catalog).
bool is_store_event(std::string_view type) {
    return type.starts_with("vendor.") && type != vendor::events::member_added &&
           type != vendor::events::member_removed;
}

}  // namespace

indexer::indexer(
    db::database& db,
    const core::clock& clock,
    core::metrics::registry& metrics,
    vendor::catalog& catalog,
    infra::cache::cache& cache,
    int batch_size
)
    : db_(db),
      clock_(clock),
      catalog_(catalog),
      cache_(cache),
      repo_(db.kind()),
      batch_size_(std::max(1, batch_size)),
      lag_(metrics.get_histogram(
          "shopping_index_lag_seconds",
          "Time from a catalog event's commit to the storefront index and caches reflecting it",
          lag_buckets()
      )),
      upserts_(metrics.get_counter(
          "shopping_index_writes_total",
          "Products written to or removed from the storefront index",
          {{"op", "upsert"}}
      )),
      removals_(metrics.get_counter(
          "shopping_index_writes_total",
          "Products written to or removed from the storefront index",
          {{"op", "remove"}}
      )),
      rebuilds_(metrics.get_counter(
          "shopping_index_rebuilds_total", "Full rebuilds of the storefront index"
      )),
      rebuild_ms_(metrics.get_gauge(
          "shopping_index_rebuild_duration_ms", "Duration of the last full rebuild"
      )),
      rebuild_products_(metrics.get_gauge(
          "shopping_index_rebuild_products", "Visible products written by the last full rebuild"
      )) {}

void indexer::register_handlers(infra::bus::dispatcher& events) {
    events.add_handler(
        "shopping.index", std::bind_front(&indexer::apply, this),
        std::bind_front(&indexer::after_commit, this), [](const infra::bus::event& e) {
            const std::string_view type = e.type;
            return !availability_unchanged(e) &&
                   (is_product_event(type) || is_store_event(type) ||
                    type.starts_with("category.") || type == events::reindex_requested ||
                    type == events::index_rebuilt);
        }
    );
}

core::task<core::result<void>> indexer::apply(db::transaction& tx, const infra::bus::event& e) {
    if (availability_unchanged(e)) {
        co_return core::ok();
    }
    std::set<std::string> touched;
    const std::string_view type = e.type;
    if (is_product_event(type)) {
        auto done = co_await index_product(tx, data_field(e, "product_id"), std::nullopt, touched);
        if (!done) {
            co_return done;
        }
    } else if (is_store_event(type)) {
        auto done = co_await index_store(tx, data_field(e, "vendor_id"), touched);
        if (!done) {
            co_return done;
        }
    } else if (type.starts_with("category.")) {
        // Rows hold category ids only; filters by handle resolve through the tree per request.
        touched.emplace(cache_names::lists);
    } else if (type == events::reindex_requested) {
        auto rebuilt = co_await rebuild(tx);
        if (!rebuilt) {
            co_return std::move(rebuilt).error();
        }
        touched.emplace(cache_names::everything);
        touched.emplace(cache_names::lists);
    } else if (type == events::index_rebuilt) {
        touched.emplace(cache_names::everything);
        touched.emplace(cache_names::lists);
    } else {
        co_return core::ok();
    }
    remember(e.id, std::move(touched));
    co_return core::ok();
}

core::task<void> indexer::after_commit(const infra::bus::event& e) {
    if (availability_unchanged(e)) {
        co_return;
    }
    auto names = take(e.id);
    if (!names) {
        // Applied by an earlier delivery whose process stopped before this step: bump what the
        // event alone names (the product's handle is unknown here; its entries expire by TTL).
        const std::string_view type = e.type;
        names.emplace();
        if (is_product_event(type)) {
            names->emplace(cache_names::lists);
            names->insert(cache_names::product(data_field(e, "product_id")));
        } else if (is_store_event(type) || type == events::reindex_requested || type == events::index_rebuilt) {
            names->emplace(cache_names::everything);
            names->emplace(cache_names::lists);
        } else if (type.starts_with("category.")) {
            names->emplace(cache_names::lists);
        } else {
            co_return;
        }
    }
    // The engine first: a page rendered between the bump and the engine's update would be cached
    // under the new generation with the old answer.
    if (follower_ != nullptr) {
        auto followed = co_await follower_->catch_up();
        if (!followed) {
            core::log::warn("search engine did not catch up").field("cause", followed.error().detail);
        }
    }
    for (const auto& name : *names) {
        co_await cache_.bump(name);
    }
    lag_.observe(std::chrono::duration<double>(clock_.now() - e.created_at).count());
}

core::task<core::result<void>> indexer::index_product(
    db::transaction& tx,
    std::string product_id,
    std::optional<vendor::store_snapshot> store,
    std::set<std::string>& touched
) {
    touched.emplace(cache_names::lists);
    touched.insert(cache_names::product(product_id));
    auto product = co_await catalog_.product(tx, product_id);
    if (!product) {
        co_return std::move(product).error();
    }
    if (*product && !store) {
        auto found = co_await catalog_.store(tx, (*product)->vendor_id);
        if (!found) {
            co_return std::move(found).error();
        }
        store = std::move(*found);
    }
    const auto now_ms = to_ms(clock_.now());
    if (!*product || !store || !visible(**product, *store)) {
        auto removed = co_await repo_.remove(tx, product_id);
        if (!removed) {
            co_return std::move(removed).error();
        }
        if (*removed) {
            touched.insert(cache_names::handle((*removed)->handle));
            removals_.inc();
            auto logged = co_await repo_.log_change(tx, std::move(product_id), now_ms);
            if (!logged) {
                co_return std::move(logged).error();
            }
        }
        co_return core::ok();
    }
    auto doc = make_document(**product, *store);
    touched.insert(cache_names::handle(doc.handle));
    auto replaced = co_await repo_.upsert(tx, std::move(doc), now_ms);
    if (!replaced) {
        co_return std::move(replaced).error();
    }
    if (*replaced) {
        touched.insert(cache_names::handle((*replaced)->handle));
    }
    auto logged = co_await repo_.log_change(tx, std::move(product_id), now_ms);
    if (!logged) {
        co_return std::move(logged).error();
    }
    upserts_.inc();
    co_return core::ok();
}

core::task<core::result<void>> indexer::index_store(
    db::transaction& tx, std::string vendor_id, std::set<std::string>& touched
) {
    touched.emplace(cache_names::lists);
    auto store = co_await catalog_.store(tx, vendor_id);
    if (!store) {
        co_return std::move(store).error();
    }
    if (*store) {
        auto before = co_await repo_.upsert_store(tx, **store, to_ms(clock_.now()));
        if (!before) {
            co_return std::move(before).error();
        }
        touched.insert(cache_names::store((*store)->handle));
        if (*before) {
            touched.insert(cache_names::store(**before));
        }
    }
    // Every product of the store follows its status, name and handle.
    std::optional<std::string> after;
    for (;;) {
        auto ids = co_await catalog_.product_ids_of_store(tx, vendor_id, after, store_page);
        if (!ids) {
            co_return std::move(ids).error();
        }
        for (auto& id : *ids) {
            auto done = co_await index_product(tx, id, *store, touched);
            if (!done) {
                co_return done;
            }
        }
        if (ids->size() < static_cast<std::size_t>(store_page)) {
            break;
        }
        after = ids->back();
    }
    co_return core::ok();
}

core::task<core::result<rebuild_report>> indexer::rebuild(db::transaction& tx) {
    auto widened = co_await repo_.rebuild_cache(tx, true);
    if (!widened) {
        co_return std::move(widened).error();
    }
    auto report = co_await rebuild_rows(tx);
    // Back to the default whatever happened: the writer connection outlives this transaction.
    auto narrowed = co_await repo_.rebuild_cache(tx, false);
    if (report && !narrowed) {
        co_return std::move(narrowed).error();
    }
    co_return report;
}

core::task<core::result<rebuild_report>> indexer::rebuild_rows(db::transaction& tx) {
    const auto started = std::chrono::steady_clock::now();
    const auto now_ms = to_ms(clock_.now());
    auto cleared = co_await repo_.clear(tx);
    if (!cleared) {
        co_return std::move(cleared).error();
    }
    rebuild_report report;
    std::map<std::string, std::optional<vendor::store_snapshot>, std::less<>> stores;
    std::map<std::string, std::int64_t> vocabulary;
    std::optional<std::string> after;
    std::int64_t next_doc = 1;
    // Where the time goes (logged): reading snapshots, writing rows, merging and analysing.
    std::chrono::steady_clock::duration read_time{};
    std::chrono::steady_clock::duration write_time{};
    for (;;) {
        auto reading = std::chrono::steady_clock::now();
        auto batch = co_await catalog_.products_after(tx, after, batch_size_);
        read_time += std::chrono::steady_clock::now() - reading;
        if (!batch) {
            co_return std::move(batch).error();
        }
        if (batch->empty()) {
            break;
        }
        after = batch->back().id;
        std::vector<index_document> docs;
        docs.reserve(batch->size());
        for (const auto& p : *batch) {
            auto known = stores.find(p.vendor_id);
            if (known == stores.end()) {
                auto found = co_await catalog_.store(tx, p.vendor_id);
                if (!found) {
                    co_return std::move(found).error();
                }
                if (*found) {
                    auto written = co_await repo_.upsert_store(tx, **found, now_ms);
                    if (!written) {
                        co_return std::move(written).error();
                    }
                }
                known = stores.emplace(p.vendor_id, std::move(*found)).first;
            }
            ++report.products_read;
            if (!known->second || !visible(p, *known->second)) {
                continue;
            }
            docs.push_back(make_document(p, *known->second));
            for (auto& term : search_text::distinct_terms(docs.back().text)) {
                ++vocabulary[std::move(term)];
            }
        }
        const auto count = static_cast<std::int64_t>(docs.size());
        auto writing = std::chrono::steady_clock::now();
        auto appended = co_await repo_.append(tx, std::move(docs), next_doc, now_ms);
        write_time += std::chrono::steady_clock::now() - writing;
        if (!appended) {
            co_return std::move(appended).error();
        }
        next_doc += count;
        report.products_indexed += count;
        if (batch->size() < static_cast<std::size_t>(batch_size_)) {
            break;
        }
    }
    auto finishing = std::chrono::steady_clock::now();
    auto terms = co_await repo_.write_vocabulary(tx, std::move(vocabulary));
    if (!terms) {
        co_return std::move(terms).error();
    }
    auto finished = co_await repo_.finish(tx);
    if (!finished) {
        co_return std::move(finished).error();
    }
    auto logged = co_await repo_.log_change(tx, "*", now_ms);
    if (!logged) {
        co_return std::move(logged).error();
    }
    report.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started
    );
    rebuilds_.inc();
    rebuild_ms_.set(report.took.count());
    rebuild_products_.set(report.products_indexed);
    core::log::info("storefront index rebuilt")
        .field("products_read", report.products_read)
        .field("products_indexed", report.products_indexed)
        .field("took_ms", static_cast<std::int64_t>(report.took.count()))
        .field("catalog_read_ms", ms(read_time))
        .field("index_write_ms", ms(write_time))
        .field("finish_ms", ms(std::chrono::steady_clock::now() - finishing));
    co_return report;
}

core::task<core::result<rebuild_report>> indexer::rebuild_and_announce(db::transaction& tx) {
    auto report = co_await rebuild(tx);
    if (!report) {
        co_return report;
    }
    std::string type{events::index_rebuilt};
    boost::json::value data = boost::json::object();
    auto announced =
        co_await infra::bus::append(tx, clock_, std::move(type), "shopping", std::move(data));
    if (!announced) {
        co_return std::move(announced).error();
    }
    co_return report;
}

core::task<core::result<rebuild_report>> indexer::rebuild_now() {
    auto done = co_await db::transact(db_, std::bind_front(&indexer::rebuild_and_announce, this));
    if (done) {
        // This process serves from the same cache: drop it now rather than at the event.
        std::string everything{cache_names::everything};
        std::string lists{cache_names::lists};
        co_await cache_.bump(std::move(everything));
        co_await cache_.bump(std::move(lists));
    }
    co_return done;
}

void indexer::remember(const std::string& event_id, std::set<std::string> names) {
    std::lock_guard lock{pending_mu_};
    auto [it, fresh] = pending_.insert_or_assign(event_id, std::move(names));
    if (fresh) {
        pending_order_.push_back(event_id);
    }
    while (pending_order_.size() > max_pending) {
        pending_.erase(pending_order_.front());
        pending_order_.pop_front();
    }
}

std::optional<std::set<std::string>> indexer::take(const std::string& event_id) {
    std::lock_guard lock{pending_mu_};
    auto found = pending_.find(event_id);
    if (found == pending_.end()) {
        return std::nullopt;
    }
    auto names = std::move(found->second);
    pending_.erase(found);
    // The order list keeps the id until it reaches the front; erasing a missing key is harmless.
    return names;
}

}  // namespace shopping
