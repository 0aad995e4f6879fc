#include "modules/shopping/storefront_service.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/http/conditional.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/money.hpp"

namespace shopping {
namespace {

namespace db = infra::db;
using core::errc;

// Query words beyond this are ignored; more than three corrections per word is noise.
constexpr std::size_t max_corrections = 3;

void add_part(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ':';
    out += std::to_string(value.size());
    out += ':';
    out += value;
    out += ';';
}

core::error bad_parameter(std::string_view name, std::string_view code, std::string message) {
    return core::error{
        errc::bad_request,
        "query parameter '" + std::string{name} + "' " + message,
        {{"/" + std::string{name}, std::string{code}, std::move(message)}}};
}

// Views into `stored`, which holds "etag\nbody"; nullopt when it does not.
std::optional<rendered> decode_rendered(std::shared_ptr<const std::string> stored) {
    std::string_view whole = *stored;
    auto newline = whole.find('\n');
    if (newline == std::string_view::npos) {
        return std::nullopt;
    }
    return rendered{std::move(stored), whole.substr(0, newline), whole.substr(newline + 1)};
}

// A stored answer starts with room for its tag and a newline; the body is written after them.
std::string tag_room() {
    std::string stored(core::http::strong_etag_size, ' ');
    stored += '\n';
    return stored;
}

// `stored` is tag_room() and the body: the tag is written into the room, so a large page is not
// copied once more behind its tag.
rendered render_in_place(std::string stored) {
    constexpr auto room = core::http::strong_etag_size;
    core::http::write_strong_etag(std::string_view{stored}.substr(room + 1), stored.data());
    return *decode_rendered(std::make_shared<const std::string>(std::move(stored)));
}

rendered render(std::string_view body) {
    auto stored = tag_room();
    stored.reserve(stored.size() + body.size());
    stored += body;
    return render_in_place(std::move(stored));
}

// A list item with only the chosen fields (ids are always kept).
std::string select_fields(const std::string& item, const std::vector<std::string>& fields) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(item, ec);
    if (ec || !parsed.is_object()) {
        return item;
    }
    boost::json::object out;
    for (const auto& [key, value] : parsed.as_object()) {
        if (key == "id" ||
            std::binary_search(fields.begin(), fields.end(), std::string_view{key})) {
            out.emplace(key, value);
        }
    }
    return boost::json::serialize(out);
}

// Facets are written as JSON text directly: a search over common words has hundreds of values,
// and building a JSON value for each before serialising it was most of a search's allocations.
void append_string(std::string& out, std::string_view text) {
    out += '"';
    core::json::append_escaped(out, text);
    out += '"';
}

void append_string_or_null(std::string& out, std::string_view text) {
    if (text.empty()) {
        out += "null";
    } else {
        append_string(out, text);
    }
}

void append_money(std::string& out, std::int64_t amount, std::string_view currency) {
    out += R"({"amount":)";
    out += std::to_string(amount);
    out += R"(,"currency":)";
    append_string(out, currency);
    out += '}';
}

void append_counts(std::string& out, const std::vector<facet_count>& values, bool named) {
    out += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
        const auto& v = values[i];
        out += i == 0 ? R"({"value":)" : R"(,{"value":)";
        append_string(out, v.value);
        out += R"(,"count":)";
        out += std::to_string(v.count);
        if (named) {
            out += R"(,"handle":)";
            append_string_or_null(out, v.handle);
            out += R"(,"name":)";
            append_string_or_null(out, v.name);
        }
        out += '}';
    }
    out += ']';
}

void append_facets(
    std::string& out, facet_counts f, const admin::category_tree& tree, std::string_view currency
) {
    for (auto& c : f.category) {
        if (const auto* found = tree.find(c.value)) {
            c.handle = found->handle;
            c.name = found->name;
        }
    }
    out += R"({"category":)";
    append_counts(out, f.category, true);
    out += R"(,"vendor":)";
    append_counts(out, f.vendor, true);
    out += R"(,"price":[)";
    for (std::size_t i = 0; i < f.price.size(); ++i) {
        const auto& b = f.price[i];
        out += i == 0 ? R"({"min":)" : R"(,{"min":)";
        append_money(out, b.min, currency);
        out += R"(,"max":)";
        if (b.max) {
            append_money(out, *b.max, currency);
        } else {
            out += "null";
        }
        out += R"(,"count":)";
        out += std::to_string(b.count);
        out += '}';
    }
    // Attribute names are unique and already in order (rank_facets).
    out += R"(],"attributes":{)";
    for (std::size_t i = 0; i < f.attributes.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        append_string(out, f.attributes[i].first);
        out += ':';
        append_counts(out, f.attributes[i].second, false);
    }
    out += R"(},"tags":)";
    append_counts(out, f.tags, false);
    out += '}';
}

}  // namespace

std::string cursor_sort_tag(sort_order s, std::string_view currency) {
    std::string tag{to_string(s)};
    if (s == sort_order::price_asc || s == sort_order::price_desc) {
        tag += ":" + std::string{currency};
    }
    return tag;
}

std::string list_query::key() const {
    std::string out = with_facets ? "search;" : "list;";
    add_part(out, "q", search.text());
    add_part(out, "category", category.value_or(""));
    add_part(out, "vendor", vendor.value_or(""));
    add_part(out, "currency", currency);
    add_part(out, "min", price_min ? std::to_string(*price_min) : "");
    add_part(out, "max", price_max ? std::to_string(*price_max) : "");
    add_part(out, "stock", in_stock ? "1" : "0");
    for (const auto& a : attributes) {
        add_part(out, "attr", a.name);
        for (const auto& v : a.values) {
            add_part(out, "=", v);
        }
    }
    for (const auto& t : tags) {
        add_part(out, "tag", t);
    }
    add_part(out, "sort", to_string(sort));
    add_part(out, "after", after ? after->key + "|" + after->id : "");
    add_part(out, "limit", std::to_string(limit));
    for (const auto& f : fields) {
        add_part(out, "field", f);
    }
    return out;
}

storefront_service::storefront_service(
    db::database& db,
    infra::cache::cache& cache,
    admin::categories& categories,
    storefront_settings settings,
    const search_engine* engine,
    const search_sync* sync
)
    : db_(db),
      cache_(cache),
      categories_(categories),
      repo_(db.kind()),
      settings_(std::move(settings)),
      engine_(engine),
      sync_(sync) {}

core::task<std::optional<rendered>> storefront_service::cached(std::string key) {
    auto hit = co_await cache_.get_shared(std::move(key));
    if (!hit) {
        co_return std::nullopt;
    }
    co_return decode_rendered(std::move(hit));
}

core::task<void> storefront_service::keep(std::string key, const rendered& r) {
    co_await cache_.put_shared(std::move(key), r.stored, settings_.cache_ttl);
}

core::task<core::result<rendered>> storefront_service::list(list_query q) {
    if (q.currency.empty()) {
        q.currency = settings_.default_currency;
    }
    // The generation is read before the data: a page rendered from older data can only land under
    // a key that is already stale.
    std::string lists{cache_names::lists};
    auto generation = co_await cache_.generation(std::move(lists));
    std::string key = "shop:l:" + std::to_string(generation) + ":" + q.key();
    if (auto hit = co_await cached(key)) {
        co_return std::move(*hit);
    }
    auto page = co_await render_list(std::move(q));
    if (page) {
        co_await keep(std::move(key), *page);
    }
    co_return page;
}

core::task<core::result<bool>> storefront_service::correct(
    db::transaction& tx, search_text::query& search
) {
    bool changed = false;
    for (auto& term : search.terms) {
        const auto length = search_text::code_points(term.raw);
        const int budget = search_text::typo_budget(length);
        if (budget == 0) {
            continue;
        }
        auto known = co_await repo_.known(tx, term);
        if (!known) {
            co_return std::move(known).error();
        }
        if (*known) {
            continue;
        }
        const auto shortest = static_cast<std::int64_t>(search_text::code_points(term.stemmed));
        auto candidates = co_await repo_.terms_like(
            tx, search_text::first_code_point(term.raw),
            std::max<std::int64_t>(1, shortest - budget), static_cast<std::int64_t>(length) + budget
        );
        if (!candidates) {
            co_return std::move(candidates).error();
        }
        struct scored {
            int distance;
            std::int64_t docs;
            std::string term;
        };
        std::vector<scored> close;
        for (auto& c : *candidates) {
            int d = std::min(
                search_text::edit_distance(term.raw, c.term, budget),
                search_text::edit_distance(term.stemmed, c.term, budget)
            );
            if (d <= budget) {
                close.push_back({d, c.docs, std::move(c.term)});
            }
        }
        if (close.empty()) {
            continue;
        }
        std::sort(close.begin(), close.end(), [](const scored& a, const scored& b) {
            if (a.distance != b.distance) {
                return a.distance < b.distance;
            }
            return a.docs != b.docs ? a.docs > b.docs : a.term < b.term;
        });
        for (auto& c : close) {
            if (c.distance != close.front().distance ||
                term.corrections.size() == max_corrections) {
                break;
            }
            term.corrections.push_back(std::move(c.term));
        }
        changed = true;
    }
    co_return changed;
}

core::task<core::result<rendered>> storefront_service::render_list(list_query q) {
    auto currency = core::currency::parse(q.currency);
    if (!currency) {
        co_return bad_parameter("currency", "unknown", "is not a known ISO 4217 currency");
    }
    auto tree = co_await categories_.tree();
    if (!tree) {
        co_return std::move(tree).error();
    }
    page_request req;
    req.search = std::move(q.search);
    req.sort = q.sort;
    req.after = q.after;
    req.limit = q.limit;
    req.filter.currency = q.currency;
    req.filter.price_min = q.price_min;
    req.filter.price_max = q.price_max;
    req.filter.in_stock = q.in_stock;
    req.filter.attributes = q.attributes;
    req.filter.tags = q.tags;
    if (q.category) {
        const auto* found = (*tree)->find(*q.category);
        if (found == nullptr) {
            found = (*tree)->find_by_handle(*q.category);
        }
        if (found == nullptr) {
            co_return bad_parameter("category", "unknown", "is not a category id or handle");
        }
        req.filter.category_ids = (*tree)->self_and_descendants(found->id);
    }

    // Searches and facet counts come from the in-process engine once it is loaded; lists without
    // either are single indexed queries and stay on the database.
    const bool from_engine =
        engine_ != nullptr && sync_ != nullptr && sync_->ready() &&
        (!req.search.empty() || q.with_facets);
    product_page page;
    std::optional<facet_counts> facets;
    bool corrected = false;
    // A read transaction only when the database is asked: the store named by `vendor`, the
    // database path, or the vocabulary for corrections.
    std::unique_ptr<db::transaction> tx;
    if (q.vendor || !from_engine) {
        auto began = co_await db_.begin(db::tx_mode::read);
        if (!began) {
            co_return std::move(began).error();
        }
        tx = std::move(*began);
    }
    if (q.vendor) {
        core::result<std::optional<store_document>> store = std::optional<store_document>{};
        if (core::is_id(*q.vendor, "vnd")) {
            store = co_await repo_.store_by_id(*tx, *q.vendor);
        } else {
            store = co_await repo_.store_by_handle(*tx, *q.vendor);
        }
        if (!store) {
            co_return std::move(store).error();
        }
        if (!*store) {
            if (q.vendor_from_path) {
                co_return core::error{errc::not_found, "no such store"};
            }
            co_return bad_parameter(
                "vendor", "unknown", "is not the id or handle of an open store"
            );
        }
        req.filter.vendor_id = (*store)->id;
    }
    if (from_engine) {
        auto answered = engine_->search(req, q.with_facets, currency->exponent());
        if (!answered) {
            co_return std::move(answered).error();
        }
        if (answered->page.items.empty() && !req.search.empty()) {
            if (!tx) {
                auto began = co_await db_.begin(db::tx_mode::read);
                if (!began) {
                    co_return std::move(began).error();
                }
                tx = std::move(*began);
            }
            auto changed = co_await correct(*tx, req.search);
            if (!changed) {
                co_return std::move(changed).error();
            }
            if (*changed) {
                corrected = true;
                answered = engine_->search(req, q.with_facets, currency->exponent());
                if (!answered) {
                    co_return std::move(answered).error();
                }
            }
        }
        page = std::move(answered->page);
        facets = std::move(answered->facets);
    } else {
        auto found = co_await repo_.page(*tx, req);
        if (!found) {
            co_return std::move(found).error();
        }
        if (found->items.empty() && !req.search.empty()) {
            auto changed = co_await correct(*tx, req.search);
            if (!changed) {
                co_return std::move(changed).error();
            }
            if (*changed) {
                corrected = true;
                found = co_await repo_.page(*tx, req);
                if (!found) {
                    co_return std::move(found).error();
                }
            }
        }
        page = std::move(*found);
        if (q.with_facets) {
            auto counted = co_await repo_.facets(*tx, req, currency->exponent());
            if (!counted) {
                co_return std::move(counted).error();
            }
            facets = std::move(*counted);
        }
    }
    if (tx) {
        (void)co_await tx->commit();
    }

    auto body = tag_room();  // then render_in_place
    body += R"({"object":"list","items":[)";
    std::size_t expected = 512;
    for (const auto& listed : page.items) {
        expected += listed.item->size() + 1;
    }
    body.reserve(q.fields.empty() ? expected + (facets ? 8192 : 0) : 4096);
    for (std::size_t i = 0; i < page.items.size(); ++i) {
        if (i > 0) {
            body.push_back(',');
        }
        const auto& item = *page.items[i].item;
        body += q.fields.empty() ? item : select_fields(item, q.fields);
    }
    body += R"(],"next_cursor":)";
    if (page.more) {
        const auto& last = page.items.back();
        body += '"' +
                core::encode_cursor(
                    cursor_sort_tag(req.effective_sort(), q.currency) + "|" + last.sort_key + "|" +
                    last.id
                ) +
                '"';
    } else {
        body += "null";
    }
    if (facets) {
        body += R"(,"facets":)";
        append_facets(body, std::move(*facets), **tree, q.currency);
    }
    if (corrected) {
        body += R"(,"corrected_query":)";
        append_string(body, req.search.text());
    }
    body += '}';
    co_return render_in_place(std::move(body));
}

core::task<core::result<rendered>> storefront_service::product(std::string id_or_handle) {
    const bool by_id = core::is_id(id_or_handle, "prod");
    std::string everything{cache_names::everything};
    auto epoch = co_await cache_.generation(std::move(everything));
    auto name = by_id ? cache_names::product(id_or_handle) : cache_names::handle(id_or_handle);
    auto generation = co_await cache_.generation(std::move(name));
    std::string key = (by_id ? "shop:p:" : "shop:h:") + std::to_string(epoch) + "." +
                      std::to_string(generation) + ":" + id_or_handle;
    if (auto hit = co_await cached(key)) {
        co_return std::move(*hit);
    }
    auto began = co_await db_.begin(db::tx_mode::read);
    if (!began) {
        co_return std::move(began).error();
    }
    auto& tx = **began;
    std::string detail;
    if (by_id) {
        auto found = co_await repo_.product_by_id(tx, id_or_handle);
        if (!found) {
            co_return std::move(found).error();
        }
        if (!*found) {
            co_return core::error{errc::not_found, "no such product"};
        }
        detail = std::move((*found)->detail);
    } else {
        auto found = co_await repo_.products_by_handle(tx, id_or_handle, 2);
        if (!found) {
            co_return std::move(found).error();
        }
        if (found->empty()) {
            co_return core::error{errc::not_found, "no such product"};
        }
        if (found->size() > 1) {
            co_return core::error{
                errc::conflict,
                "several stores have a product with this handle: ask for "
                "/api/v1/store/vendors/{vendor_handle}/products/" +
                    id_or_handle + " or use the product id"};
        }
        detail = std::move(found->front().detail);
    }
    (void)co_await tx.commit();
    auto out = render(std::move(detail));
    co_await keep(std::move(key), out);
    co_return out;
}

core::task<core::result<rendered>> storefront_service::product_of_store(
    std::string vendor_handle, std::string handle
) {
    std::string everything{cache_names::everything};
    auto epoch = co_await cache_.generation(std::move(everything));
    auto generation = co_await cache_.generation(cache_names::handle(handle));
    std::string key = "shop:vh:" + std::to_string(epoch) + "." + std::to_string(generation) + ":" +
                      vendor_handle + "/" + handle;
    if (auto hit = co_await cached(key)) {
        co_return std::move(*hit);
    }
    auto began = co_await db_.begin(db::tx_mode::read);
    if (!began) {
        co_return std::move(began).error();
    }
    auto found = co_await repo_.product_of_store(**began, vendor_handle, handle);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return core::error{errc::not_found, "no such product"};
    }
    (void)co_await (*began)->commit();
    auto out = render(std::move((*found)->detail));
    co_await keep(std::move(key), out);
    co_return out;
}

core::task<core::result<rendered>> storefront_service::store(std::string handle) {
    std::string everything{cache_names::everything};
    auto epoch = co_await cache_.generation(std::move(everything));
    auto generation = co_await cache_.generation(cache_names::store(handle));
    std::string key =
        "shop:s:" + std::to_string(epoch) + "." + std::to_string(generation) + ":" + handle;
    if (auto hit = co_await cached(key)) {
        co_return std::move(*hit);
    }
    auto began = co_await db_.begin(db::tx_mode::read);
    if (!began) {
        co_return std::move(began).error();
    }
    auto found = co_await repo_.store_by_handle(**began, handle);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return core::error{errc::not_found, "no such store"};
    }
    (void)co_await (*began)->commit();
    auto out = render(std::move((*found)->document));
    co_await keep(std::move(key), out);
    co_return out;
}

}  // namespace shopping
