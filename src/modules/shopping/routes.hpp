// The HTTP adapters of the storefront (/api/v1/store): decode and validate query parameters, call
// the storefront service, answer with ETag and Cache-Control (304 for a matching If-None-Match).
#pragma once

#include <chrono>

#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/http/router.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "modules/shopping/storefront_service.hpp"

namespace shopping {

// Limits of the list and search parameters (also in docs/openapi.yaml).
inline constexpr std::size_t max_query_length = 200;  // q, in characters
inline constexpr std::size_t max_query_terms = 10;    // words of q that count
inline constexpr std::size_t max_attribute_filters = 10;
inline constexpr std::size_t max_tag_filters = 10;
inline constexpr std::int64_t max_price = 1'000'000'000'000;

enum class list_kind { products, search, store_products };

// Decodes the query parameters of a list route; unknown parameters are refused (400) so typos
// surface instead of silently widening a list.
core::result<list_query> decode_list_query(
    const core::http::request& req, list_kind kind, std::string_view default_currency
);

class storefront_routes {
public:
    storefront_routes(storefront_service& service, std::chrono::seconds max_age)
        : service_(service), max_age_(max_age) {}
    void register_routes(core::http::router& r);

private:
    core::task<core::http::response> products(core::http::request& req);
    core::task<core::http::response> search(core::http::request& req);
    core::task<core::http::response> product(core::http::request& req);
    core::task<core::http::response> store(core::http::request& req);
    core::task<core::http::response> store_products(core::http::request& req);
    core::task<core::http::response> store_product(core::http::request& req);
    core::task<core::http::response> list(core::http::request& req, list_kind kind);

    // 200 with the body, or 304 when the client has it; both with ETag and Cache-Control.
    core::http::response answer(const core::http::request& req, const rendered& r) const;

    storefront_service& service_;
    std::chrono::seconds max_age_;
};

}  // namespace shopping
