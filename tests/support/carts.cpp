#include "support/carts.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

namespace test {
namespace {

void require(const http_response& r, int status, const std::string& what) {
    if (r.status != status) {
        ADD_FAILURE() << what << " answered " << r.status << ": " << r.body;
        throw std::runtime_error(what + " failed");
    }
}

}  // namespace

sale_product make_sale_product(
    trader_process& server,
    const store_account& store,
    const std::string& title,
    std::int64_t price,
    std::int64_t stock,
    int variants
) {
    static int serial = 0;
    auto& http = server.http();
    auto body = product_body(title, "SALE-" + std::to_string(++serial), variants, price);
    for (auto& v : body.at("variants").as_array()) {
        v.as_object()["stock"] = stock;
    }
    auto made = create_product(http, store.owner, body);
    sale_product out;
    out.id = std::string{made.at("id").as_string()};
    out.vendor_id = store.vendor_id;
    for (const auto& v : made.at("variants").as_array()) {
        out.variant_ids.emplace_back(v.at("id").as_string());
        out.skus.emplace_back(v.at("sku").as_string());
    }
    auto published = http.request(
        "POST", "/api/v1/vendor/products/" + out.id + "/publish", "",
        bearer(store.owner.access_token)
    );
    require(published, 200, "publish " + out.id);
    return out;
}

test_cart create_cart(http_client& http, const std::string& currency, const test_user* customer) {
    std::map<std::string, std::string> headers;
    if (customer != nullptr) {
        headers = bearer(customer->access_token);
    }
    auto r = http.post_json(
        "/api/v1/store/carts", boost::json::serialize(boost::json::object{{"currency", currency}}),
        headers
    );
    require(r, 201, "create cart");
    auto json = r.json();
    test_cart out;
    out.id = std::string{json.at("id").as_string()};
    if (json.at("token").is_string()) {
        out.token = std::string{json.at("token").as_string()};
    }
    if (customer != nullptr) {
        out.customer = *customer;
    }
    return out;
}

std::map<std::string, std::string> cart_headers(const test_cart& cart) {
    std::map<std::string, std::string> headers;
    if (cart.customer) {
        headers = bearer(cart.customer->access_token);
    }
    if (!cart.token.empty()) {
        headers["X-Cart-Token"] = cart.token;
    }
    return headers;
}

boost::json::object add_to_cart(
    http_client& http, const test_cart& cart, const std::string& variant_id, std::int64_t quantity
) {
    auto r = http.post_json(
        "/api/v1/store/carts/" + cart.id + "/line-items",
        boost::json::serialize(boost::json::object{
            {"variant_id", variant_id}, {"quantity", quantity}}),
        cart_headers(cart)
    );
    require(r, 200, "add to cart");
    return r.json().as_object();
}

boost::json::object read_cart(http_client& http, const test_cart& cart) {
    auto r = http.get("/api/v1/store/carts/" + cart.id, cart_headers(cart));
    require(r, 200, "read cart");
    return r.json().as_object();
}

boost::json::object create_promotion(
    http_client& http, const test_user& admin, const boost::json::object& body
) {
    auto r = http.post_json(
        "/api/v1/admin/promotions", boost::json::serialize(body), bearer(admin.access_token)
    );
    require(r, 201, "create promotion");
    return r.json().as_object();
}

}  // namespace test
