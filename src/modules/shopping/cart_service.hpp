// The cart rules: who may open a cart (a guest's token or the customer's access token), adding and
// changing lines against the catalog, promotion codes, merging a guest cart on sign-in, and the
// checkout side (quote and complete). Every answer is priced by price() from current catalog data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"
#include "modules/shopping/cart_model.hpp"
#include "modules/shopping/cart_repo.hpp"
#include "modules/shopping/checkout_cart.hpp"
#include "modules/shopping/delivery.hpp"
#include "modules/vendor/catalog.hpp"

namespace shopping {

struct cart_settings {
    std::vector<delivery_band> delivery_fees;  // empty = no courier delivery
    std::int64_t tax_rate_bps = 0;             // included in prices
};

struct new_cart {
    std::string currency;
    std::optional<std::string> email;
};

struct new_promotion {
    std::optional<std::string> code;  // upper-cased; nullopt = automatic
    std::string name;
    promotion_kind kind = promotion_kind::percentage;
    std::optional<std::int64_t> percent_off;
    std::optional<std::int64_t> amount_off;
    std::optional<std::string> currency;
    std::int64_t minimum_subtotal = 0;
    std::optional<std::string> vendor_id;
    std::optional<core::time_point> starts_at;
    std::optional<core::time_point> ends_at;
    std::optional<std::int64_t> usage_limit;
    std::optional<std::int64_t> usage_limit_per_customer;
};

struct promotion_patch {
    std::optional<std::string> name;
    core::json::patch<core::time_point> starts_at;
    core::json::patch<core::time_point> ends_at;
    core::json::patch<std::int64_t> usage_limit;
    core::json::patch<std::int64_t> usage_limit_per_customer;
};

struct promotion_page {
    std::vector<promotion> items;
    std::optional<std::string> next_cursor;
};

// Problem type slugs of the cart and promotion routes (docs/openapi.yaml lists them).
namespace problems {
inline constexpr std::string_view insufficient_stock = "insufficient-stock";
inline constexpr std::string_view variant_unavailable = "variant-unavailable";
inline constexpr std::string_view cart_full = "cart-full";
inline constexpr std::string_view cart_closed = "cart-closed";
inline constexpr std::string_view cart_empty = "cart-empty";
inline constexpr std::string_view item_unavailable = "cart-item-unavailable";
inline constexpr std::string_view not_deliverable = "not-deliverable";
inline constexpr std::string_view promotion_invalid = "promotion-invalid";
inline constexpr std::string_view promotion_not_started = "promotion-not-started";
inline constexpr std::string_view promotion_expired = "promotion-expired";
inline constexpr std::string_view promotion_exhausted = "promotion-exhausted";
inline constexpr std::string_view promotion_minimum = "promotion-minimum-not-met";
inline constexpr std::string_view promotion_not_applicable = "promotion-not-applicable";
inline constexpr std::string_view promotion_needs_customer = "promotion-needs-customer";
}  // namespace problems

class cart_service final : public checkout_cart {
public:
    cart_service(
        infra::db::database& db, const core::clock& clock, vendor::catalog& catalog, cart_settings s
    );

    core::task<core::result<priced_cart_view>> create(cart_caller who, new_cart c);
    core::task<core::result<priced_cart_view>> get(cart_caller who, std::string cart_id);
    core::task<core::result<priced_cart_view>> set_email(
        cart_caller who, std::string cart_id, std::optional<std::string> email
    );
    // Adds `quantity` to the variant's line (a new line when there is none).
    core::task<core::result<priced_cart_view>> add_item(
        cart_caller who, std::string cart_id, std::string variant_id, std::int64_t quantity
    );
    core::task<core::result<priced_cart_view>> set_quantity(
        cart_caller who, std::string cart_id, std::string item_id, std::int64_t quantity
    );
    core::task<core::result<priced_cart_view>> remove_item(
        cart_caller who, std::string cart_id, std::string item_id
    );
    // A signed-in user takes over the guest cart whose token they hold: merged into their most
    // recently changed open cart in the same currency, or adopted when they have none.
    core::task<core::result<priced_cart_view>> claim(cart_caller who, std::string cart_id);
    core::task<core::result<priced_cart_view>> apply_code(
        cart_caller who, std::string cart_id, std::string code
    );
    core::task<core::result<priced_cart_view>> remove_code(
        cart_caller who, std::string cart_id, std::string code
    );

    // Admin promotions.
    core::task<core::result<promotion>> create_promotion(new_promotion p);
    core::task<core::result<promotion_page>> promotions(
        std::optional<std::string> before, int limit
    );
    core::task<core::result<promotion>> get_promotion(std::string id);
    core::task<core::result<promotion>> update_promotion(std::string id, promotion_patch p);
    core::task<core::result<promotion>> deactivate_promotion(std::string id);

    core::task<core::result<cart_quote>> quote(
        infra::db::transaction& tx, const cart_caller& who, std::string cart_id, delivery_request d
    ) override;
    core::task<core::result<void>> complete(
        infra::db::transaction& tx,
        const cart_quote& q,
        std::string order_id,
        std::optional<std::string> email
    ) override;

private:
    core::task<core::result<priced_cart_view>> read_view_tx(
        const cart_caller& who, const std::string& cart_id, infra::db::transaction& tx
    );
    core::task<core::result<cart>> open_for(
        infra::db::transaction& tx, const cart_caller& who, std::string cart_id
    );
    // The cart priced now; with a delivery request, courier fees per vendor (or `invalid` when a
    // vendor cannot deliver there).
    core::task<core::result<priced_cart_view>> evaluate(
        infra::db::transaction& tx, cart c, std::optional<delivery_request> d
    );
    core::task<core::result<promotion_state>> precheck(
        infra::db::transaction& tx, const promotion& p, const cart& c
    );
    core::task<core::result<priced_cart_view>> read_view(cart_caller who, std::string cart_id);

    core::task<core::result<priced_cart_view>> create_tx(
        cart_caller who, new_cart c, infra::db::transaction& tx
    );
    core::task<core::result<priced_cart_view>> set_email_tx(
        cart_caller who,
        std::string cart_id,
        std::optional<std::string> email,
        infra::db::transaction& tx
    );
    core::task<core::result<priced_cart_view>> add_item_tx(
        cart_caller who,
        std::string cart_id,
        std::string variant_id,
        std::int64_t quantity,
        infra::db::transaction& tx
    );
    core::task<core::result<priced_cart_view>> set_quantity_tx(
        cart_caller who,
        std::string cart_id,
        std::string item_id,
        std::int64_t quantity,
        infra::db::transaction& tx
    );
    core::task<core::result<priced_cart_view>> remove_item_tx(
        cart_caller who, std::string cart_id, std::string item_id, infra::db::transaction& tx
    );
    core::task<core::result<priced_cart_view>> claim_tx(
        cart_caller who, std::string cart_id, infra::db::transaction& tx
    );
    core::task<core::result<priced_cart_view>> apply_code_tx(
        cart_caller who, std::string cart_id, std::string code, infra::db::transaction& tx
    );
    core::task<core::result<priced_cart_view>> remove_code_tx(
        cart_caller who, std::string cart_id, std::string code, infra::db::transaction& tx
    );
    core::task<core::result<promotion>> create_promotion_tx(
        new_promotion p, infra::db::transaction& tx
    );
    core::task<core::result<promotion>> update_promotion_tx(
        std::string id, promotion_patch p, bool deactivate, infra::db::transaction& tx
    );

    infra::db::database& db_;
    const core::clock& clock_;
    vendor::catalog& catalog_;
    cart_settings settings_;
    cart_repo repo_;
};

// A new guest cart token: 32 random bytes, base64url (43 characters).
std::string new_cart_token();
// Hex SHA-256 of a cart token: what is stored.
std::string cart_token_hash(std::string_view token);

}  // namespace shopping
