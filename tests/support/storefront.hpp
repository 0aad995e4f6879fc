// A small marketplace for the storefront suites: categories, stores and products made through the
// admin and vendor HTTP API, remembered so that tests can count by brute force what the storefront
// should answer. The same data on SQLite and PostgreSQL must give the same answers.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/roles.hpp"
#include "support/trader.hpp"
#include "support/vendors.hpp"

namespace test {

// Waits until the outbox has delivered every event written so far (so the storefront index and
// its caches reflect every change made before the call); fails the test after 30 s.
void wait_for_events(trader_process& server);

struct market_product {
    std::string id;
    std::string handle;
    std::string store;  // handle
    std::string store_name;
    std::string vendor_id;
    std::string title;
    std::string description;
    std::optional<std::string> category;  // handle
    std::vector<std::string> tags;
    std::map<std::string, std::string> attributes;
    std::vector<std::int64_t> prices;  // EUR, one per variant
    std::vector<std::int64_t> stock;   // per variant
    std::vector<std::string> skus;     // per variant
    std::string status = "draft";
    std::string published_at;  // RFC 3339 from the vendor API

    std::int64_t min_price() const;
    bool in_stock() const;
};

// What a product is made from.
struct product_spec {
    std::string title;
    std::string description;
    std::optional<std::string> category;  // handle of a category made by the market
    std::vector<std::string> tags;
    std::map<std::string, std::string> attributes;
    std::vector<std::int64_t> prices;  // EUR, one variant each
    std::vector<std::int64_t> stock;   // same length as prices
    bool publish = true;
};

class market {
public:
    explicit market(trader_process& server);

    trader_process& server() { return server_; }
    const test_user& admin() const { return admin_; }

    // A category under `parent` (a handle), as the admin; answers its id.
    std::string category(
        const std::string& name, const std::string& handle, const std::string& parent = ""
    );
    const std::string& category_id(const std::string& handle) const {
        return categories_.at(handle);
    }
    // The category and its descendants (made by this market).
    std::set<std::string> category_and_below(const std::string& handle) const;

    // An approved store (or a pending one); answers its handle.
    std::string store(const std::string& name, bool approve = true);
    const store_account& account(const std::string& handle) const { return stores_.at(handle); }

    // Creates (and publishes) a product of `store`.
    market_product& product(const std::string& store, const product_spec& spec);

    // PATCH as the owner: new EUR prices, one per variant (stock unchanged); fails the test unless
    // 200.
    void set_prices(market_product& p, const std::vector<std::int64_t>& prices);
    void publish(market_product& p);
    void archive(market_product& p);
    void remove(market_product& p);
    void suspend(const std::string& store);
    void approve(const std::string& store);

    // Every product made, by id.
    const std::map<std::string, market_product>& products() const { return products_; }
    market_product& at(const std::string& id) { return products_.at(id); }
    // Published products of stores that are not suspended or pending.
    std::vector<const market_product*> visible() const;

private:
    trader_process& server_;
    test_user admin_;
    std::map<std::string, std::string> categories_;    // handle -> id
    std::map<std::string, std::string> parents_;       // handle -> parent handle
    std::map<std::string, store_account> stores_;      // handle -> account
    std::map<std::string, std::string> store_status_;  // handle -> status
    std::map<std::string, std::string> store_names_;   // handle -> name
    std::map<std::string, market_product> products_;
    int skus_ = 0;
};

}  // namespace test
