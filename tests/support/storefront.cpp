#include "support/storefront.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace test {
namespace {

namespace json = boost::json;

void expect_status(const http_response& r, int status, const std::string& what) {
    if (r.status != status) {
        ADD_FAILURE() << what << " answered " << r.status << ": " << r.body;
        throw std::runtime_error(what + " failed");
    }
}

}  // namespace

void wait_for_events(trader_process& server) {
    server_db db{server};
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (db.count("SELECT COUNT(*) FROM event_queue") > 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ADD_FAILURE() << "events still undelivered after 30 s: " << server.output();
            throw std::runtime_error("outbox did not drain");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::int64_t market_product::min_price() const {
    return *std::min_element(prices.begin(), prices.end());
}

bool market_product::in_stock() const {
    return std::any_of(stock.begin(), stock.end(), [](std::int64_t s) { return s > 0; });
}

market::market(trader_process& server) : server_(server), admin_(make_admin(server)) {}

std::string market::category(
    const std::string& name, const std::string& handle, const std::string& parent
) {
    json::object body{{"name", name}, {"handle", handle}};
    if (!parent.empty()) {
        body["parent_id"] = categories_.at(parent);
        parents_[handle] = parent;
    }
    auto r = server_.http().post_json(
        "/api/v1/admin/categories", json::serialize(body), bearer(admin_.access_token)
    );
    expect_status(r, 201, "create category " + handle);
    auto id = std::string{r.json().at("id").as_string()};
    categories_[handle] = id;
    return id;
}

std::set<std::string> market::category_and_below(const std::string& handle) const {
    std::set<std::string> out{categories_.at(handle)};
    bool grew = true;
    while (grew) {
        grew = false;
        for (const auto& [child, parent] : parents_) {
            if (out.contains(categories_.at(parent)) && out.insert(categories_.at(child)).second) {
                grew = true;
            }
        }
    }
    return out;
}

std::string market::store(const std::string& name, bool approve) {
    auto account = open_store(server_, admin_, name, approve);
    auto handle = account.handle;
    stores_[handle] = std::move(account);
    store_status_[handle] = approve ? "active" : "pending";
    store_names_[handle] = name;
    return handle;
}

market_product& market::product(const std::string& store, const product_spec& spec) {
    const auto& owner = stores_.at(store).owner;
    json::array variants;
    std::vector<std::string> skus;
    for (std::size_t i = 0; i < spec.prices.size(); ++i) {
        skus.push_back("SKU-" + std::to_string(++skus_));
        variants.push_back(json::object{
            {"sku", skus.back()},
            {"options", {{"size", "S" + std::to_string(i)}}},
            {"prices", json::array{{{"currency", "EUR"}, {"amount", spec.prices[i]}}}},
            {"stock", spec.stock.at(i)},
        });
    }
    json::array sizes;
    for (std::size_t i = 0; i < spec.prices.size(); ++i) {
        sizes.emplace_back("S" + std::to_string(i));
    }
    json::object attributes;
    for (const auto& [k, v] : spec.attributes) {
        attributes[k] = v;
    }
    json::array tags;
    for (const auto& t : spec.tags) {
        tags.emplace_back(t);
    }
    json::object body{
        {"title", spec.title},
        {"description", spec.description},
        {"tags", std::move(tags)},
        {"attributes", std::move(attributes)},
        {"options", json::array{{{"name", "size"}, {"values", std::move(sizes)}}}},
        {"variants", std::move(variants)},
    };
    if (spec.category) {
        body["category_id"] = categories_.at(*spec.category);
    }
    auto created = create_product(server_.http(), owner, body);
    market_product p;
    p.id = std::string{created.at("id").as_string()};
    p.handle = std::string{created.at("handle").as_string()};
    p.store = store;
    p.store_name = store_names_.at(store);
    p.vendor_id = stores_.at(store).vendor_id;
    p.title = spec.title;
    p.description = spec.description;
    p.category = spec.category;
    p.tags = spec.tags;
    p.attributes = spec.attributes;
    p.prices = spec.prices;
    p.stock = spec.stock;
    p.skus = std::move(skus);
    auto& stored = products_[p.id] = std::move(p);
    if (spec.publish) {
        publish(stored);
    }
    return stored;
}

void market::set_prices(market_product& p, const std::vector<std::int64_t>& prices) {
    json::array variants;
    for (std::size_t i = 0; i < p.skus.size(); ++i) {
        variants.push_back(json::object{
            {"sku", p.skus[i]},
            {"options", {{"size", "S" + std::to_string(i)}}},
            {"prices", json::array{{{"currency", "EUR"}, {"amount", prices.at(i)}}}},
        });
    }
    json::object body{{"variants", std::move(variants)}};
    auto r = server_.http().request(
        "PATCH", "/api/v1/vendor/products/" + p.id, json::serialize(body),
        {{"Content-Type", "application/json"},
         {"Authorization", "Bearer " + stores_.at(p.store).owner.access_token}}
    );
    expect_status(r, 200, "patch " + p.id);
    p.prices = prices;
}

void market::publish(market_product& p) {
    auto r = server_.http().request(
        "POST", "/api/v1/vendor/products/" + p.id + "/publish", "",
        bearer(stores_.at(p.store).owner.access_token)
    );
    expect_status(r, 200, "publish " + p.id);
    p.status = "published";
    p.published_at = std::string{r.json().at("published_at").as_string()};
}

void market::archive(market_product& p) {
    auto r = server_.http().request(
        "POST", "/api/v1/vendor/products/" + p.id + "/archive", "",
        bearer(stores_.at(p.store).owner.access_token)
    );
    expect_status(r, 200, "archive " + p.id);
    p.status = "archived";
}

void market::remove(market_product& p) {
    auto r = server_.http().request(
        "DELETE", "/api/v1/vendor/products/" + p.id, "",
        bearer(stores_.at(p.store).owner.access_token)
    );
    expect_status(r, 204, "delete " + p.id);
    p.status = "deleted";
}

void market::suspend(const std::string& store) {
    auto r = server_.http().post_json(
        "/api/v1/admin/vendors/" + stores_.at(store).vendor_id + "/suspend",
        R"({"reason":"storefront test"})", bearer(admin_.access_token)
    );
    expect_status(r, 200, "suspend " + store);
    store_status_[store] = "suspended";
}

void market::approve(const std::string& store) {
    auto r = server_.http().request(
        "POST", "/api/v1/admin/vendors/" + stores_.at(store).vendor_id + "/approve", "",
        bearer(admin_.access_token)
    );
    expect_status(r, 200, "approve " + store);
    store_status_[store] = "active";
}

std::vector<const market_product*> market::visible() const {
    std::vector<const market_product*> out;
    for (const auto& [id, p] : products_) {
        if (p.status == "published" && store_status_.at(p.store) == "active") {
            out.push_back(&p);
        }
    }
    return out;
}

}  // namespace test
