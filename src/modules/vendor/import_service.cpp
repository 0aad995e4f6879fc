#include "modules/vendor/import_service.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <unordered_map>
#include <variant>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "modules/vendor/catalog.hpp"
#include "modules/vendor/csv.hpp"
#include "modules/vendor/seed.hpp"

namespace vendor {
namespace {

using core::errc;
using import_format::row_error;

core::error no_such_import() { return core::error{errc::not_found, "no such import"}; }

void sort_by_currency(std::vector<core::money>& prices) {
    std::sort(prices.begin(), prices.end(), [](const core::money& a, const core::money& b) {
        return a.currency().code() < b.currency().code();
    });
}

variant_snapshot variant_of(variant_input in, std::string id, const stock_level& level) {
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

// True when an import would leave the product as it is (ids and timestamps aside).
bool same_content(const product& a, const product& b) {
    const auto& x = a.snapshot;
    const auto& y = b.snapshot;
    if (x.title != y.title || x.description != y.description || x.category_id != y.category_id ||
        x.tags != y.tags || x.attributes != y.attributes || x.options != y.options ||
        x.status != y.status || x.variants.size() != y.variants.size()) {
        return false;
    }
    for (std::size_t i = 0; i < x.variants.size(); ++i) {
        const auto& v = x.variants[i];
        const auto& w = y.variants[i];
        if (v.id != w.id || v.sku != w.sku || v.options != w.options || v.prices != w.prices ||
            v.compare_at_prices != w.compare_at_prices || v.weight_grams != w.weight_grams ||
            a.stock[i].on_hand != b.stock[i].on_hand) {
            return false;
        }
    }
    return true;
}

std::string_view event_of_status(std::string_view status) {
    if (status == "published") {
        return events::product_published;
    }
    if (status == "archived") {
        return events::product_archived;
    }
    return events::product_updated;
}

std::int64_t distinct_rows(const std::vector<row_error>& errors) {
    std::set<std::int64_t> rows;
    for (const auto& e : errors) {
        rows.insert(e.row);
    }
    return static_cast<std::int64_t>(rows.size());
}

}  // namespace

std::string_view to_string(import_mode m) noexcept {
    return m == import_mode::skip_bad_rows ? "skip_bad_rows" : "all_or_nothing";
}

// Everything a run knows about its file; it outlives every transaction of the run.
struct import_service::run_state {
    import_job job;
    std::string owner;
    csv::table table;
    import_format::columns cols;
    std::vector<import_format::product_rows> groups;
    std::unordered_map<std::string, std::int64_t> sku_first;
    std::shared_ptr<const admin::category_tree> tree;
    std::vector<row_error> early_errors;  // rows that name no product
};

struct import_service::chunk_plan {
    std::vector<product> creates;
    std::vector<std::pair<product, product>> updates;  // before, after
    std::int64_t unchanged = 0;
    std::int64_t rows = 0;
    std::int64_t failed_rows = 0;
    std::vector<row_error> errors;
};

struct import_service::chunk_written {
    import_counts counts;
    std::vector<row_error> refused;  // all_or_nothing: the catalog changed since validation
    bool store_closed = false;
};

import_service::import_service(
    infra::db::database& db,
    const core::clock& clock,
    infra::bus::dispatcher& events,
    store_service& stores,
    admin::categories& categories,
    import_settings settings
)
    : db_(db),
      clock_(clock),
      events_(events),
      stores_(stores),
      categories_(categories),
      settings_(settings) {}

core::task<core::result<import_job>> import_service::upload(
    core::principal who, import_upload file
) {
    if (file.content.size() > settings_.max_bytes) {
        co_return core::fail(
            errc::payload_too_large,
            "an import file may have at most " + std::to_string(settings_.max_bytes) + " bytes"
        );
    }
    auto parsed = csv::parse(file.content, settings_.max_rows);
    if (const auto* bad = std::get_if<csv::syntax_error>(&parsed)) {
        std::string where = "row " + std::to_string(bad->row);
        if (bad->column > 0) {
            where += ", cell " + std::to_string(bad->column);
        }
        co_return core::error{
            errc::invalid,
            "the file is not valid CSV",
            {{"/file", "csv", where + ": " + bad->message}}};
    }
    const auto& table = std::get<csv::table>(parsed);
    auto cols = import_format::read_header(table.header);
    if (!cols) {
        co_return std::move(cols).error();
    }
    if (table.records.empty()) {
        co_return core::error{
            errc::invalid,
            "the file has no rows",
            {{"/file", "rows", "has no rows after the header"}}};
    }
    auto now = clock_.now();
    import_job job;
    job.id = core::new_id("imp", now);
    job.user_id = who.user_id;
    job.mode = std::string{to_string(file.mode)};
    job.status = "queued";
    if (file.filename) {
        job.filename = file.filename->substr(0, 255);
    }
    job.size_bytes = static_cast<std::int64_t>(file.content.size());
    job.counts.total_rows = static_cast<std::int64_t>(table.records.size());
    job.created_at = now;
    job.updated_at = now;
    auto body = std::bind_front(
        &import_service::upload_tx, this, std::move(who), std::move(job), std::move(file.content)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        wake_.store(true, std::memory_order_release);
    }
    co_return out;
}

core::task<core::result<import_job>> import_service::upload_tx(
    core::principal who, import_job job, std::string content, infra::db::transaction& tx
) {
    auto m = co_await stores_.require(tx, who.user_id, store_access::active, false);
    if (!m) {
        co_return std::move(m).error();
    }
    job.vendor_id = m->vendor_id;
    auto inserted = co_await repo_.insert(tx, job, std::move(content));
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    co_return job;
}

core::task<core::result<import_job>> import_service::get(core::principal who, std::string id) {
    if (!core::is_id(id, "imp")) {
        co_return no_such_import();
    }
    auto body = std::bind_front(&import_service::get_tx, this, std::move(who), std::move(id));
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<import_job>> import_service::get_tx(
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
    if (!*found || (*found)->vendor_id != m->vendor_id) {
        co_return no_such_import();
    }
    co_return std::move(**found);
}

core::task<core::result<page<import_job>>> import_service::list(
    core::principal who, std::optional<std::string> before_id, int limit
) {
    auto body = std::bind_front(
        &import_service::list_tx, this, std::move(who), std::move(before_id), limit
    );
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<page<import_job>>> import_service::list_tx(
    core::principal who, std::optional<std::string> before_id, int limit, infra::db::transaction& tx
) {
    auto m = co_await stores_.require(tx, who.user_id, store_access::active, false);
    if (!m) {
        co_return std::move(m).error();
    }
    auto jobs = co_await repo_.page(tx, m->vendor_id, std::move(before_id), limit + 1);
    if (!jobs) {
        co_return std::move(jobs).error();
    }
    page<import_job> out;
    if (jobs->size() > static_cast<std::size_t>(limit)) {
        jobs->resize(static_cast<std::size_t>(limit));
        out.next_cursor = core::encode_cursor(jobs->back().id);
    }
    out.items = std::move(*jobs);
    co_return out;
}

core::task<core::result<std::vector<row_error>>> import_service::errors(
    core::principal who, std::string id
) {
    if (!core::is_id(id, "imp")) {
        co_return no_such_import();
    }
    auto body = std::bind_front(&import_service::errors_tx, this, std::move(who), std::move(id));
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<std::vector<row_error>>> import_service::errors_tx(
    core::principal who, std::string id, infra::db::transaction& tx
) {
    auto job = co_await get_tx(std::move(who), id, tx);
    if (!job) {
        co_return std::move(job).error();
    }
    co_return co_await repo_.errors(tx, std::move(id));
}

core::task<core::result<std::string>> import_service::export_catalog(core::principal who) {
    auto body = std::bind_front(&import_service::export_tx, this, std::move(who));
    auto products = co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
    if (!products) {
        co_return std::move(products).error();
    }
    auto tree = co_await categories_.tree();
    if (!tree) {
        co_return std::move(tree).error();
    }
    co_return import_format::export_csv(*products, **tree);
}

core::task<core::result<std::vector<product>>> import_service::export_tx(
    core::principal who, infra::db::transaction& tx
) {
    auto m = co_await stores_.require(tx, who.user_id, store_access::active, false);
    if (!m) {
        co_return std::move(m).error();
    }
    std::vector<product> out;
    std::optional<std::string> after;
    constexpr int page_size = 500;
    for (;;) {
        auto ids = co_await products_.ids_of_store(tx, m->vendor_id, after, page_size);
        if (!ids) {
            co_return std::move(ids).error();
        }
        if (ids->empty()) {
            break;
        }
        after = ids->back();
        auto count = ids->size();
        auto loaded = co_await products_.find_many(tx, std::move(*ids));
        if (!loaded) {
            co_return std::move(loaded).error();
        }
        for (auto& p : *loaded) {
            if (p.snapshot.status != "deleted") {
                out.push_back(std::move(p));
            }
        }
        if (count < static_cast<std::size_t>(page_size)) {
            break;
        }
    }
    co_return out;
}

core::periodic_job import_service::job() {
    return core::periodic_job{
        "vendor.imports", std::chrono::milliseconds{200}, [this] { return run_pending(); }};
}

core::task<core::result<void>> import_service::run_pending() {
    auto now_ms = to_ms(clock_.now());
    bool woken = wake_.exchange(false, std::memory_order_acq_rel);
    if (!woken && now_ms - last_scan_ms_.load() < settings_.scan_interval.count()) {
        co_return core::ok();
    }
    last_scan_ms_.store(now_ms);
    for (;;) {
        auto owner = core::new_id("lease");
        auto body = std::bind_front(&import_service::claim_tx, this, owner);
        auto claimed = co_await infra::db::transact(db_, std::move(body));
        if (!claimed) {
            co_return std::move(claimed).error();
        }
        if (!*claimed) {
            co_return core::ok();
        }
        auto job = std::move((*claimed)->first);
        auto content = std::move((*claimed)->second);
        auto id = job.id;
        auto done = co_await process(std::move(job), std::move(content), std::move(owner));
        if (!done) {
            // The lease runs out and another run (here or elsewhere) takes the import over.
            core::log::warn("import interrupted")
                .field("import_id", id)
                .field("cause", done.error().detail);
        }
    }
}

core::task<core::result<std::optional<std::pair<import_job, std::string>>>>
import_service::claim_tx(std::string owner, infra::db::transaction& tx) {
    auto now = clock_.now();
    co_return co_await repo_.claim(tx, std::move(owner), now, now + settings_.lease);
}

core::task<core::result<void>> import_service::add_report(
    infra::db::transaction& tx,
    const std::string& id,
    import_counts& counts,
    const std::vector<row_error>& lines
) {
    auto room = static_cast<std::int64_t>(settings_.max_report_lines) - counts.error_count;
    if (room > 0 && !lines.empty()) {
        auto n = std::min<std::int64_t>(room, static_cast<std::int64_t>(lines.size()));
        std::vector<row_error> kept(lines.begin(), lines.begin() + n);
        auto added = co_await repo_.add_errors(tx, id, counts.error_count, kept);
        if (!added) {
            co_return added;
        }
    }
    counts.error_count += static_cast<std::int64_t>(lines.size());
    co_return core::ok();
}

core::task<core::result<bool>> import_service::finish_tx(
    const run_state* st,
    std::string status,
    std::optional<std::string> failure,
    import_counts counts,
    std::vector<row_error> report,
    infra::db::transaction& tx
) {
    if (status == "failed") {
        // A failed import's report is the whole story: lines of chunks written before are kept.
        if (counts.next_product == 0) {
            auto cleared = co_await repo_.clear_errors(tx, st->job.id);
            if (!cleared) {
                co_return std::move(cleared).error();
            }
            counts.error_count = 0;
        }
    }
    auto added = co_await add_report(tx, st->job.id, counts, report);
    if (!added) {
        co_return std::move(added).error();
    }
    co_return co_await repo_.finish(
        tx, st->job.id, st->owner, std::move(status), std::move(failure), counts, clock_.now()
    );
}

core::task<core::result<void>> import_service::fail(
    const run_state* st, std::string failure, import_counts counts, std::vector<row_error> report
) {
    std::string status = "failed";
    auto body = std::bind_front(
        &import_service::finish_tx, this, st, std::move(status), std::optional{failure}, counts,
        std::move(report)
    );
    auto done = co_await infra::db::transact(db_, std::move(body));
    if (!done) {
        co_return std::move(done).error();
    }
    core::log::info("import failed")
        .field("import_id", st->job.id)
        .field("vendor_id", st->job.vendor_id)
        .field("cause", failure);
    co_return core::ok();
}

core::task<core::result<import_service::chunk_plan>> import_service::plan_chunk(
    const run_state* st, std::size_t begin, std::size_t end, infra::db::transaction& tx
) {
    chunk_plan out;
    std::vector<std::string> handles;
    std::vector<std::string> skus;
    for (std::size_t g = begin; g < end; ++g) {
        const auto& group = st->groups[g];
        handles.push_back(group.handle);
        for (const auto* r : group.rows) {
            out.rows += 1;
            auto at = st->cols.sku;
            if (at >= 0 && static_cast<std::size_t>(at) < r->cells.size()) {
                std::string_view sku = r->cells[static_cast<std::size_t>(at)];
                auto b = sku.find_first_not_of(" \t");
                auto e = sku.find_last_not_of(" \t");
                if (b != std::string_view::npos) {
                    skus.emplace_back(sku.substr(b, e - b + 1));
                }
            }
        }
    }
    auto vendor_id = st->job.vendor_id;
    auto by_handle = co_await repo_.products_by_handle(tx, vendor_id, handles);
    if (!by_handle) {
        co_return std::move(by_handle).error();
    }
    auto owners = co_await repo_.sku_owners(tx, vendor_id, std::move(skus));
    if (!owners) {
        co_return std::move(owners).error();
    }
    std::vector<std::string> ids;
    for (const auto& [handle, found] : *by_handle) {
        if (found.second != "deleted") {
            ids.push_back(found.first);
        }
    }
    auto loaded = co_await products_.find_many(tx, std::move(ids));
    if (!loaded) {
        co_return std::move(loaded).error();
    }
    std::unordered_map<std::string, const product*> current;
    for (const auto& p : *loaded) {
        current.emplace(p.snapshot.handle, &p);
    }
    import_format::context ctx{st->cols, *st->tree, *owners, st->sku_first};
    auto now = clock_.now();
    for (std::size_t g = begin; g < end; ++g) {
        const auto& group = st->groups[g];
        auto stored = by_handle->find(group.handle);
        if (stored != by_handle->end() && stored->second.second == "deleted") {
            for (const auto* r : group.rows) {
                out.errors.push_back(
                    {r->row, "handle", "belongs to a deleted product: choose another handle"}
                );
            }
            out.failed_rows += static_cast<std::int64_t>(group.rows.size());
            continue;
        }
        auto it = current.find(group.handle);
        const product* before = it == current.end() ? nullptr : it->second;
        auto planned = import_format::plan_product(ctx, group, before);
        out.failed_rows += static_cast<std::int64_t>(planned.failed_rows.size());
        for (auto& e : planned.errors) {
            out.errors.push_back(std::move(e));
        }
        if (!planned.plan) {
            continue;
        }
        auto& d = planned.plan->draft;
        if (before == nullptr) {
            product p;
            auto& s = p.snapshot;
            s.id = core::new_id("prod", now);
            s.vendor_id = vendor_id;
            s.handle = group.handle;
            s.title = std::move(d.title);
            s.description = std::move(d.description);
            s.category_id = std::move(d.category_id);
            s.tags = std::move(d.tags);
            s.attributes = std::move(d.attributes);
            s.options = std::move(d.options);
            s.status = planned.plan->status.value_or("draft");
            if (s.status == "published") {
                s.published_at = now;
            }
            s.created_at = now;
            s.updated_at = now;
            for (auto& in : d.variants) {
                stock_level level{in.stock.value_or(0), 0};
                s.variants.push_back(variant_of(std::move(in), core::new_id("var", now), level));
                p.stock.push_back(level);
            }
            out.creates.push_back(std::move(p));
            continue;
        }
        product after = *before;
        auto& s = after.snapshot;
        s.title = std::move(d.title);
        s.description = std::move(d.description);
        s.category_id = std::move(d.category_id);
        s.tags = std::move(d.tags);
        s.attributes = std::move(d.attributes);
        s.options = std::move(d.options);
        if (planned.plan->status) {
            s.status = *planned.plan->status;
        }
        std::unordered_map<std::string, std::size_t> by_sku;
        for (std::size_t i = 0; i < before->snapshot.variants.size(); ++i) {
            by_sku.emplace(before->snapshot.variants[i].sku, i);
        }
        s.variants.clear();
        after.stock.clear();
        for (auto& in : d.variants) {
            auto existing = by_sku.find(in.sku);
            if (existing == by_sku.end()) {
                stock_level level{in.stock.value_or(0), 0};
                s.variants.push_back(variant_of(std::move(in), core::new_id("var", now), level));
                after.stock.push_back(level);
                continue;
            }
            auto level = before->stock[existing->second];
            level.on_hand = in.stock.value_or(level.on_hand);
            s.variants.push_back(
                variant_of(std::move(in), before->snapshot.variants[existing->second].id, level)
            );
            after.stock.push_back(level);
        }
        if (same_content(*before, after)) {
            out.unchanged += 1;
            continue;
        }
        if (s.status == "published" && !s.published_at) {
            s.published_at = now;
        }
        after.version = before->version + 1;
        s.updated_at = now;
        out.updates.emplace_back(*before, std::move(after));
    }
    // New ids in file order, so lists by id (the export, newest first) keep the file's order.
    std::vector<std::string> new_ids;
    for (const auto& p : out.creates) {
        new_ids.push_back(p.snapshot.id);
    }
    std::sort(new_ids.begin(), new_ids.end());
    for (std::size_t i = 0; i < new_ids.size(); ++i) {
        out.creates[i].snapshot.id = std::move(new_ids[i]);
    }
    std::stable_sort(
        out.errors.begin(), out.errors.end(),
        [](const row_error& a, const row_error& b) { return a.row < b.row; }
    );
    co_return out;
}

core::task<core::result<import_service::chunk_written>> import_service::write_chunk_tx(
    const run_state* st,
    std::size_t begin,
    std::size_t end,
    import_counts counts,
    infra::db::transaction& tx
) {
    chunk_written out;
    auto status = co_await repo_.store_status(tx, st->job.vendor_id);
    if (!status) {
        co_return std::move(status).error();
    }
    if (*status != std::optional<std::string>{"active"}) {
        out.store_closed = true;
        co_return out;
    }
    auto plan = co_await plan_chunk(st, begin, end, tx);
    if (!plan) {
        co_return std::move(plan).error();
    }
    if (st->job.mode == "all_or_nothing" && !plan->errors.empty()) {
        out.refused = std::move(plan->errors);
        co_return out;
    }
    auto inserted = co_await seed::insert_products(tx, plan->creates);
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    // One event per product changed (two when its status changed), in one bulk write.
    std::vector<infra::bus::new_event> changes;
    auto announce = [&](std::string_view type, const product_snapshot& s) {
        boost::json::object data{{"product_id", s.id}, {"vendor_id", s.vendor_id}};
        changes.push_back({std::string{type}, s.id, std::move(data)});
    };
    for (const auto& p : plan->creates) {
        announce(events::product_created, p.snapshot);
        if (p.snapshot.status == "published") {
            announce(events::product_published, p.snapshot);
        }
    }
    for (const auto& [before, after] : plan->updates) {
        auto saved = co_await products_.update(tx, after);
        if (!saved) {
            co_return std::move(saved).error();
        }
        auto variants = co_await products_.save_variants(tx, before, after);
        if (!variants) {
            co_return std::move(variants).error();
        }
        announce(events::product_updated, after.snapshot);
        if (after.snapshot.status != before.snapshot.status) {
            announce(event_of_status(after.snapshot.status), after.snapshot);
        }
    }
    auto appended = co_await infra::bus::append_many(tx, clock_, std::move(changes));
    if (!appended) {
        co_return std::move(appended).error();
    }
    if (begin == 0) {
        auto early = co_await add_report(tx, st->job.id, counts, st->early_errors);
        if (!early) {
            co_return std::move(early).error();
        }
    }
    auto reported = co_await add_report(tx, st->job.id, counts, plan->errors);
    if (!reported) {
        co_return std::move(reported).error();
    }
    counts.processed_rows += plan->rows;
    counts.failed_rows += plan->failed_rows;
    counts.created += static_cast<std::int64_t>(plan->creates.size());
    counts.updated += static_cast<std::int64_t>(plan->updates.size());
    counts.unchanged += plan->unchanged;
    counts.next_product = static_cast<std::int64_t>(end);
    auto now = clock_.now();
    auto kept =
        co_await repo_.save_progress(tx, st->job.id, st->owner, counts, now, now + settings_.lease);
    if (!kept) {
        co_return std::move(kept).error();
    }
    if (!*kept) {
        co_return core::fail(errc::conflict, "the import's lease was taken over");
    }
    out.counts = counts;
    co_return out;
}

core::task<core::result<void>> import_service::process(
    import_job job, std::string content, std::string owner
) {
    auto started = clock_.now();
    run_state st;
    st.job = std::move(job);
    st.owner = std::move(owner);
    auto counts = st.job.counts;
    std::vector<row_error> no_lines;
    if (st.job.attempts > settings_.max_attempts) {
        co_return co_await fail(
            &st, "gave up after " + std::to_string(settings_.max_attempts) + " attempts", counts,
            std::move(no_lines)
        );
    }
    auto parsed = csv::parse(content, settings_.max_rows);
    content.clear();
    content.shrink_to_fit();
    if (const auto* bad = std::get_if<csv::syntax_error>(&parsed)) {
        std::vector<row_error> report;
        report.push_back({bad->row, "", bad->message});
        co_return co_await fail(&st, "the file is not valid CSV", counts, std::move(report));
    }
    st.table = std::move(std::get<csv::table>(parsed));
    auto cols = import_format::read_header(st.table.header);
    if (!cols) {
        std::vector<row_error> report;
        for (const auto& f : cols.error().fields) {
            report.push_back({1, f.pointer.substr(std::string_view{"/header/"}.size()), f.message});
        }
        co_return co_await fail(
            &st, "the header does not follow the import format", counts, std::move(report)
        );
    }
    st.cols = std::move(*cols);
    st.groups = import_format::group_rows(st.table, st.cols, st.early_errors);
    st.sku_first = import_format::first_rows_of_skus(st.groups, st.cols);
    auto tree = co_await categories_.tree();
    if (!tree) {
        co_return std::move(tree).error();
    }
    st.tree = std::move(*tree);

    // Chunks of whole products, about rows_per_chunk rows each.
    std::vector<std::size_t> bounds{0};
    std::size_t rows = 0;
    for (std::size_t g = 0; g < st.groups.size(); ++g) {
        rows += st.groups[g].rows.size();
        if (rows >= settings_.rows_per_chunk) {
            bounds.push_back(g + 1);
            rows = 0;
        }
    }
    if (bounds.back() != st.groups.size()) {
        bounds.push_back(st.groups.size());
    }

    if (counts.next_product == 0) {
        counts = import_counts{};
        counts.total_rows = static_cast<std::int64_t>(st.table.records.size());
        counts.processed_rows = distinct_rows(st.early_errors);
        counts.failed_rows = counts.processed_rows;
        if (st.job.mode == "all_or_nothing") {
            // Everything is validated before anything is written.
            auto report = st.early_errors;
            auto failed = counts.failed_rows;
            for (std::size_t b = 0; b + 1 < bounds.size(); ++b) {
                auto body = std::bind_front(
                    &import_service::plan_chunk, this, &st, bounds[b], bounds[b + 1]
                );
                auto plan =
                    co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
                if (!plan) {
                    co_return std::move(plan).error();
                }
                failed += plan->failed_rows;
                for (auto& e : plan->errors) {
                    report.push_back(std::move(e));
                }
            }
            if (!report.empty()) {
                std::stable_sort(
                    report.begin(), report.end(),
                    [](const row_error& a, const row_error& b) { return a.row < b.row; }
                );
                counts.failed_rows = failed;
                counts.processed_rows = counts.total_rows;
                co_return co_await fail(
                    &st, std::to_string(failed) + " rows have errors: nothing was imported", counts,
                    std::move(report)
                );
            }
        }
    }

    for (std::size_t b = 0; b + 1 < bounds.size(); ++b) {
        if (bounds[b + 1] <= static_cast<std::size_t>(counts.next_product)) {
            continue;
        }
        auto body = std::bind_front(
            &import_service::write_chunk_tx, this, &st, bounds[b], bounds[b + 1], counts
        );
        auto written = co_await infra::db::transact(db_, std::move(body));
        if (!written) {
            co_return std::move(written).error();
        }
        if (written->store_closed) {
            co_return co_await fail(&st, "the store is not active", counts, std::move(no_lines));
        }
        if (!written->refused.empty()) {
            counts.failed_rows += distinct_rows(written->refused);
            co_return co_await fail(
                &st, "the catalog changed while importing: some rows are no longer valid", counts,
                std::move(written->refused)
            );
        }
        counts = written->counts;
        events_.notify();
    }

    std::vector<row_error> report;
    if (st.groups.empty()) {
        report = st.early_errors;
    }
    std::string status = "succeeded";
    auto body = std::bind_front(
        &import_service::finish_tx, this, &st, std::move(status), std::optional<std::string>{},
        counts, std::move(report)
    );
    auto finished = co_await infra::db::transact(db_, std::move(body));
    if (!finished) {
        co_return std::move(finished).error();
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - started).count();
    core::log::info("import finished")
        .field("import_id", st.job.id)
        .field("vendor_id", st.job.vendor_id)
        .field("rows", counts.total_rows)
        .field("created", counts.created)
        .field("updated", counts.updated)
        .field("failed_rows", counts.failed_rows)
        .field("duration_ms", static_cast<std::int64_t>(ms));
    co_return core::ok();
}

}  // namespace vendor
