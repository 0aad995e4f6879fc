#include "modules/shopping/search_engine.hpp"

#include <algorithm>
#include <cstddef>
#include <charconv>
#include <cmath>
#include <map>
#include <mutex>
#include <unordered_map>

#include "modules/shopping/facet_tally.hpp"

namespace shopping {
namespace {

// FTS5's bm25 with the column weights of storefront_repo (title, tags, attributes, store name,
// description), so both answer in the same order.
constexpr std::array<float, 5> column_weights = {10.0F, 4.0F, 2.0F, 4.0F, 1.0F};
constexpr double k1 = 1.2;
constexpr double b = 0.75;

constexpr std::uint32_t none = UINT32_MAX;

struct posting {
    std::uint32_t slot;
    float frequency;  // occurrences weighted by column
};

struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

// Small strings to dense ids, so counting is indexing a vector.
class interner {
public:
    std::uint32_t intern(std::string_view s) {
        auto found = ids_.find(s);
        if (found != ids_.end()) {
            return found->second;
        }
        auto id = static_cast<std::uint32_t>(names_.size());
        names_.emplace_back(s);
        ids_.emplace(names_.back(), id);
        return id;
    }
    std::uint32_t find(std::string_view s) const {
        auto found = ids_.find(s);
        return found == ids_.end() ? none : found->second;
    }
    const std::string& name(std::uint32_t id) const { return names_[id]; }
    std::size_t size() const { return names_.size(); }

private:
    std::vector<std::string> names_;
    std::unordered_map<std::string, std::uint32_t, text_hash, std::equal_to<>> ids_;
};

struct price_entry {
    std::uint32_t currency;
    std::int64_t min_amount;
};

// The first 16 bytes of an id as two big-endian numbers: they order ids like the bytes do, so
// ties on a sort key rarely need the ids themselves (which live in cold).
struct id_prefix {
    std::uint64_t high = 0;
    std::uint64_t low = 0;

    static id_prefix of(std::string_view id) {
        id_prefix p;
        for (std::size_t i = 0; i < 16; ++i) {
            const std::uint64_t byte = i < id.size() ? static_cast<unsigned char>(id[i]) : 0;
            (i < 8 ? p.high : p.low) |= byte << (8 * (7 - i % 8));
        }
        return p;
    }
    // <0, 0 or >0; 0 means "equal so far, compare the ids".
    int compare(const id_prefix& o) const {
        if (high != o.high) {
            return high < o.high ? -1 : 1;
        }
        if (low != o.low) {
            return low < o.low ? -1 : 1;
        }
        return 0;
    }
};

// What a search reads of each match, in two adjacent cache lines: liveness and length for
// scoring, the filters, the lowest prices, facet values and sort keys. Products with more facet
// values or prices than fit reach into `cold`, a third, distant line.
constexpr std::size_t inline_facets = 14;
constexpr std::size_t inline_prices = 2;

struct alignas(64) slot {
    std::array<std::int64_t, inline_prices> price_amounts{};
    std::uint32_t vendor = none;
    std::uint32_t category = none;
    std::uint32_t length = 0;  // tokens in every column
    std::array<std::uint16_t, inline_prices> price_currencies{};
    bool alive = true;
    bool in_stock = false;
    bool spilled = false;  // more facets or prices in cold
    std::uint8_t facet_count = 0;  // inline ones
    std::uint8_t price_count = 0;
    std::array<std::uint32_t, inline_facets> facets{};
    id_prefix id;
    double rating = 0;
    std::int64_t published_at_ms = 0;
};
static_assert(sizeof(slot) == 128, "a slot is two cache lines");

struct cold_slot {
    std::string id;
    std::shared_ptr<const std::string> item;  // shared with the pages that list it
    std::vector<std::uint32_t> more_facets;
    std::vector<price_entry> more_prices;
};

struct vendor_info {
    std::string handle;
    std::string name;
};

std::string double_text(double v) {
    std::array<char, 32> buf{};
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return {buf.data(), end};
}

template <class T>
std::optional<T> parse_number(std::string_view s) {
    T v{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

struct search_engine::state {
    std::vector<slot> slots;
    std::vector<cold_slot> cold;  // by slot too
    std::unordered_map<std::string, std::uint32_t, text_hash, std::equal_to<>> slot_of;
    std::map<std::string, std::vector<posting>, std::less<>> terms;
    interner vendors;
    std::vector<vendor_info> vendor_infos;  // by vendor id
    interner categories;
    interner entries;  // encoded facet values
    interner currencies;
    std::uint64_t total_length = 0;  // of live slots
    std::size_t live = 0;

    void add(engine_document d) {
        if (auto old = slot_of.find(d.id); old != slot_of.end()) {
            kill(old->second);
        }
        const auto index = static_cast<std::uint32_t>(slots.size());
        slot s;
        cold_slot c;
        s.id = id_prefix::of(d.id);
        s.vendor = vendors.intern(d.vendor_id);
        if (s.vendor == vendor_infos.size()) {
            vendor_infos.emplace_back();
        }
        // A store's later name wins: every product of a renamed store is re-indexed.
        vendor_infos[s.vendor] = {std::move(d.vendor_handle), std::move(d.vendor_name)};
        if (d.category_id) {
            s.category = categories.intern(*d.category_id);
        }
        s.in_stock = d.in_stock;
        s.rating = d.rating;
        s.published_at_ms = d.published_at_ms;
        decode_facets(d.facet_codes, [&](std::string_view entry, auto, auto, auto) {
            const auto id = entries.intern(entry);
            if (s.facet_count < inline_facets) {
                s.facets[s.facet_count++] = id;
            } else {
                c.more_facets.push_back(id);
                s.spilled = true;
            }
        });
        for (const auto& p : d.prices) {
            const price_entry e{currencies.intern(p.currency), p.min_amount};
            if (s.price_count < inline_prices && e.currency <= UINT16_MAX) {
                s.price_currencies[s.price_count] = static_cast<std::uint16_t>(e.currency);
                s.price_amounts[s.price_count++] = e.min_amount;
            } else {
                c.more_prices.push_back(e);
                s.spilled = true;
            }
        }
        // Occurrences of each term, weighted by the column it is in.
        std::map<std::string_view, float> weighted;
        for (std::size_t column = 0; column < d.fields.size(); ++column) {
            std::string_view text = d.fields[column];
            while (!text.empty()) {
                auto space = text.find(' ');
                auto token = text.substr(0, space);
                text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
                if (token.empty()) {
                    continue;
                }
                ++s.length;
                weighted[token] += column_weights[column];
            }
        }
        for (const auto& [token, frequency] : weighted) {
            auto found = terms.find(token);
            if (found == terms.end()) {
                found = terms.emplace(std::string{token}, std::vector<posting>{}).first;
            }
            found->second.push_back({index, frequency});
        }
        total_length += s.length;
        ++live;
        c.id = d.id;
        c.item = std::make_shared<const std::string>(std::move(d.item));
        slots.push_back(s);
        cold.push_back(std::move(c));
        slot_of[std::move(d.id)] = index;
    }

    std::optional<std::int64_t> price(std::uint32_t index, std::uint32_t currency) const {
        const auto& s = slots[index];
        for (std::uint8_t i = 0; i < s.price_count; ++i) {
            if (s.price_currencies[i] == currency) {
                return s.price_amounts[i];
            }
        }
        if (s.spilled) {
            for (const auto& p : cold[index].more_prices) {
                if (p.currency == currency) {
                    return p.min_amount;
                }
            }
        }
        return std::nullopt;
    }

    template <class Fn>
    void each_facet(std::uint32_t index, Fn&& fn) const {
        const auto& s = slots[index];
        for (std::uint8_t i = 0; i < s.facet_count; ++i) {
            fn(s.facets[i]);
        }
        if (s.spilled) {
            for (auto id : cold[index].more_facets) {
                fn(id);
            }
        }
    }

    void kill(std::uint32_t index) {
        auto& s = slots[index];
        s.alive = false;
        total_length -= s.length;
        --live;
        slot_of.erase(cold[index].id);
        cold[index] = {};
    }

    // Drops dead slots once they are half the table: renumbers the live ones in order and
    // rewrites every posting list.
    void compact_if_sparse() {
        const std::size_t dead = slots.size() - live;
        if (dead < 1024 || dead < live) {
            return;
        }
        std::vector<std::uint32_t> renumbered(slots.size(), none);
        std::vector<slot> kept;
        std::vector<cold_slot> kept_cold;
        kept.reserve(live);
        kept_cold.reserve(live);
        for (std::uint32_t i = 0; i < slots.size(); ++i) {
            if (slots[i].alive) {
                renumbered[i] = static_cast<std::uint32_t>(kept.size());
                kept.push_back(slots[i]);
                kept_cold.push_back(std::move(cold[i]));
            }
        }
        slots = std::move(kept);
        cold = std::move(kept_cold);
        for (auto term = terms.begin(); term != terms.end();) {
            auto& list = term->second;
            std::size_t out = 0;
            for (const auto& p : list) {
                if (renumbered[p.slot] != none) {
                    list[out++] = {renumbered[p.slot], p.frequency};
                }
            }
            list.resize(out);
            if (list.empty()) {
                term = terms.erase(term);
            } else {
                list.shrink_to_fit();
                ++term;
            }
        }
        for (auto& [id, index] : slot_of) {
            index = renumbered[index];
        }
    }
};

search_engine::search_engine() : state_(std::make_unique<state>()) {}
search_engine::~search_engine() = default;

search_engine::loading::loading() : next_(std::make_unique<state>()) {}
search_engine::loading::~loading() = default;
search_engine::loading::loading(loading&&) noexcept = default;
search_engine::loading& search_engine::loading::operator=(loading&&) noexcept = default;

void search_engine::loading::add(std::vector<engine_document> docs) {
    for (auto& d : docs) {
        next_->add(std::move(d));
    }
}

void search_engine::replace_all(loading done) {
    for (auto& [term, list] : done.next_->terms) {
        list.shrink_to_fit();
    }
    std::unique_lock lock{mu_};
    state_.swap(done.next_);
    lock.unlock();
    // The old state is freed outside the lock, when `done` goes.
}

void search_engine::replace_all(std::vector<engine_document> docs) {
    loading l;
    l.add(std::move(docs));
    replace_all(std::move(l));
}

void search_engine::upsert(engine_document doc) {
    std::unique_lock lock{mu_};
    state_->add(std::move(doc));
    state_->compact_if_sparse();
}

void search_engine::remove(std::string_view id) {
    std::unique_lock lock{mu_};
    auto found = state_->slot_of.find(id);
    if (found == state_->slot_of.end()) {
        return;
    }
    state_->kill(found->second);
    state_->compact_if_sparse();
}

std::size_t search_engine::size() const {
    std::shared_lock lock{mu_};
    return state_->live;
}

namespace {

struct scored {
    std::uint32_t slot;
    double score;  // bm25 so far, larger is better
};

// Sorted by slot, one entry per slot: adds up scores of the same slot.
void merge_sorted(std::vector<scored>& all) {
    std::sort(all.begin(), all.end(), [](const scored& a, const scored& b) {
        return a.slot < b.slot;
    });
    std::size_t out = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (out > 0 && all[out - 1].slot == all[i].slot) {
            all[out - 1].score += all[i].score;
        } else {
            all[out++] = all[i];
        }
    }
    all.resize(out);
}

// The union of two lists sorted by slot (one entry per slot each) into `out`, adding up the scores
// of a slot in both: linear, where sorting the two together is not.
void merge_two(
    const std::vector<scored>& a, const std::vector<scored>& b, std::vector<scored>& out
) {
    out.clear();
    out.reserve(a.size() + b.size());
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].slot < b[j].slot) {
            out.push_back(a[i++]);
        } else if (b[j].slot < a[i].slot) {
            out.push_back(b[j++]);
        } else {
            out.push_back({a[i].slot, a[i].score + b[j].score});
            ++i;
            ++j;
        }
    }
    out.insert(out.end(), a.begin() + static_cast<std::ptrdiff_t>(i), a.end());
    out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(j), b.end());
}

// Posting lists of one prefix merged pairwise while there are few (a word and a longer word or
// two); past this, one sort of them all is cheaper.
constexpr std::size_t pairwise_lists = 8;

}  // namespace

core::result<engine_answer> search_engine::search(
    const page_request& req, bool with_facets, int minor_digits
) const {
    const auto sort = req.effective_sort();
    const bool numeric_key = sort != sort_order::relevance && sort != sort_order::rating;
    std::optional<std::int64_t> after_int;
    std::optional<double> after_double;
    if (req.after) {
        if (numeric_key) {
            after_int = parse_number<std::int64_t>(req.after->key);
        } else {
            after_double = parse_number<double>(req.after->key);
        }
        if (!after_int && !after_double) {
            return core::error{core::errc::bad_request, "cursor is not valid"};
        }
    }

    std::shared_lock lock{mu_};
    const state& st = *state_;
    const auto& f = req.filter;

    // Matches with their bm25 score: every term must match; a term matches through any of its
    // phrases (exact, prefix, corrections), each phrase adding its own bm25 like FTS5 does.
    // Scratch reused by every search on this thread (search never suspends), so a query does not
    // allocate per match list.
    thread_local std::vector<scored> matches;
    thread_local std::vector<scored> term_matches;
    thread_local std::vector<scored> hits;
    thread_local std::vector<scored> more_hits;
    thread_local std::vector<scored> merged;
    matches.clear();
    const bool searching = !req.search.empty();
    if (searching) {
        const double rows = static_cast<double>(st.live);
        const double average = st.live == 0 ? 1.0 : static_cast<double>(st.total_length) / rows;
        for (std::size_t t = 0; t < req.search.terms.size(); ++t) {
            const auto& term = req.search.terms[t];
            std::vector<std::pair<std::string_view, bool>> phrases;  // text, is prefix
            if (!term.corrections.empty()) {
                for (const auto& c : term.corrections) {
                    phrases.emplace_back(c, false);
                }
            } else if (!term.prefix()) {
                phrases.emplace_back(term.stemmed, false);
            } else if (term.stemmed == term.raw) {
                phrases.emplace_back(term.raw, true);
            } else {
                phrases.emplace_back(term.stemmed, false);
                phrases.emplace_back(term.raw, true);
            }
            term_matches.clear();
            for (const auto& [text, prefix] : phrases) {
                hits.clear();  // frequency in .score until scored below
                auto take = [&](const std::vector<posting>& list, std::vector<scored>& into) {
                    // Slots are scattered: ask for them a few postings ahead so the loads
                    // overlap instead of each waiting on memory.
                    constexpr std::size_t ahead = 8;
                    for (std::size_t i = 0; i < list.size(); ++i) {
                        if (i + ahead < list.size()) {
                            __builtin_prefetch(&st.slots[list[i + ahead].slot]);
                            __builtin_prefetch(
                                reinterpret_cast<const char*>(&st.slots[list[i + ahead].slot]) + 64
                            );
                        }
                        const auto& p = list[i];
                        if (st.slots[p.slot].alive) {
                            into.push_back({p.slot, p.frequency});
                        }
                    }
                };
                if (prefix) {
                    // Each list is sorted by slot already (slots only grow, and compaction keeps
                    // their order).
                    thread_local std::vector<const std::vector<posting>*> lists_of_prefix;
                    lists_of_prefix.clear();
                    std::size_t size = 0;
                    for (auto it = st.terms.lower_bound(text);
                         it != st.terms.end() && it->first.starts_with(text); ++it) {
                        lists_of_prefix.push_back(&it->second);
                        size += it->second.size();
                    }
                    hits.reserve(size);
                    const bool pairwise = lists_of_prefix.size() <= pairwise_lists;
                    for (std::size_t k = 0; k < lists_of_prefix.size(); ++k) {
                        if (k == 0 || !pairwise) {
                            take(*lists_of_prefix[k], hits);
                        } else {
                            more_hits.clear();
                            take(*lists_of_prefix[k], more_hits);
                            merge_two(hits, more_hits, merged);
                            hits.swap(merged);
                        }
                    }
                    if (!pairwise) {
                        merge_sorted(hits);
                    }
                } else if (auto it = st.terms.find(text); it != st.terms.end()) {
                    hits.reserve(it->second.size());
                    take(it->second, hits);
                }
                const double n = static_cast<double>(hits.size());
                double idf = std::log((rows - n + 0.5) / (n + 0.5));
                if (idf <= 0.0) {
                    idf = 1e-6;
                }
                for (auto& h : hits) {
                    const double frequency = h.score;
                    const double length = st.slots[h.slot].length;
                    h.score = idf * (frequency * (k1 + 1)) /
                              (frequency + k1 * (1 - b + b * length / average));
                }
                if (term_matches.empty()) {
                    term_matches.swap(hits);
                } else {
                    merge_two(term_matches, hits, merged);
                    term_matches.swap(merged);
                }
            }
            if (t == 0) {
                matches.swap(term_matches);
            } else {
                std::size_t out = 0;
                std::size_t j = 0;
                for (std::size_t i = 0; i < matches.size(); ++i) {
                    while (j < term_matches.size() && term_matches[j].slot < matches[i].slot) {
                        ++j;
                    }
                    if (j < term_matches.size() && term_matches[j].slot == matches[i].slot) {
                        matches[out++] = {matches[i].slot, matches[i].score + term_matches[j].score};
                    }
                }
                matches.resize(out);
            }
            if (matches.empty()) {
                break;
            }
        }
    } else {
        matches.reserve(st.live);
        for (std::uint32_t i = 0; i < st.slots.size(); ++i) {
            if (st.slots[i].alive) {
                matches.push_back({i, 0});
            }
        }
    }

    // Filters, as ids of this engine; a value it has never seen matches nothing.
    std::vector<char> category_allowed;
    if (!f.category_ids.empty()) {
        category_allowed.assign(st.categories.size(), 0);
        for (const auto& c : f.category_ids) {
            if (auto id = st.categories.find(c); id != none) {
                category_allowed[id] = 1;
            }
        }
    }
    const std::uint32_t vendor = f.vendor_id ? st.vendors.find(*f.vendor_id) : none;
    const std::uint32_t currency = st.currencies.find(f.currency);
    std::vector<std::vector<std::uint32_t>> any_of;  // per attribute filter, then tags
    for (const auto& a : f.attributes) {
        std::vector<std::uint32_t> ids;
        for (const auto& v : a.values) {
            std::vector<facet_row> row{{std::string{attribute_kind}, a.name, v}};
            if (auto id = st.entries.find(encode_facets(row)); id != none) {
                ids.push_back(id);
            }
        }
        any_of.push_back(std::move(ids));
    }
    if (!f.tags.empty()) {
        std::vector<std::uint32_t> ids;
        for (const auto& v : f.tags) {
            std::vector<facet_row> row{{std::string{tag_kind}, "", v}};
            if (auto id = st.entries.find(encode_facets(row)); id != none) {
                ids.push_back(id);
            }
        }
        any_of.push_back(std::move(ids));
    }
    // `price` is the slot's lowest price in the request's currency, when it has one.
    auto passes = [&](std::uint32_t index, const std::optional<std::int64_t>& price) {
        const auto& s = st.slots[index];
        if (!category_allowed.empty() &&
            (s.category == none || s.category >= category_allowed.size() ||
             category_allowed[s.category] == 0)) {
            return false;
        }
        if (f.vendor_id && s.vendor != vendor) {
            return false;
        }
        if (f.in_stock && !s.in_stock) {
            return false;
        }
        if (f.filters_price()) {
            if (!price || (f.price_min && *price < *f.price_min) ||
                (f.price_max && *price > *f.price_max)) {
                return false;
            }
        }
        for (const auto& ids : any_of) {
            bool found = false;
            st.each_facet(index, [&](std::uint32_t have) {
                found = found || std::find(ids.begin(), ids.end(), have) != ids.end();
            });
            if (!found) {
                return false;
            }
        }
        return true;
    };

    const bool by_price = sort == sort_order::price_asc || sort == sort_order::price_desc;
    const std::int64_t scale = minor_scale(minor_digits);
    // Scratch reused by every search on this thread (search never suspends).
    thread_local std::vector<std::int64_t> category_counts;
    thread_local std::vector<std::int64_t> vendor_counts;
    thread_local std::vector<std::int64_t> entry_counts;
    facet_totals totals;
    totals.scale = scale;
    if (with_facets) {
        category_counts.assign(st.categories.size(), 0);
        vendor_counts.assign(st.vendors.size(), 0);
        entry_counts.assign(st.entries.size(), 0);
    }

    // Candidates for the page: sort key and slot.
    struct candidate {
        std::int64_t whole;
        double fraction;
        std::uint32_t slot;
    };
    // Ascending by key then id, except newest, rating and price_desc (descending by both).
    const bool descending = sort == sort_order::newest || sort == sort_order::rating ||
                            sort == sort_order::price_desc;
    auto id_less = [&](std::uint32_t x, std::uint32_t y) {
        const int c = st.slots[x].id.compare(st.slots[y].id);
        return c != 0 ? c < 0 : st.cold[x].id < st.cold[y].id;
    };
    auto before = [&](const candidate& x, const candidate& y) {
        if (numeric_key) {
            if (x.whole != y.whole) {
                return descending ? x.whole > y.whole : x.whole < y.whole;
            }
        } else if (x.fraction != y.fraction) {
            return descending ? x.fraction > y.fraction : x.fraction < y.fraction;
        }
        return descending ? id_less(y.slot, x.slot) : id_less(x.slot, y.slot);
    };
    // Only candidates after the cursor are kept (all when there is none).
    const candidate edge{after_int.value_or(0), after_double.value_or(0), none};
    const std::string_view edge_id = req.after ? std::string_view{req.after->id} : std::string_view{};
    const auto edge_prefix = id_prefix::of(edge_id);
    // The candidate's id against the cursor's: <0, 0 (the same id) or >0.
    auto versus_edge = [&](std::uint32_t slot) {
        const int c = st.slots[slot].id.compare(edge_prefix);
        return c != 0 ? c : std::string_view{st.cold[slot].id}.compare(edge_id);
    };
    auto past_cursor = [&](const candidate& c) {
        if (!req.after) {
            return true;
        }
        if (numeric_key) {
            if (c.whole != edge.whole) {
                return descending ? c.whole < edge.whole : c.whole > edge.whole;
            }
        } else if (c.fraction != edge.fraction) {
            return descending ? c.fraction < edge.fraction : c.fraction > edge.fraction;
        }
        const int order = versus_edge(c.slot);
        return descending ? order < 0 : order > 0;
    };
    const auto wanted = static_cast<std::size_t>(std::max(req.limit, 0)) + 1;
    // The best `wanted` so far in a heap whose top is the worst of them: most matches cost one
    // comparison and are never stored.
    thread_local std::vector<candidate> page;
    page.clear();
    auto keep = [&](const candidate& c) {
        if (!past_cursor(c)) {
            return;
        }
        if (page.size() < wanted) {
            page.push_back(c);
            std::push_heap(page.begin(), page.end(), before);
        } else if (before(c, page.front())) {
            std::pop_heap(page.begin(), page.end(), before);
            page.back() = c;
            std::push_heap(page.begin(), page.end(), before);
        }
    };
    for (const auto& m : matches) {
        const auto& s = st.slots[m.slot];
        std::optional<std::int64_t> price;
        if (currency != none) {
            price = st.price(m.slot, currency);
        }
        if (!passes(m.slot, price)) {
            continue;
        }
        if (with_facets) {
            if (s.category != none) {
                ++category_counts[s.category];
            }
            ++vendor_counts[s.vendor];
            if (price) {
                ++totals.buckets[price_bucket_of(*price, scale)];
            }
            st.each_facet(m.slot, [&](std::uint32_t e) { ++entry_counts[e]; });
        }
        if (by_price && !price) {
            continue;
        }
        candidate c{0, 0, m.slot};
        switch (sort) {
            case sort_order::relevance:
                c.fraction = -m.score;
                break;
            case sort_order::rating:
                c.fraction = s.rating;
                break;
            case sort_order::newest:
                c.whole = s.published_at_ms;
                break;
            case sort_order::price_asc:
            case sort_order::price_desc:
                c.whole = *price;
                break;
        }
        keep(c);
    }

    std::sort_heap(page.begin(), page.end(), before);

    engine_answer out;
    for (const auto& c : page) {
        if (out.page.items.size() == static_cast<std::size_t>(req.limit)) {
            out.page.more = true;
            break;
        }
        const auto& s = st.cold[c.slot];
        out.page.items.push_back(
            {s.id, s.item, numeric_key ? std::to_string(c.whole) : double_text(c.fraction)}
        );
    }
    if (with_facets) {
        // Only the values rank_facets keeps are copied out (a common word spreads over every
        // store): most frequent first, then by value, as it orders them.
        auto top = [](const std::vector<std::int64_t>& counts, const interner& names) {
            std::vector<std::uint32_t> ids;
            for (std::uint32_t i = 0; i < counts.size(); ++i) {
                if (counts[i] > 0) {
                    ids.push_back(i);
                }
            }
            auto order = [&](std::uint32_t a, std::uint32_t b) {
                return counts[a] != counts[b] ? counts[a] > counts[b] : names.name(a) < names.name(b);
            };
            if (ids.size() > max_facet_values) {
                std::nth_element(ids.begin(), ids.begin() + max_facet_values - 1, ids.end(), order);
                ids.resize(max_facet_values);
            }
            return ids;
        };
        for (auto i : top(category_counts, st.categories)) {
            totals.categories.emplace_back(st.categories.name(i), category_counts[i]);
        }
        for (auto i : top(vendor_counts, st.vendors)) {
            const auto& info = st.vendor_infos[i];
            totals.vendors.push_back({st.vendors.name(i), vendor_counts[i], info.handle, info.name});
        }
        for (std::uint32_t i = 0; i < entry_counts.size(); ++i) {
            if (entry_counts[i] > 0) {
                totals.values.emplace_back(st.entries.name(i), entry_counts[i]);
            }
        }
        // Under the lock: the values are views into the engine's names.
        out.facets = rank_facets(std::move(totals));
    }
    return out;
}

}  // namespace shopping
