#include "modules/shopping/cart_service.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>

#include "core/ids.hpp"
#include "core/money.hpp"

namespace shopping {
namespace {

using core::errc;

core::error problem(errc code, std::string_view type, std::string detail) {
    core::error e{code, std::move(detail)};
    e.type = std::string{type};
    return e;
}

core::error field_problem(
    errc code,
    std::string_view type,
    std::string pointer,
    std::string field_code,
    std::string message
) {
    core::error e{code, message, {{std::move(pointer), std::move(field_code), std::move(message)}}};
    e.type = std::string{type};
    return e;
}

core::error no_such_cart() { return core::error{errc::not_found, "no such cart"}; }

void ensure_sodium() {
    static const bool ready = sodium_init() >= 0;
    if (!ready) {
        throw std::runtime_error("libsodium could not be initialised");
    }
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return s;
}

// Whose redemptions a per-customer limit counts: the signed-in customer, else the cart's email.
std::optional<std::string> customer_key_of(
    const std::optional<std::string>& customer_id, const std::optional<std::string>& email
) {
    if (customer_id) {
        return customer_id;
    }
    if (email) {
        return "email:" + lower(*email);
    }
    return std::nullopt;
}

const core::money* price_in(const std::vector<core::money>& prices, std::string_view currency) {
    for (const auto& m : prices) {
        if (m.currency().code() == currency) {
            return &m;
        }
    }
    return nullptr;
}

line_state state_of(const vendor::variant_for_sale* v, std::string_view currency) {
    if (v == nullptr || v->product_status == "deleted") {
        return line_state::not_found;
    }
    if (v->product_status != "published") {
        return line_state::not_published;
    }
    if (v->vendor_status != "active") {
        return line_state::store_inactive;
    }
    if (price_in(v->prices, currency) == nullptr) {
        return line_state::no_price;
    }
    return line_state::available;
}

// The refusal for adding a variant that is not for sale.
core::error unavailable(line_state s, std::string_view currency) {
    std::string message;
    switch (s) {
        case line_state::not_found:
            message = "is not a variant of any product";
            break;
        case line_state::not_published:
            message = "belongs to a product that is not published";
            break;
        case line_state::store_inactive:
            message = "belongs to a store that is not active";
            break;
        case line_state::no_price:
            message = "has no price in " + std::string{currency};
            break;
        case line_state::available:
            break;
    }
    return field_problem(
        errc::invalid, problems::variant_unavailable, "/variant_id", std::string{to_string(s)},
        std::move(message)
    );
}

core::error not_enough_stock(
    const std::string& variant_id, std::int64_t wanted, std::int64_t stock
) {
    core::error e{
        errc::insufficient_stock,
        "variant " + variant_id + ": " + std::to_string(wanted) + " wanted, " +
            std::to_string(stock) + " available",
        {{"/quantity", "insufficient_stock",
          variant_id + " has " + std::to_string(stock) + " available"}}};
    e.type = std::string{problems::insufficient_stock};
    return e;
}

core::error quantity_too_large(std::int64_t quantity) {
    return field_problem(
        errc::invalid, "validation", "/quantity", "maximum",
        "the line would hold " + std::to_string(quantity) + "; at most " +
            std::to_string(max_line_quantity) + " per line"
    );
}

// The refusal for a code in `state`.
core::error code_refused(promotion_state s) {
    switch (s) {
        case promotion_state::inactive:
            return problem(errc::invalid, problems::promotion_invalid, "the code is not active");
        case promotion_state::not_started:
            return problem(
                errc::invalid, problems::promotion_not_started, "the code is not valid yet"
            );
        case promotion_state::expired:
            return problem(errc::invalid, problems::promotion_expired, "the code has expired");
        case promotion_state::exhausted:
            return problem(
                errc::conflict, problems::promotion_exhausted, "the code has been used up"
            );
        case promotion_state::other_currency:
            return problem(
                errc::invalid, problems::promotion_not_applicable,
                "the code is for carts in another currency"
            );
        case promotion_state::needs_customer:
            return problem(
                errc::invalid, problems::promotion_needs_customer,
                "the code is limited per customer: sign in or set the cart's email first"
            );
        case promotion_state::below_minimum:
            return problem(
                errc::invalid, problems::promotion_minimum,
                "the cart is below the code's minimum subtotal"
            );
        case promotion_state::not_in_cart:
        case promotion_state::nothing_to_discount:
            return problem(
                errc::invalid, problems::promotion_not_applicable,
                "the cart has nothing the code applies to"
            );
        case promotion_state::applied:
            break;
    }
    return problem(errc::invalid, problems::promotion_invalid, "the code cannot be applied");
}

promotion_state state_of(promotion_outcome o) {
    switch (o) {
        case promotion_outcome::applied:
            return promotion_state::applied;
        case promotion_outcome::below_minimum:
            return promotion_state::below_minimum;
        case promotion_outcome::not_in_cart:
            return promotion_state::not_in_cart;
        case promotion_outcome::nothing_to_discount:
            return promotion_state::nothing_to_discount;
    }
    return promotion_state::applied;
}

bool plausible_email(std::string_view e) {
    auto at = e.find('@');
    return e.size() <= 254 && at != std::string_view::npos && at > 0 && at == e.rfind('@') &&
           e.find('.', at) != std::string_view::npos && e.back() != '.' &&
           e.find_first_of(" \t\r\n<>(),;:\"") == std::string_view::npos;
}

}  // namespace

std::string new_cart_token() {
    ensure_sodium();
    std::array<unsigned char, 32> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    std::array<char, 64> text{};
    sodium_bin2base64(
        text.data(), text.size(), bytes.data(), bytes.size(),
        sodium_base64_VARIANT_URLSAFE_NO_PADDING
    );
    return std::string{text.data()};
}

std::string cart_token_hash(std::string_view token) {
    ensure_sodium();
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(
        digest.data(), reinterpret_cast<const unsigned char*>(token.data()), token.size()
    );
    constexpr std::string_view hex = "0123456789abcdef";
    std::string out;
    out.reserve(digest.size() * 2);
    for (unsigned char b : digest) {
        out.push_back(hex[b >> 4U]);
        out.push_back(hex[b & 0xFU]);
    }
    return out;
}

cart_service::cart_service(
    infra::db::database& db, const core::clock& clock, vendor::catalog& catalog, cart_settings s
)
    : db_(db), clock_(clock), catalog_(catalog), settings_(std::move(s)) {}

// ---------------------------------------------------------------------------------------------
// Access and pricing

namespace {

// Whether `who` may use `c`: a customer's cart only with that customer's access token; a guest
// cart with its token (signed in or not). Anything else looks like a missing cart.
bool may_use(const cart& c, const cart_caller& who) {
    if (c.customer_id) {
        return who.user && who.user->user_id == *c.customer_id;
    }
    if (!who.cart_token || !c.token_hash) {
        return false;
    }
    auto hash = cart_token_hash(*who.cart_token);
    return hash.size() == c.token_hash->size() &&
           sodium_memcmp(hash.data(), c.token_hash->data(), hash.size()) == 0;
}

core::result<void> check_open(const cart& c) {
    if (c.status == "open") {
        return {};
    }
    return problem(
        errc::conflict, problems::cart_closed,
        c.status == "merged" ? "the cart was merged into " + c.merged_into.value_or("another cart")
                             : "the cart is checked out"
    );
}

}  // namespace

core::task<core::result<cart>> cart_service::open_for(
    infra::db::transaction& tx, const cart_caller& who, std::string cart_id
) {
    auto found = co_await repo_.find(tx, std::move(cart_id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found || !may_use(**found, who)) {
        co_return no_such_cart();
    }
    co_return std::move(**found);
}

core::task<core::result<promotion_state>> cart_service::precheck(
    infra::db::transaction& tx, const promotion& p, const cart& c
) {
    auto now = clock_.now();
    if (p.status != "active") {
        co_return promotion_state::inactive;
    }
    if (p.starts_at && now < *p.starts_at) {
        co_return promotion_state::not_started;
    }
    if (p.ends_at && now >= *p.ends_at) {
        co_return promotion_state::expired;
    }
    if (p.currency && *p.currency != c.currency) {
        co_return promotion_state::other_currency;
    }
    if (p.usage_limit && p.times_used >= *p.usage_limit) {
        co_return promotion_state::exhausted;
    }
    if (p.usage_limit_per_customer) {
        auto key = customer_key_of(c.customer_id, c.email);
        if (!key) {
            co_return promotion_state::needs_customer;
        }
        auto used = co_await repo_.used_by(tx, p.id, *key);
        if (!used) {
            co_return std::move(used).error();
        }
        if (*used >= *p.usage_limit_per_customer) {
            co_return promotion_state::exhausted;
        }
    }
    co_return promotion_state::applied;
}

core::task<core::result<priced_cart_view>> cart_service::evaluate(
    infra::db::transaction& tx, cart c, std::optional<delivery_request> d
) {
    priced_cart_view view;
    auto items = co_await repo_.items(tx, c.id);
    if (!items) {
        co_return std::move(items).error();
    }
    std::vector<std::string> ids;
    ids.reserve(items->size());
    for (const auto& i : *items) {
        ids.push_back(i.variant_id);
    }
    auto variants = co_await catalog_.variants(tx, std::move(ids));
    if (!variants) {
        co_return std::move(variants).error();
    }
    std::map<std::string, const vendor::variant_for_sale*> by_id;
    for (const auto& v : *variants) {
        by_id.emplace(v.variant_id, &v);
    }

    pricing_input in;
    in.tax_rate_bps = settings_.tax_rate_bps;
    std::map<std::string, vendor::location> pickup;  // per vendor with lines that are priced
    for (auto& item : *items) {
        auto found = by_id.find(item.variant_id);
        const auto* v = found == by_id.end() ? nullptr : found->second;
        priced_cart_line line{.item = std::move(item)};
        line.state = state_of(v, c.currency);
        if (v != nullptr) {
            line.available_quantity = v->stock;
        }
        if (line.state == line_state::available) {
            line.unit_amount = price_in(v->prices, c.currency)->amount();
            pickup.emplace(v->vendor_id, v->pickup);
            in.lines.push_back(price_line{
                .line_id = line.item.id,
                .vendor_id = line.item.vendor_id,
                .unit_amount = *line.unit_amount,
                .quantity = line.item.quantity});
        }
        view.lines.push_back(std::move(line));
    }

    if (d && d->method == delivery_method::courier) {
        if (!d->destination) {
            co_return field_problem(
                errc::invalid, "validation", "/shipping_address", "required",
                "courier delivery needs an address"
            );
        }
        std::vector<std::string> too_far;
        for (const auto& [vendor_id, from] : pickup) {
            auto km = distance_km(from, *d->destination);
            auto fee = delivery_fee(settings_.delivery_fees, km);
            view.distance_km[vendor_id] = km;
            if (!fee) {
                too_far.push_back(vendor_id);
                continue;
            }
            in.delivery_fees[vendor_id] = *fee;
        }
        if (!too_far.empty()) {
            std::string names;
            for (const auto& v : too_far) {
                names += (names.empty() ? "" : ", ") + v;
            }
            co_return problem(
                errc::invalid, problems::not_deliverable,
                "courier delivery does not reach the address from " + names
            );
        }
    }

    // Automatic promotions first (oldest first), then codes in the order they were applied.
    auto automatic = co_await repo_.automatic_promotions(tx);
    if (!automatic) {
        co_return std::move(automatic).error();
    }
    auto codes = co_await repo_.applied_codes(tx, c.id);
    if (!codes) {
        co_return std::move(codes).error();
    }
    std::vector<priced_cart_promotion> considered;
    std::vector<std::size_t> priced_index;  // index into `considered` of each promotion in `in`
    std::vector<promotion> candidates = std::move(*automatic);
    std::move(codes->begin(), codes->end(), std::back_inserter(candidates));
    for (auto& p : candidates) {
        auto state = co_await precheck(tx, p, c);
        if (!state) {
            co_return std::move(state).error();
        }
        if (*state == promotion_state::applied) {
            in.promotions.push_back(price_promotion{
                .id = p.id,
                .kind = p.kind,
                .percent_off = p.percent_off.value_or(0),
                .amount_off = p.amount_off.value_or(0),
                .vendor_id = p.vendor_id,
                .minimum_subtotal = p.minimum_subtotal});
            priced_index.push_back(considered.size());
        }
        considered.push_back(priced_cart_promotion{.promo = std::move(p), .state = *state});
    }

    auto priced = price(in);
    if (!priced) {
        co_return std::move(priced).error();
    }
    for (std::size_t k = 0; k < priced->promotions.size(); ++k) {
        auto& target = considered[priced_index[k]];
        const auto& outcome = priced->promotions[k];
        target.state = state_of(outcome.outcome);
        target.discount = outcome.discount;
        target.delivery_waived = outcome.delivery_waived;
    }
    for (auto& p : considered) {
        // Automatic promotions that do not apply are noise; every applied code is shown.
        if (p.promo.code || p.state == promotion_state::applied) {
            view.promotions.push_back(std::move(p));
        }
    }
    std::map<std::string, const amounts*> line_totals;
    for (const auto& v : priced->vendors) {
        for (const auto& l : v.lines) {
            line_totals.emplace(l.line_id, &l.totals);
        }
    }
    for (auto& line : view.lines) {
        if (auto t = line_totals.find(line.item.id); t != line_totals.end()) {
            line.totals = *t->second;
        }
    }
    view.totals = priced->totals;
    view.vendors = std::move(priced->vendors);
    view.c = std::move(c);
    co_return view;
}

// ---------------------------------------------------------------------------------------------
// Cart routes

core::task<core::result<priced_cart_view>> cart_service::read_view(
    cart_caller who, std::string cart_id
) {
    // Through transact(): a read transaction then runs where the driver does (one hop, not one a
    // statement).
    auto body = std::bind_front(&cart_service::read_view_tx, this, std::cref(who), std::cref(cart_id));
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<priced_cart_view>> cart_service::read_view_tx(
    const cart_caller& who, const std::string& cart_id, infra::db::transaction& tx
) {
    auto c = co_await open_for(tx, who, cart_id);
    if (!c) {
        co_return std::move(c).error();
    }
    std::optional<delivery_request> none;
    co_return co_await evaluate(tx, std::move(*c), none);
}

core::task<core::result<priced_cart_view>> cart_service::get(cart_caller who, std::string cart_id) {
    co_return co_await read_view(std::move(who), std::move(cart_id));
}

core::task<core::result<priced_cart_view>> cart_service::create(cart_caller who, new_cart c) {
    auto currency = core::currency::parse(c.currency);
    if (!currency) {
        co_return field_problem(
            errc::invalid, "validation", "/currency", "unknown", "is not a currency we know"
        );
    }
    if (c.email && !plausible_email(*c.email)) {
        co_return field_problem(
            errc::invalid, "validation", "/email", "format", "is not an email address"
        );
    }
    auto body = std::bind_front(&cart_service::create_tx, this, std::move(who), std::move(c));
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<priced_cart_view>> cart_service::create_tx(
    cart_caller who, new_cart n, infra::db::transaction& tx
) {
    auto now = clock_.now();
    cart c{
        .id = core::new_id("cart", now),
        .currency = std::move(n.currency),
        .email = std::move(n.email),
        .created_at = now,
        .updated_at = now,
    };
    std::optional<std::string> token;
    if (who.user) {
        c.customer_id = who.user->user_id;
    } else {
        token = new_cart_token();
        c.token_hash = cart_token_hash(*token);
    }
    auto inserted = co_await repo_.insert(tx, c);
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    std::optional<delivery_request> none;
    auto view = co_await evaluate(tx, std::move(c), none);
    if (view) {
        view->token = std::move(token);
    }
    co_return view;
}

core::task<core::result<priced_cart_view>> cart_service::set_email(
    cart_caller who, std::string cart_id, std::optional<std::string> email
) {
    if (email && !plausible_email(*email)) {
        co_return field_problem(
            errc::invalid, "validation", "/email", "format", "is not an email address"
        );
    }
    auto body = std::bind_front(
        &cart_service::set_email_tx, this, std::move(who), std::move(cart_id), std::move(email)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<priced_cart_view>> cart_service::set_email_tx(
    cart_caller who,
    std::string cart_id,
    std::optional<std::string> email,
    infra::db::transaction& tx
) {
    auto c = co_await open_for(tx, who, std::move(cart_id));
    if (!c) {
        co_return std::move(c).error();
    }
    if (auto open = check_open(*c); !open) {
        co_return std::move(open).error();
    }
    auto expected = c->version;
    c->email = std::move(email);
    c->updated_at = clock_.now();
    auto updated = co_await repo_.update(tx, *c, expected);
    if (!updated) {
        co_return std::move(updated).error();
    }
    if (!*updated) {
        co_return core::error{errc::busy, "the cart changed meanwhile"};
    }
    ++c->version;
    std::optional<delivery_request> none;
    co_return co_await evaluate(tx, std::move(*c), none);
}

core::task<core::result<priced_cart_view>> cart_service::add_item(
    cart_caller who, std::string cart_id, std::string variant_id, std::int64_t quantity
) {
    auto body = std::bind_front(
        &cart_service::add_item_tx, this, std::move(who), std::move(cart_id), std::move(variant_id),
        quantity
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<priced_cart_view>> cart_service::add_item_tx(
    cart_caller who,
    std::string cart_id,
    std::string variant_id,
    std::int64_t quantity,
    infra::db::transaction& tx
) {
    auto c = co_await open_for(tx, who, std::move(cart_id));
    if (!c) {
        co_return std::move(c).error();
    }
    if (auto open = check_open(*c); !open) {
        co_return std::move(open).error();
    }
    auto now = clock_.now();
    auto touched = co_await repo_.touch(tx, c->id, now);
    if (!touched) {
        co_return std::move(touched).error();
    }
    if (!*touched) {
        co_return check_open(cart{.status = "completed"}).error();
    }
    c->version += 1;
    c->updated_at = now;

    auto variant = co_await catalog_.variant(tx, variant_id);
    if (!variant) {
        co_return std::move(variant).error();
    }
    const auto* v = *variant ? &**variant : nullptr;
    auto state = state_of(v, c->currency);
    if (state != line_state::available) {
        co_return unavailable(state, c->currency);
    }
    auto items = co_await repo_.items(tx, c->id);
    if (!items) {
        co_return std::move(items).error();
    }
    auto existing = std::find_if(items->begin(), items->end(), [&](const cart_item& i) {
        return i.variant_id == variant_id;
    });
    auto wanted = quantity + (existing == items->end() ? 0 : existing->quantity);
    if (wanted > max_line_quantity) {
        co_return quantity_too_large(wanted);
    }
    if (existing == items->end() && items->size() >= max_cart_lines) {
        co_return problem(
            errc::invalid, problems::cart_full,
            "a cart holds at most " + std::to_string(max_cart_lines) + " lines"
        );
    }
    if (wanted > v->stock) {
        co_return not_enough_stock(v->variant_id, wanted, v->stock);
    }
    auto unit = price_in(v->prices, c->currency)->amount();
    if (existing != items->end()) {
        existing->quantity = wanted;
        existing->unit_amount = unit;
        existing->title = v->product_title;
        existing->sku = v->sku;
        existing->options = v->options;
        existing->updated_at = now;
        auto saved = co_await repo_.update_item(tx, *existing);
        if (!saved) {
            co_return std::move(saved).error();
        }
    } else {
        cart_item item{
            .id = core::new_id("item", now),
            .cart_id = c->id,
            .variant_id = v->variant_id,
            .product_id = v->product_id,
            .vendor_id = v->vendor_id,
            .title = v->product_title,
            .sku = v->sku,
            .options = v->options,
            .quantity = wanted,
            .unit_amount = unit,
            .created_at = now,
            .updated_at = now,
        };
        auto saved = co_await repo_.insert_item(tx, item);
        if (!saved) {
            co_return std::move(saved).error();
        }
    }

    // Priced in the same transaction: it runs on one thread without hops (db::transact), so this
    // costs the writer less than a second transaction whose reader starts with a cold page cache.
    std::optional<delivery_request> none;
    co_return co_await evaluate(tx, std::move(*c), none);
}

core::task<core::result<priced_cart_view>> cart_service::set_quantity(
    cart_caller who, std::string cart_id, std::string item_id, std::int64_t quantity
) {
    auto body = std::bind_front(
        &cart_service::set_quantity_tx, this, std::move(who), std::move(cart_id),
        std::move(item_id), quantity
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<priced_cart_view>> cart_service::set_quantity_tx(
    cart_caller who,
    std::string cart_id,
    std::string item_id,
    std::int64_t quantity,
    infra::db::transaction& tx
) {
    auto c = co_await open_for(tx, who, std::move(cart_id));
    if (!c) {
        co_return std::move(c).error();
    }
    if (auto open = check_open(*c); !open) {
        co_return std::move(open).error();
    }
    auto now = clock_.now();
    auto touched = co_await repo_.touch(tx, c->id, now);
    if (!touched) {
        co_return std::move(touched).error();
    }
    if (!*touched) {
        co_return check_open(cart{.status = "completed"}).error();
    }
    c->version += 1;
    c->updated_at = now;
    auto items = co_await repo_.items(tx, c->id);
    if (!items) {
        co_return std::move(items).error();
    }
    auto line = std::find_if(items->begin(), items->end(), [&](const cart_item& i) {
        return i.id == item_id;
    });
    if (line == items->end()) {
        co_return core::error{errc::not_found, "no such line item in the cart"};
    }
    auto variant = co_await catalog_.variant(tx, line->variant_id);
    if (!variant) {
        co_return std::move(variant).error();
    }
    const auto* v = *variant ? &**variant : nullptr;
    auto state = state_of(v, c->currency);
    if (state != line_state::available) {
        // Lowering the quantity of a line that is no longer for sale makes no sense either way:
        // the customer removes it.
        auto refused = unavailable(state, c->currency);
        refused.fields.front().pointer = "/quantity";
        co_return refused;
    }
    if (quantity > line->quantity && quantity > v->stock) {
        co_return not_enough_stock(v->variant_id, quantity, v->stock);
    }
    line->quantity = quantity;
    line->unit_amount = price_in(v->prices, c->currency)->amount();
    line->title = v->product_title;
    line->sku = v->sku;
    line->options = v->options;
    line->updated_at = now;
    auto saved = co_await repo_.update_item(tx, *line);
    if (!saved) {
        co_return std::move(saved).error();
    }

    // Priced in the same transaction: it runs on one thread without hops (db::transact), so this
    // costs the writer less than a second transaction whose reader starts with a cold page cache.
    std::optional<delivery_request> none;
    co_return co_await evaluate(tx, std::move(*c), none);
}

core::task<core::result<priced_cart_view>> cart_service::remove_item(
    cart_caller who, std::string cart_id, std::string item_id
) {
    auto body = std::bind_front(
        &cart_service::remove_item_tx, this, std::move(who), std::move(cart_id), std::move(item_id)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<priced_cart_view>> cart_service::remove_item_tx(
    cart_caller who, std::string cart_id, std::string item_id, infra::db::transaction& tx
) {
    auto c = co_await open_for(tx, who, std::move(cart_id));
    if (!c) {
        co_return std::move(c).error();
    }
    if (auto open = check_open(*c); !open) {
        co_return std::move(open).error();
    }
    auto now = clock_.now();
    auto touched = co_await repo_.touch(tx, c->id, now);
    if (!touched) {
        co_return std::move(touched).error();
    }
    if (!*touched) {
        co_return check_open(cart{.status = "completed"}).error();
    }
    c->version += 1;
    c->updated_at = now;
    auto items = co_await repo_.items(tx, c->id);
    if (!items) {
        co_return std::move(items).error();
    }
    auto line = std::find_if(items->begin(), items->end(), [&](const cart_item& i) {
        return i.id == item_id;
    });
    if (line == items->end()) {
        co_return core::error{errc::not_found, "no such line item in the cart"};
    }
    auto removed = co_await repo_.delete_item(tx, c->id, item_id);
    if (!removed) {
        co_return std::move(removed).error();
    }

    // Priced in the same transaction: it runs on one thread without hops (db::transact), so this
    // costs the writer less than a second transaction whose reader starts with a cold page cache.
    std::optional<delivery_request> none;
    co_return co_await evaluate(tx, std::move(*c), none);
}

core::task<core::result<priced_cart_view>> cart_service::claim(
    cart_caller who, std::string cart_id
) {
    if (!who.user) {
        co_return core::error{errc::unauthenticated, "sign in to claim a cart"};
    }
    auto body = std::bind_front(&cart_service::claim_tx, this, std::move(who), std::move(cart_id));
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<priced_cart_view>> cart_service::claim_tx(
    cart_caller who, std::string cart_id, infra::db::transaction& tx
) {
    auto guest = co_await open_for(tx, who, std::move(cart_id));
    if (!guest) {
        co_return std::move(guest).error();
    }
    std::optional<delivery_request> none;
    const auto& user_id = who.user->user_id;
    if (guest->customer_id) {
        // Already this customer's cart (open_for checked it is theirs): nothing to do.
        co_return co_await evaluate(tx, std::move(*guest), none);
    }
    if (auto open = check_open(*guest); !open) {
        co_return std::move(open).error();
    }
    auto now = clock_.now();
    auto target = co_await repo_.open_cart_of(tx, user_id, guest->currency, guest->id);
    if (!target) {
        co_return std::move(target).error();
    }
    auto guest_version = guest->version;
    if (!*target) {
        guest->customer_id = user_id;
        guest->token_hash.reset();
        guest->updated_at = now;
        auto adopted = co_await repo_.update(tx, *guest, guest_version);
        if (!adopted) {
            co_return std::move(adopted).error();
        }
        if (!*adopted) {
            co_return core::error{errc::busy, "the cart changed meanwhile"};
        }
        ++guest->version;
        co_return co_await evaluate(tx, std::move(*guest), none);
    }

    auto& into = **target;
    auto touched = co_await repo_.touch(tx, into.id, now);
    if (!touched) {
        co_return std::move(touched).error();
    }
    if (!*touched) {
        co_return core::error{errc::busy, "the customer's cart changed meanwhile"};
    }
    into.version += 1;
    into.updated_at = now;
    auto mine = co_await repo_.items(tx, into.id);
    if (!mine) {
        co_return std::move(mine).error();
    }
    auto theirs = co_await repo_.items(tx, guest->id);
    if (!theirs) {
        co_return std::move(theirs).error();
    }
    std::size_t lines = mine->size();
    for (const auto& g : *theirs) {
        auto same = std::find_if(mine->begin(), mine->end(), [&](const cart_item& i) {
            return i.variant_id == g.variant_id;
        });
        if (same == mine->end()) {
            ++lines;
        }
    }
    if (lines > max_cart_lines) {
        co_return problem(
            errc::invalid, problems::cart_full,
            "together the carts would hold " + std::to_string(lines) + " lines; at most " +
                std::to_string(max_cart_lines)
        );
    }
    for (const auto& g : *theirs) {
        auto same = std::find_if(mine->begin(), mine->end(), [&](const cart_item& i) {
            return i.variant_id == g.variant_id;
        });
        if (same == mine->end()) {
            auto moved = co_await repo_.move_item(tx, g.id, into.id);
            if (!moved) {
                co_return std::move(moved).error();
            }
            continue;
        }
        // The same variant in both: one line with both quantities, capped at the line maximum,
        // and the guest line's (newer) price snapshot when it is the later one.
        same->quantity = std::min(max_line_quantity, same->quantity + g.quantity);
        if (g.updated_at > same->updated_at) {
            same->unit_amount = g.unit_amount;
        }
        same->updated_at = now;
        auto saved = co_await repo_.update_item(tx, *same);
        if (!saved) {
            co_return std::move(saved).error();
        }
        auto removed = co_await repo_.delete_item(tx, guest->id, g.id);
        if (!removed) {
            co_return std::move(removed).error();
        }
    }
    auto their_codes = co_await repo_.applied_codes(tx, guest->id);
    if (!their_codes) {
        co_return std::move(their_codes).error();
    }
    auto my_codes = co_await repo_.applied_codes(tx, into.id);
    if (!my_codes) {
        co_return std::move(my_codes).error();
    }
    auto code_count = my_codes->size();
    for (const auto& p : *their_codes) {
        bool already = std::any_of(my_codes->begin(), my_codes->end(), [&](const promotion& m) {
            return m.id == p.id;
        });
        if (already || code_count >= max_cart_codes) {
            continue;
        }
        auto applied = co_await repo_.apply_code(tx, into.id, p.id, now);
        if (!applied) {
            co_return std::move(applied).error();
        }
        ++code_count;
    }
    if (!into.email && guest->email) {
        into.email = guest->email;
        auto expected = into.version;
        auto saved = co_await repo_.update(tx, into, expected);
        if (!saved) {
            co_return std::move(saved).error();
        }
        ++into.version;
    }
    guest->status = "merged";
    guest->merged_into = into.id;
    guest->updated_at = now;
    auto merged = co_await repo_.update(tx, *guest, guest_version);
    if (!merged) {
        co_return std::move(merged).error();
    }
    if (!*merged) {
        co_return core::error{errc::busy, "the guest cart changed meanwhile"};
    }
    co_return co_await evaluate(tx, std::move(into), none);
}

core::task<core::result<priced_cart_view>> cart_service::apply_code(
    cart_caller who, std::string cart_id, std::string code
) {
    auto body = std::bind_front(
        &cart_service::apply_code_tx, this, std::move(who), std::move(cart_id), std::move(code)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<priced_cart_view>> cart_service::apply_code_tx(
    cart_caller who, std::string cart_id, std::string code, infra::db::transaction& tx
) {
    auto c = co_await open_for(tx, who, std::move(cart_id));
    if (!c) {
        co_return std::move(c).error();
    }
    if (auto open = check_open(*c); !open) {
        co_return std::move(open).error();
    }
    auto found = co_await repo_.promotion_by_code(tx, code);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return problem(errc::invalid, problems::promotion_invalid, "no such code");
    }
    const auto promotion_id = (*found)->id;
    auto codes = co_await repo_.applied_codes(tx, c->id);
    if (!codes) {
        co_return std::move(codes).error();
    }
    bool already = std::any_of(codes->begin(), codes->end(), [&](const promotion& p) {
        return p.id == promotion_id;
    });
    std::optional<delivery_request> none;
    if (already) {
        co_return co_await evaluate(tx, std::move(*c), none);
    }
    if (codes->size() >= max_cart_codes) {
        co_return problem(
            errc::invalid, problems::cart_full,
            "a cart holds at most " + std::to_string(max_cart_codes) + " codes"
        );
    }
    auto state = co_await precheck(tx, **found, *c);
    if (!state) {
        co_return std::move(state).error();
    }
    if (*state != promotion_state::applied) {
        co_return code_refused(*state);
    }
    auto now = clock_.now();
    auto touched = co_await repo_.touch(tx, c->id, now);
    if (!touched) {
        co_return std::move(touched).error();
    }
    if (!*touched) {
        co_return check_open(cart{.status = "completed"}).error();
    }
    c->version += 1;
    c->updated_at = now;
    auto applied = co_await repo_.apply_code(tx, c->id, promotion_id, now);
    if (!applied) {
        co_return std::move(applied).error();
    }
    auto view = co_await evaluate(tx, std::move(*c), none);
    if (!view) {
        co_return view;
    }
    for (const auto& p : view->promotions) {
        if (p.promo.id == promotion_id && p.state != promotion_state::applied) {
            co_return code_refused(p.state);  // rolled back by the caller
        }
    }
    co_return view;
}

core::task<core::result<priced_cart_view>> cart_service::remove_code(
    cart_caller who, std::string cart_id, std::string code
) {
    auto body = std::bind_front(
        &cart_service::remove_code_tx, this, std::move(who), std::move(cart_id), std::move(code)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<priced_cart_view>> cart_service::remove_code_tx(
    cart_caller who, std::string cart_id, std::string code, infra::db::transaction& tx
) {
    auto c = co_await open_for(tx, who, std::move(cart_id));
    if (!c) {
        co_return std::move(c).error();
    }
    if (auto open = check_open(*c); !open) {
        co_return std::move(open).error();
    }
    auto found = co_await repo_.promotion_by_code(tx, code);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return core::error{errc::not_found, "the code is not applied to the cart"};
    }
    auto removed = co_await repo_.remove_code(tx, c->id, (*found)->id);
    if (!removed) {
        co_return std::move(removed).error();
    }
    if (!*removed) {
        co_return core::error{errc::not_found, "the code is not applied to the cart"};
    }
    auto now = clock_.now();
    auto touched = co_await repo_.touch(tx, c->id, now);
    if (!touched) {
        co_return std::move(touched).error();
    }
    c->version += 1;
    c->updated_at = now;
    std::optional<delivery_request> none;
    co_return co_await evaluate(tx, std::move(*c), none);
}

// ---------------------------------------------------------------------------------------------
// Checkout

core::task<core::result<cart_quote>> cart_service::quote(
    infra::db::transaction& tx, const cart_caller& who, std::string cart_id, delivery_request d
) {
    auto c = co_await open_for(tx, who, std::move(cart_id));
    if (!c) {
        co_return std::move(c).error();
    }
    if (auto open = check_open(*c); !open) {
        co_return std::move(open).error();
    }
    std::optional<delivery_request> delivery{std::move(d)};
    auto view = co_await evaluate(tx, std::move(*c), delivery);
    if (!view) {
        co_return std::move(view).error();
    }
    if (view->lines.empty()) {
        co_return problem(errc::invalid, problems::cart_empty, "the cart is empty");
    }
    std::vector<core::field_error> unavailable_lines;
    for (std::size_t i = 0; i < view->lines.size(); ++i) {
        const auto& l = view->lines[i];
        if (l.state != line_state::available) {
            unavailable_lines.push_back(core::field_error{
                "/items/" + std::to_string(i), std::string{to_string(l.state)},
                l.item.variant_id + " (" + l.item.title + ") is no longer for sale"});
        }
    }
    if (!unavailable_lines.empty()) {
        core::error e{
            errc::invalid,
            std::to_string(unavailable_lines.size()) + " item(s) are no longer for sale",
            std::move(unavailable_lines)};
        e.type = std::string{problems::item_unavailable};
        co_return e;
    }

    // A code the buyer applied that stopped being valid (used up by other buyers meanwhile,
    // expired) refuses the checkout: the buyer is told instead of silently paying more.
    for (const auto& p : view->promotions) {
        if (!p.promo.code) {
            continue;
        }
        switch (p.state) {
            case promotion_state::inactive:
            case promotion_state::not_started:
            case promotion_state::expired:
            case promotion_state::exhausted:
            case promotion_state::other_currency: {
                auto e = code_refused(p.state);
                e.detail = *p.promo.code + ": " + e.detail + "; remove it from the cart to check out";
                co_return e;
            }
            default:
                break;
        }
    }

    cart_quote q;
    q.cart_id = view->c.id;
    q.currency = view->c.currency;
    q.customer_id = view->c.customer_id;
    q.email = view->c.email;
    q.version = view->c.version;
    q.totals = view->totals;
    std::map<std::string, const priced_cart_line*> lines;
    for (const auto& l : view->lines) {
        lines.emplace(l.item.id, &l);
    }
    for (const auto& v : view->vendors) {
        vendor_quote vq{.vendor_id = v.vendor_id, .totals = v.totals};
        if (auto km = view->distance_km.find(v.vendor_id); km != view->distance_km.end()) {
            vq.distance_km = km->second;
        }
        for (const auto& pl : v.lines) {
            const auto& l = *lines.at(pl.line_id);
            vq.lines.push_back(quoted_line{
                .line_id = l.item.id,
                .product_id = l.item.product_id,
                .variant_id = l.item.variant_id,
                .vendor_id = l.item.vendor_id,
                .title = l.item.title,
                .sku = l.item.sku,
                .options = l.item.options,
                .quantity = l.item.quantity,
                .unit_amount = l.unit_amount.value_or(0),
                .totals = pl.totals});
        }
        q.vendors.push_back(std::move(vq));
    }
    for (const auto& p : view->promotions) {
        if (p.state == promotion_state::applied) {
            q.promotion_ids.push_back(p.promo.id);
        }
    }
    co_return q;
}

core::task<core::result<void>> cart_service::complete(
    infra::db::transaction& tx,
    const cart_quote& q,
    std::string order_id,
    std::optional<std::string> email
) {
    auto now = clock_.now();
    auto closed = co_await repo_.close(tx, q.cart_id, q.version, order_id, email, now);
    if (!closed) {
        co_return std::move(closed).error();
    }
    if (!*closed) {
        auto found = co_await repo_.find(tx, q.cart_id);
        if (!found) {
            co_return std::move(found).error();
        }
        if (!*found) {
            co_return no_such_cart();
        }
        co_return problem(
            errc::conflict, "conflict", "the cart changed while checking out; review it and retry"
        );
    }
    auto key = customer_key_of(q.customer_id, email);
    for (const auto& id : q.promotion_ids) {
        auto p = co_await repo_.promotion_by_id(tx, id);
        if (!p) {
            co_return std::move(p).error();
        }
        if (!*p) {
            co_return core::error{errc::internal, "quoted promotion " + id + " is gone"};
        }
        auto redeemed = co_await repo_.redeem(tx, **p, key, q.cart_id, order_id, now);
        if (!redeemed) {
            co_return std::move(redeemed).error();
        }
        if (!*redeemed) {
            co_return problem(
                errc::conflict, problems::promotion_exhausted,
                "promotion " + (**p).code.value_or((**p).name) + " has been used up meanwhile"
            );
        }
    }
    co_return core::ok();
}

// ---------------------------------------------------------------------------------------------
// Admin promotions

core::task<core::result<promotion>> cart_service::create_promotion(new_promotion p) {
    auto body = std::bind_front(&cart_service::create_promotion_tx, this, std::move(p));
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<promotion>> cart_service::create_promotion_tx(
    new_promotion n, infra::db::transaction& tx
) {
    if (n.code) {
        auto taken = co_await repo_.promotion_by_code(tx, *n.code);
        if (!taken) {
            co_return std::move(taken).error();
        }
        if (*taken) {
            co_return core::error{
                errc::conflict, "code is taken", {{"/code", "taken", "another promotion uses it"}}};
        }
    }
    if (n.vendor_id) {
        auto store = co_await catalog_.store(tx, *n.vendor_id);
        if (!store) {
            co_return std::move(store).error();
        }
        if (!*store) {
            co_return core::error{
                errc::invalid,
                "vendor_id is not a store",
                {{"/vendor_id", "not_found", "is not a store"}}};
        }
    }
    auto now = clock_.now();
    promotion p{
        .id = core::new_id("promo", now),
        .code = std::move(n.code),
        .name = std::move(n.name),
        .kind = n.kind,
        .percent_off = n.percent_off,
        .amount_off = n.amount_off,
        .currency = std::move(n.currency),
        .minimum_subtotal = n.minimum_subtotal,
        .vendor_id = std::move(n.vendor_id),
        .starts_at = n.starts_at,
        .ends_at = n.ends_at,
        .usage_limit = n.usage_limit,
        .usage_limit_per_customer = n.usage_limit_per_customer,
        .created_at = now,
        .updated_at = now,
    };
    auto inserted = co_await repo_.insert_promotion(tx, p);
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    co_return p;
}

core::task<core::result<promotion_page>> cart_service::promotions(
    std::optional<std::string> before, int limit
) {
    auto tx = co_await db_.begin(infra::db::tx_mode::read);
    if (!tx) {
        co_return std::move(tx).error();
    }
    auto rows = co_await repo_.promotions_page(**tx, std::move(before), limit + 1);
    if (!rows) {
        co_return std::move(rows).error();
    }
    (void)co_await (*tx)->commit();
    promotion_page page;
    if (rows->size() > static_cast<std::size_t>(limit)) {
        rows->resize(static_cast<std::size_t>(limit));
        page.next_cursor = core::encode_cursor(rows->back().id);
    }
    page.items = std::move(*rows);
    co_return page;
}

core::task<core::result<promotion>> cart_service::get_promotion(std::string id) {
    auto tx = co_await db_.begin(infra::db::tx_mode::read);
    if (!tx) {
        co_return std::move(tx).error();
    }
    auto found = co_await repo_.promotion_by_id(**tx, std::move(id));
    if (!found) {
        co_return std::move(found).error();
    }
    (void)co_await (*tx)->commit();
    if (!*found) {
        co_return core::error{errc::not_found, "no such promotion"};
    }
    co_return std::move(**found);
}

core::task<core::result<promotion>> cart_service::update_promotion(
    std::string id, promotion_patch p
) {
    auto body = std::bind_front(
        &cart_service::update_promotion_tx, this, std::move(id), std::move(p), false
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<promotion>> cart_service::deactivate_promotion(std::string id) {
    auto body = std::bind_front(
        &cart_service::update_promotion_tx, this, std::move(id), promotion_patch{}, true
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<promotion>> cart_service::update_promotion_tx(
    std::string id, promotion_patch patch, bool deactivate, infra::db::transaction& tx
) {
    auto found = co_await repo_.promotion_by_id(tx, std::move(id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return core::error{errc::not_found, "no such promotion"};
    }
    auto p = std::move(**found);
    if (patch.name) {
        p.name = std::move(*patch.name);
    }
    if (patch.starts_at.present) {
        p.starts_at = patch.starts_at.value;
    }
    if (patch.ends_at.present) {
        p.ends_at = patch.ends_at.value;
    }
    if (patch.usage_limit.present) {
        p.usage_limit = patch.usage_limit.value;
    }
    if (patch.usage_limit_per_customer.present) {
        p.usage_limit_per_customer = patch.usage_limit_per_customer.value;
    }
    if (p.starts_at && p.ends_at && *p.ends_at <= *p.starts_at) {
        co_return core::error{
            errc::invalid,
            "ends_at must be after starts_at",
            {{"/ends_at", "range", "must be after starts_at"}}};
    }
    if (deactivate) {
        p.status = "inactive";
    }
    p.updated_at = clock_.now();
    auto saved = co_await repo_.update_promotion(tx, p);
    if (!saved) {
        co_return std::move(saved).error();
    }
    co_return p;
}

}  // namespace shopping
