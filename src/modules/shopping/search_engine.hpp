// The in-process search engine: every visible product's search terms, filter columns and list
// item held in memory, so a search with facets is answered without a database round trip.
//
// The read model in the database stays the source of truth: the engine is loaded from it and
// follows it through shop_changes (search_sync). It answers exactly what the database queries
// answer (same terms from search_text, same FTS5 bm25 ranking with the same column weights, same
// filters and facet counts), which the shared storefront tests check on both profiles.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "modules/shopping/model.hpp"

namespace shopping {

// One visible product as the engine holds it (a row of shop_products, shop_documents and
// shop_prices).
struct engine_document {
    std::string id;
    std::string vendor_id;
    std::string vendor_handle;
    std::string vendor_name;
    std::optional<std::string> category_id;
    bool in_stock = false;
    double rating = 0;
    std::int64_t published_at_ms = 0;
    std::string facet_codes;  // encode_facets()
    std::string item;         // list item JSON
    // index_text() of title, tags, attributes, store name and description.
    std::array<std::string, 5> fields;
    std::vector<price_row> prices;
};

struct engine_answer {
    product_page page;
    std::optional<facet_counts> facets;
};

class search_engine {
    struct state;

public:
    search_engine();
    ~search_engine();
    search_engine(const search_engine&) = delete;
    search_engine& operator=(const search_engine&) = delete;

    // A full load, built aside a page at a time (so a load holds one page of documents besides
    // the engine, not the whole catalog), then swapped in.
    class loading {
    public:
        loading();
        ~loading();
        loading(loading&&) noexcept;
        loading& operator=(loading&&) noexcept;
        void add(std::vector<engine_document> docs);

    private:
        friend class search_engine;
        std::unique_ptr<state> next_;
    };
    void replace_all(loading done);
    // Everything at once (tests).
    void replace_all(std::vector<engine_document> docs);
    // Adds or replaces one product.
    void upsert(engine_document doc);
    void remove(std::string_view id);

    std::size_t size() const;

    // A page in the request's order and, when asked, the facet counts of every match. Same
    // errors as storefront_repo::page (a cursor that does not parse).
    core::result<engine_answer> search(const page_request& req, bool with_facets, int minor_digits)
        const;

private:
    mutable std::shared_mutex mu_;
    std::unique_ptr<state> state_;
};

}  // namespace shopping
