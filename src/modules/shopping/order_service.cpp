#include "modules/shopping/order_service.hpp"

#include <algorithm>
#include <functional>
#include <utility>

#include "core/ids.hpp"
#include "core/log.hpp"

namespace shopping {
namespace {

using core::errc;
using core::fail;

std::vector<vendor::stock_request> stock_of(const sub_order& s) {
    std::vector<vendor::stock_request> out;
    out.reserve(s.items.size());
    for (const auto& i : s.items) {
        out.push_back(vendor::stock_request{i.variant_id, i.quantity});
    }
    return out;
}

core::error shortage_error(const std::vector<vendor::stock_shortage>& short_of) {
    core::error e{errc::insufficient_stock, "not enough stock for "};
    for (std::size_t i = 0; i < short_of.size(); ++i) {
        const auto& s = short_of[i];
        e.detail += (i > 0 ? ", " : "") + s.variant_id + " (" + std::to_string(s.requested) +
                    " requested, " + std::to_string(s.available) + " available)";
        e.fields.push_back(core::field_error{
            "/variants/" + s.variant_id,
            "insufficient_stock",
            std::to_string(s.requested) + " requested, " + std::to_string(s.available) +
                " available"});
    }
    return e;
}

// The order's address for mail: the request's, else the cart's. A guest must give one.
core::result<std::optional<std::string>> order_email(
    const cart_quote& quote, const checkout_request& r
) {
    auto email = r.email ? r.email : quote.email;
    if (!quote.customer_id && !email) {
        return fail(core::error{
            errc::invalid,
            "a guest checkout needs an email address",
            {{"/email", "required", "is required for a guest checkout"}}});
    }
    return email;
}

}  // namespace

order_service::order_service(
    infra::db::database& db,
    const core::clock& clock,
    infra::bus::dispatcher& events,
    checkout_cart& carts,
    vendor::inventory& inventory,
    vendor::catalog& catalog,
    payment_methods& payments,
    order_settings s
)
    : db_(db),
      clock_(clock),
      events_(events),
      carts_(carts),
      inventory_(inventory),
      catalog_(catalog),
      payments_(payments),
      settings_(s) {}

std::int64_t order_service::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch())
        .count();
}

core::task<core::result<order_service::placed_order>> order_service::checkout(
    cart_caller who, std::string cart_id, checkout_request r, in_checkout also
) {
    auto* method = payments_.find(r.payment_method);
    if (method == nullptr) {
        co_return fail(core::error{
            errc::invalid,
            "payment method is not offered",
            {{"/payment/method", "enum", "is not offered"}}});
    }
    if (method->authorizes_in_process()) {
        // Priced inside the write transaction: one visit to the writer instead of a reader's
        // quote and then the writer. On SQLite that is one queue less to wait in, and the cart is
        // read from the writer's warm page cache rather than a reader's, which every write empties.
        std::optional<order_draft> draft;
        auto body = std::bind_front(
            &order_service::price_and_place_tx, this, std::ref(*method), std::cref(who),
            std::cref(cart_id), std::cref(r), std::cref(also), std::ref(draft)
        );
        auto placed = co_await infra::db::transact(db_, std::move(body));
        if (!placed) {
            co_return std::move(placed).error();
        }
        events_.notify();
        co_return placed_order{std::move(draft->placed), std::move(draft->json)};
    }
    // A provider's round trip must never hold the writer: the cart is priced from a read snapshot
    // and authorised first. The write transaction reserves the stock and closes the cart only if
    // the cart is still at the quoted version (complete()), so a cart changed in between is a 409,
    // never an order at stale quantities; a reservation that then fails leaves the authorisation
    // unused.
    auto quoting = std::bind_front(
        &order_service::quote_tx, this, std::cref(who), std::cref(cart_id), std::cref(r)
    );
    auto quote = co_await infra::db::transact(db_, std::move(quoting), infra::db::tx_mode::read);
    if (!quote) {
        co_return std::move(quote).error();
    }
    auto email = order_email(*quote, r);
    if (!email) {
        co_return std::move(email).error();
    }
    auto draft = co_await draft_order(*method, *quote, r, std::move(*email));
    if (!draft) {
        co_return std::move(draft).error();
    }
    auto body = std::bind_front(
        &order_service::checkout_tx, this, std::cref(*quote), std::cref(*draft), std::cref(also)
    );
    auto placed = co_await infra::db::transact(db_, std::move(body));
    if (!placed) {
        co_return std::move(placed).error();
    }
    events_.notify();
    co_return placed_order{std::move(draft->placed), std::move(draft->json)};
}

core::task<core::result<void>> order_service::price_and_place_tx(
    payment_method& method,
    const cart_caller& who,
    const std::string& cart_id,
    const checkout_request& r,
    const in_checkout& also,
    std::optional<order_draft>& out,
    infra::db::transaction& tx
) {
    auto quote = co_await carts_.quote(tx, who, cart_id, r.delivery);
    if (!quote) {
        co_return std::move(quote).error();
    }
    auto email = order_email(*quote, r);
    if (!email) {
        co_return std::move(email).error();
    }
    auto draft = co_await draft_order(method, *quote, r, std::move(*email));
    if (!draft) {
        co_return std::move(draft).error();
    }
    out = std::move(*draft);
    co_return co_await checkout_tx(*quote, *out, also, tx);
}

core::task<core::result<cart_quote>> order_service::quote_tx(
    const cart_caller& who,
    const std::string& cart_id,
    const checkout_request& r,
    infra::db::transaction& tx
) {
    co_return co_await carts_.quote(tx, who, cart_id, r.delivery);
}

core::task<core::result<order_service::order_draft>> order_service::draft_order(
    payment_method& method,
    const cart_quote& quote,
    const checkout_request& r,
    std::optional<std::string> email
) {
    const auto now = clock_.now();
    order o;
    o.id = core::new_id("ord", now);
    o.customer_id = quote.customer_id;
    o.cart_id = quote.cart_id;
    o.email = std::move(email);
    o.currency = quote.currency;
    o.payment_method = std::string{method.name()};
    o.delivery = r.delivery.method;
    o.address = r.address;
    o.totals = quote.totals;
    o.promotion_ids = quote.promotion_ids;
    o.created_at = now;
    o.updated_at = now;

    payment_request pay{
        .order_id = o.id,
        .currency = o.currency,
        .amount = o.totals.total,
        .customer_id = o.customer_id,
        .email = o.email};
    auto auth = co_await method.authorize(std::move(pay));
    if (!auth) {
        co_return std::move(auth).error();
    }
    const bool paid = auth->outcome == payment_outcome::authorized;
    o.payment_status = auth->status;
    o.status = paid ? order_status::placed : order_status::pending_payment;
    if (!paid) {
        o.reserved_until = now + settings_.reservation_ttl;
    }
    const auto first = paid ? sub_order_status::placed : sub_order_status::pending_payment;
    const std::string actor_kind = o.customer_id ? "customer" : "guest";
    o.history.push_back(history_entry{
        .to = std::string{to_string(o.status)}, .actor = actor_kind, .actor_id = o.customer_id, .at = now});
    order_draft draft;
    for (const auto& v : quote.vendors) {
        sub_order s;
        s.id = core::new_id("sub", now);
        s.order_id = o.id;
        s.vendor_id = v.vendor_id;
        s.status = first;
        s.delivery = r.delivery.method;
        if (v.distance_km) {
            s.distance_m = static_cast<std::int64_t>(*v.distance_km * 1000.0 + 0.5);
        }
        s.totals = v.totals;
        s.created_at = now;
        s.updated_at = now;
        for (const auto& l : v.lines) {
            draft.stock.push_back(vendor::stock_request{l.variant_id, l.quantity});
            s.items.push_back(order_item{
                .id = core::new_id("oitem", now),
                .product_id = l.product_id,
                .variant_id = l.variant_id,
                .title = l.title,
                .sku = l.sku,
                .options = l.options,
                .quantity = l.quantity,
                .unit_amount = l.unit_amount,
                .subtotal = l.totals.subtotal,
                .discount = l.totals.discount,
                .total = l.totals.total});
        }
        s.history.push_back(history_entry{
            .sub_order_id = s.id,
            .to = std::string{to_string(first)},
            .actor = actor_kind,
            .actor_id = o.customer_id,
            .at = now});
        o.sub_orders.push_back(std::move(s));
    }
    draft.rows = repo_.rows_of(o);
    // The order's document is written once: it is the response and the order.placed payload.
    draft.json = order_text(o);
    draft.events.push_back({std::string{order_events::order_placed}, o.id, draft.json});
    for (const auto& s : o.sub_orders) {
        draft.events.push_back(
            {std::string{order_events::suborder_created}, s.id, vendor_order_text(o, s)}
        );
    }
    draft.placed = std::move(o);
    co_return draft;
}

core::task<core::result<void>> order_service::checkout_tx(
    const cart_quote& quoted,
    const order_draft& draft,
    const in_checkout& also,
    infra::db::transaction& tx
) {
    auto short_of = co_await inventory_.reserve(tx, draft.stock);
    if (!short_of) {
        co_return std::move(short_of).error();
    }
    if (!short_of->empty()) {
        co_return fail(shortage_error(*short_of));
    }
    auto stored = co_await repo_.insert(tx, draft.rows);
    if (!stored) {
        if (stored.error().code == errc::conflict) {
            co_return fail(errc::conflict, "the cart has been checked out already");
        }
        co_return std::move(stored).error();
    }
    auto closed = co_await carts_.complete(tx, quoted, draft.placed.id, draft.placed.email);
    if (!closed) {
        co_return std::move(closed).error();
    }
    auto appended = co_await infra::bus::append_prepared(tx, clock_, draft.events);
    if (!appended || !also) {
        co_return appended;
    }
    co_return co_await also(tx, draft.placed, draft.json);
}

core::task<core::result<order>> order_service::mine(core::principal who, std::string order_id) {
    auto body = [this, order_id](infra::db::transaction& tx) {
        return repo_.find(tx, order_id);
    };
    auto found = co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found || (*found)->customer_id != who.user_id) {
        co_return fail(errc::not_found, "no such order");
    }
    co_return std::move(**found);
}

core::task<core::result<order_page<order>>> order_service::list_mine(
    core::principal who,
    std::optional<order_status> status,
    std::optional<std::string> before_id,
    int limit
) {
    // Captured by value: the body runs again on `busy`.
    auto body = [this, who, status, before_id, limit](
                    infra::db::transaction& tx
                ) -> core::task<core::result<order_page<order>>> {
        auto ids = co_await repo_.ids_of_customer(tx, who.user_id, status, before_id, limit + 1);
        if (!ids) {
            co_return std::move(ids).error();
        }
        order_page<order> out;
        if (ids->size() > static_cast<std::size_t>(limit)) {
            ids->resize(static_cast<std::size_t>(limit));
            out.next_cursor = core::encode_cursor(ids->back());
        }
        auto loaded = co_await repo_.load(tx, std::move(*ids));
        if (!loaded) {
            co_return std::move(loaded).error();
        }
        out.items = std::move(*loaded);
        co_return out;
    };
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<order>> order_service::cancel(
    core::principal who, std::string order_id, std::optional<std::string> reason
) {
    auto body = std::bind_front(
        &order_service::cancel_tx, this, std::cref(who), std::cref(order_id), std::cref(reason)
    );
    auto done = co_await infra::db::transact(db_, std::move(body));
    if (done) {
        events_.notify();
    }
    co_return done;
}

core::task<core::result<order>> order_service::cancel_tx(
    const core::principal& who,
    const std::string& order_id,
    const std::optional<std::string>& reason,
    infra::db::transaction& tx
) {
    auto locked = co_await lock(tx, order_id);
    if (!locked) {
        co_return std::move(locked).error();
    }
    auto found = co_await repo_.find(tx, order_id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found || (*found)->customer_id != who.user_id) {
        co_return fail(errc::not_found, "no such order");
    }
    auto o = std::move(**found);
    // Only before a vendor accepted: every open sub-order must still be cancellable by the buyer.
    for (const auto& s : o.sub_orders) {
        if (is_closed(s.status)) {
            continue;
        }
        if (s.status != sub_order_status::placed && s.status != sub_order_status::pending_payment) {
            co_return fail(illegal_transition(
                "order " + o.id + ": sub-order", s.id, to_string(s.status), "cancelled"
            ));
        }
    }
    if (o.status == order_status::cancelled) {
        co_return fail(illegal_transition("order", o.id, to_string(o.status), "cancelled"));
    }
    actor by{"customer", who.user_id};
    for (auto& s : o.sub_orders) {
        if (is_closed(s.status)) {
            continue;
        }
        auto moved = co_await move(tx, o, s, sub_order_status::cancelled, by, reason);
        if (!moved) {
            co_return std::move(moved).error();
        }
    }
    auto settled = co_await settle(tx, o, by);
    if (!settled) {
        co_return std::move(settled).error();
    }
    co_return o;
}

core::task<core::result<std::string>> order_service::vendor_of(
    infra::db::transaction& tx, const std::string& user_id, bool need_active
) {
    auto m = co_await catalog_.store_of_member(tx, user_id);
    if (!m) {
        co_return std::move(m).error();
    }
    if (!*m) {
        co_return fail(errc::forbidden, "you do not work for a store");
    }
    if (need_active && (*m)->status != "active") {
        co_return fail(errc::forbidden, "the store is " + (*m)->status);
    }
    co_return (*m)->vendor_id;
}

core::task<core::result<vendor_order>> order_service::vendor_order_of(
    infra::db::transaction& tx,
    const std::string& user_id,
    const std::string& sub_order_id,
    bool writing
) {
    auto vendor_id = co_await vendor_of(tx, user_id, writing);
    if (!vendor_id) {
        co_return std::move(vendor_id).error();
    }
    auto ref = co_await repo_.sub_order_ref_of(tx, sub_order_id);
    if (!ref) {
        co_return std::move(ref).error();
    }
    if (!*ref) {
        co_return fail(errc::not_found, "no such order");
    }
    if (writing) {
        auto locked = co_await lock(tx, (*ref)->order_id);
        if (!locked) {
            co_return std::move(locked).error();
        }
    }
    auto found = co_await repo_.find(tx, (*ref)->order_id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::not_found, "no such order");
    }
    auto& o = **found;
    for (std::size_t i = 0; i < o.sub_orders.size(); ++i) {
        if (o.sub_orders[i].id == sub_order_id && o.sub_orders[i].vendor_id == *vendor_id) {
            co_return vendor_order{std::move(o), i};
        }
    }
    co_return fail(errc::not_found, "no such order");
}

core::task<core::result<order_page<vendor_order>>> order_service::vendor_list(
    core::principal who, sub_order_filter f
) {
    auto body = [this, who, f](
                    infra::db::transaction& tx
                ) -> core::task<core::result<order_page<vendor_order>>> {
        auto vendor_id = co_await vendor_of(tx, who.user_id, false);
        if (!vendor_id) {
            co_return std::move(vendor_id).error();
        }
        // A copy: the body runs again on `busy`.
        auto query = f;
        query.vendor_id = *vendor_id;
        const int limit = query.limit;
        query.limit = limit + 1;
        auto refs = co_await repo_.sub_orders_of_vendor(tx, query);
        if (!refs) {
            co_return std::move(refs).error();
        }
        order_page<vendor_order> out;
        if (refs->size() > static_cast<std::size_t>(limit)) {
            refs->resize(static_cast<std::size_t>(limit));
            out.next_cursor = core::encode_cursor(refs->back().id);
        }
        std::vector<std::string> order_ids;
        for (const auto& r : *refs) {
            order_ids.push_back(r.order_id);
        }
        std::sort(order_ids.begin(), order_ids.end());
        order_ids.erase(std::unique(order_ids.begin(), order_ids.end()), order_ids.end());
        auto loaded = co_await repo_.load(tx, std::move(order_ids));
        if (!loaded) {
            co_return std::move(loaded).error();
        }
        for (const auto& r : *refs) {
            for (const auto& o : *loaded) {
                if (o.id != r.order_id) {
                    continue;
                }
                for (std::size_t i = 0; i < o.sub_orders.size(); ++i) {
                    if (o.sub_orders[i].id == r.id) {
                        out.items.push_back(vendor_order{o, i});
                    }
                }
            }
        }
        co_return out;
    };
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<vendor_order>> order_service::vendor_get(
    core::principal who, std::string sub_order_id
) {
    auto body = [this, who, sub_order_id](
                    infra::db::transaction& tx
                ) -> core::task<core::result<vendor_order>> {
        co_return co_await vendor_order_of(tx, who.user_id, sub_order_id, false);
    };
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<vendor_order>> order_service::vendor_act(
    core::principal who,
    std::string sub_order_id,
    vendor_action action,
    std::optional<std::string> reason
) {
    auto body = std::bind_front(
        &order_service::vendor_act_tx, this, std::cref(who), std::cref(sub_order_id), action,
        std::cref(reason)
    );
    auto done = co_await infra::db::transact(db_, std::move(body));
    if (done) {
        events_.notify();
    }
    co_return done;
}

core::task<core::result<vendor_order>> order_service::vendor_act_tx(
    const core::principal& who,
    const std::string& sub_order_id,
    vendor_action action,
    const std::optional<std::string>& reason,
    infra::db::transaction& tx
) {
    auto found = co_await vendor_order_of(tx, who.user_id, sub_order_id, true);
    if (!found) {
        co_return std::move(found).error();
    }
    auto o = std::move(found->parent);
    auto* s = &o.sub_orders[found->index];
    actor by{"vendor", who.user_id};
    std::vector<sub_order_status> steps;
    switch (action) {
        case vendor_action::accept:
            steps = {sub_order_status::accepted};
            break;
        case vendor_action::reject:
            steps = {sub_order_status::rejected};
            break;
        case vendor_action::prepare:
            steps = {sub_order_status::preparing};
            break;
        case vendor_action::ready:
            steps = {sub_order_status::ready_for_pickup};
            break;
        case vendor_action::hand_over:
            if (s->delivery != delivery_method::pickup) {
                co_return fail(
                    errc::conflict,
                    "sub-order " + s->id + " goes by courier; the courier confirms the pick-up"
                );
            }
            steps = {sub_order_status::picked_up, sub_order_status::delivered};
            break;
    }
    if (!can_move(s->status, steps.front())) {
        co_return fail(illegal_transition(
            "sub-order", s->id, to_string(s->status), to_string(steps.front())
        ));
    }
    for (auto to : steps) {
        auto moved = co_await move(tx, o, *s, to, by, reason);
        if (!moved) {
            co_return std::move(moved).error();
        }
    }
    auto settled = co_await settle(tx, o, by);
    if (!settled) {
        co_return std::move(settled).error();
    }
    for (std::size_t i = 0; i < o.sub_orders.size(); ++i) {
        if (o.sub_orders[i].id == sub_order_id) {
            co_return vendor_order{std::move(o), i};
        }
    }
    co_return fail(errc::internal, "sub-order vanished");
}

core::task<core::result<void>> order_service::lock(
    infra::db::transaction& tx, const std::string& order_id
) {
    auto locked = co_await tx.query("UPDATE orders SET version = version + 1 WHERE id = $1", order_id);
    if (!locked) {
        co_return std::move(locked).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> order_service::move(
    infra::db::transaction& tx,
    order& o,
    sub_order& s,
    sub_order_status to,
    const actor& by,
    const std::optional<std::string>& reason,
    bool expired
) {
    if (!can_move(s.status, to)) {
        co_return fail(illegal_transition("sub-order", s.id, to_string(s.status), to_string(to)));
    }
    const auto from = s.status;
    auto ms = now_ms();
    auto moved = co_await repo_.move_sub_order(tx, s.id, from, to, reason, ms);
    if (!moved) {
        co_return std::move(moved).error();
    }
    if (!*moved) {
        co_return fail(errc::busy, "sub-order changed concurrently");
    }
    const auto now = clock_.now();
    history_entry h{
        .sub_order_id = s.id,
        .from = std::string{to_string(from)},
        .to = std::string{to_string(to)},
        .actor = by.kind,
        .actor_id = by.id,
        .reason = reason,
        .at = now};
    auto recorded = co_await repo_.add_history(tx, o.id, h);
    if (!recorded) {
        co_return std::move(recorded).error();
    }
    s.history.push_back(std::move(h));
    s.status = to;
    s.updated_at = now;
    ++s.version;
    if (reason) {
        s.reason = reason;
    }
    if (is_closed(to)) {
        auto released = co_await inventory_.release(tx, stock_of(s));
        if (!released) {
            co_return std::move(released).error();
        }
    } else if (to == sub_order_status::delivered) {
        auto consumed = co_await inventory_.consume(tx, stock_of(s));
        if (!consumed) {
            co_return std::move(consumed).error();
        }
    }
    boost::json::object data{
        {"sub_order_id", s.id},
        {"order_id", o.id},
        {"vendor_id", s.vendor_id},
        {"from", to_string(from)},
        {"to", to_string(to)},
    };
    data["customer_id"] = o.customer_id ? boost::json::value(*o.customer_id) : boost::json::value(nullptr);
    data["reason"] = reason ? boost::json::value(*reason) : boost::json::value(nullptr);
    auto appended = co_await infra::bus::append(
        tx, clock_, order_events::suborder_event(to_string(to), expired), s.id, std::move(data)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> order_service::settle(
    infra::db::transaction& tx, order& o, const actor& by
) {
    std::vector<sub_order_status> statuses;
    for (const auto& s : o.sub_orders) {
        statuses.push_back(s.status);
    }
    const auto from = o.status;
    const auto to = derive(statuses, from);
    if (to == from) {
        co_return core::ok();
    }
    if (!can_move(from, to)) {
        co_return fail(errc::internal, "order " + o.id + " cannot follow its sub-orders to " +
                                           std::string{to_string(to)});
    }
    auto ms = now_ms();
    auto moved = co_await repo_.move_order(tx, o.id, from, to, ms);
    if (!moved) {
        co_return std::move(moved).error();
    }
    if (!*moved) {
        co_return fail(errc::busy, "order changed concurrently");
    }
    const auto now = clock_.now();
    history_entry h{
        .from = std::string{to_string(from)},
        .to = std::string{to_string(to)},
        .actor = by.kind,
        .actor_id = by.id,
        .at = now};
    auto recorded = co_await repo_.add_history(tx, o.id, h);
    if (!recorded) {
        co_return std::move(recorded).error();
    }
    o.history.push_back(std::move(h));
    o.status = to;
    o.updated_at = now;
    if (to != order_status::pending_payment) {
        o.reserved_until.reset();
    }
    if (to == order_status::completed) {
        // Cash changes hands on delivery; a card payment is captured when the goods arrive.
        if (auto* method = payments_.find(o.payment_method)) {
            auto captured = co_await method->capture(o.id, o.totals.total);
            if (!captured) {
                co_return std::move(captured).error();
            }
            auto stored = co_await repo_.set_payment_status(tx, o.id, *captured, ms);
            if (!stored) {
                co_return std::move(stored).error();
            }
            o.payment_status = *captured;
        }
    }
    boost::json::object data{
        {"order_id", o.id},
        {"from", to_string(from)},
        {"to", to_string(to)},
    };
    data["customer_id"] = o.customer_id ? boost::json::value(*o.customer_id) : boost::json::value(nullptr);
    auto type = to == order_status::cancelled ? std::string{order_events::order_cancelled}
                                              : std::string{order_events::order_status_changed};
    auto appended = co_await infra::bus::append(tx, clock_, std::move(type), o.id, std::move(data));
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return core::ok();
}

core::periodic_job order_service::expiry_job() {
    return core::periodic_job{
        .name = "shopping_reservation_expiry",
        .interval = settings_.expiry_interval,
        .run = [this]() -> core::task<core::result<void>> {
            auto expired = co_await expire_unpaid();
            if (!expired) {
                co_return std::move(expired).error();
            }
            co_return core::ok();
        }};
}

core::task<core::result<int>> order_service::expire_unpaid() {
    std::vector<std::string> due;
    {
        auto tx = co_await db_.begin(infra::db::tx_mode::read);
        if (!tx) {
            co_return std::move(tx).error();
        }
        auto ids = co_await repo_.expired_unpaid(**tx, now_ms(), settings_.expiry_batch);
        if (!ids) {
            co_return std::move(ids).error();
        }
        due = std::move(*ids);
    }
    int expired = 0;
    for (const auto& id : due) {
        auto body = std::bind_front(&order_service::expire_one_tx, this, std::cref(id));
        auto done = co_await infra::db::transact(db_, std::move(body));
        if (!done) {
            co_return std::move(done).error();
        }
        expired += *done ? 1 : 0;
    }
    if (expired > 0) {
        events_.notify();
    }
    co_return expired;
}

core::task<core::result<bool>> order_service::expire_one_tx(
    const std::string& order_id, infra::db::transaction& tx
) {
    auto locked = co_await lock(tx, order_id);
    if (!locked) {
        co_return std::move(locked).error();
    }
    auto found = co_await repo_.find(tx, order_id);
    if (!found) {
        co_return std::move(found).error();
    }
    // Another instance expired it, or the payment arrived meanwhile.
    if (!*found || (*found)->status != order_status::pending_payment || !(*found)->reserved_until ||
        *(*found)->reserved_until >= clock_.now()) {
        co_return false;
    }
    auto o = std::move(**found);
    actor by{"system", std::nullopt};
    std::optional<std::string> reason{"payment was not completed in time"};
    for (auto& s : o.sub_orders) {
        if (s.status != sub_order_status::pending_payment) {
            continue;
        }
        auto moved = co_await move(tx, o, s, sub_order_status::cancelled, by, reason, true);
        if (!moved) {
            co_return std::move(moved).error();
        }
    }
    auto settled = co_await settle(tx, o, by);
    if (!settled) {
        co_return std::move(settled).error();
    }
    co_return true;
}

core::task<core::result<std::optional<purchase>>> order_service::purchase_of(
    infra::db::transaction& tx, std::string user_id, std::string order_id, std::string product_id
) {
    co_return co_await repo_.purchase_of(
        tx, std::move(user_id), std::move(order_id), std::move(product_id)
    );
}

}  // namespace shopping
