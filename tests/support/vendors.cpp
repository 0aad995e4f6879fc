#include "support/vendors.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

namespace test {

test_user make_admin(trader_process& server) {
    auto email = unique_email("admin");
    auto [code, out] =
        server.run_command({"create-admin", "--email", email, "--password", test_password});
    if (code != 0) {
        ADD_FAILURE() << "create-admin exited " << code << ": " << out;
        throw std::runtime_error("create-admin failed");
    }
    return login(server.http(), email);
}

std::string make_category(trader_process& server, const test_user& admin, const std::string& name) {
    auto r = server.http().post_json(
        "/api/v1/admin/categories", boost::json::serialize(boost::json::object{{"name", name}}),
        {{"Authorization", "Bearer " + admin.access_token}}
    );
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string{r.json().at("id").as_string()};
}

boost::json::object application_body(const std::string& name) {
    return {
        {"name", name},
        {"legal_name", name + " GmbH"},
        {"contact_phone", "+4930123456"},
        {"description", "A test store."},
        {"pickup_address",
         {{"line1", "Oranienstraße 1"},
          {"city", "Berlin"},
          {"postal_code", "10999"},
          {"country", "DE"},
          {"lat", 52.5},
          {"lng", 13.41}}},
        {"payout", {{"method", "bank_transfer"}}},
    };
}

store_account open_store(
    trader_process& server, const test_user& admin, const std::string& name, bool approve
) {
    auto& http = server.http();
    store_account out;
    out.owner = register_user(http, "owner", name + " Owner");
    auto applied = http.post_json(
        "/api/v1/vendor/applications", boost::json::serialize(application_body(name)),
        bearer(out.owner.access_token)
    );
    if (applied.status != 201) {
        ADD_FAILURE() << "application answered " << applied.status << ": " << applied.body;
        throw std::runtime_error("application failed");
    }
    out.vendor_id = std::string{applied.json().at("id").as_string()};
    out.handle = std::string{applied.json().at("handle").as_string()};
    if (!approve) {
        return out;
    }
    auto approved = http.request(
        "POST", "/api/v1/admin/vendors/" + out.vendor_id + "/approve", "",
        bearer(admin.access_token)
    );
    if (approved.status != 200) {
        ADD_FAILURE() << "approve answered " << approved.status << ": " << approved.body;
        throw std::runtime_error("approve failed");
    }
    out.owner = login(http, out.owner.email);
    return out;
}

boost::json::object product_body(
    const std::string& title, const std::string& sku_prefix, int variants, std::int64_t price
) {
    static const std::vector<std::string> sizes{"S", "M", "L", "XL", "XXL"};
    boost::json::array size_values;
    boost::json::array items;
    for (int i = 0; i < variants; ++i) {
        const auto& size = sizes[static_cast<std::size_t>(i) % sizes.size()];
        size_values.emplace_back(size);
        items.push_back(boost::json::object{
            {"sku", sku_prefix + "-" + std::to_string(i + 1)},
            {"options", {{"size", size}}},
            {"prices", boost::json::array{{{"currency", "EUR"}, {"amount", price + i * 100}}}},
            {"stock", 10 + i},
            {"weight_grams", 300},
        });
    }
    return {
        {"title", title},
        {"description", "A product for tests."},
        {"tags", boost::json::array{"test"}},
        {"attributes", {{"brand", "Testbrand"}, {"material", "cotton"}}},
        {"options", boost::json::array{{{"name", "size"}, {"values", std::move(size_values)}}}},
        {"variants", std::move(items)},
    };
}

boost::json::object create_product(
    http_client& http, const test_user& owner, const boost::json::object& body
) {
    auto r = http.post_json(
        "/api/v1/vendor/products", boost::json::serialize(body), bearer(owner.access_token)
    );
    if (r.status != 201) {
        ADD_FAILURE() << "create product answered " << r.status << ": " << r.body;
        throw std::runtime_error("create product failed");
    }
    return r.json().as_object();
}

std::vector<std::string> event_types(trader_process& server, const std::string& aggregate_id) {
    server_db db{server};
    auto rows = db.query(
        "SELECT type FROM events WHERE aggregate_id = $1 ORDER BY created_at_ms, id", {aggregate_id}
    );
    std::vector<std::string> out;
    for (auto r : rows) {
        out.push_back(r.get<std::string>(0));
    }
    return out;
}

}  // namespace test
