#include "modules/vendor/store_service.hpp"

#include <functional>

#include "core/ids.hpp"
#include "core/slug.hpp"

namespace vendor {
namespace {

using core::errc;
using core::fail;

constexpr std::string_view vendor_role = "vendor";

// Longest generated handle base: room for a -n suffix.
constexpr std::size_t generated_handle_length = limits::handle - 8;

core::error field_conflict(std::string pointer, std::string message) {
    auto detail = pointer.substr(1) + " " + message;
    return core::error{errc::conflict, std::move(detail), {{std::move(pointer), "taken", message}}};
}

std::string state_name(store_status s) {
    switch (s) {
        case store_status::pending:
            return "pending approval";
        case store_status::active:
            return "active";
        case store_status::rejected:
            return "rejected";
        case store_status::suspended:
            return "suspended";
    }
    return "unknown";
}

bool allowed(store_access need, store_status s) {
    switch (need) {
        case store_access::any_status:
            return true;
        case store_access::editable:
            return s == store_status::pending || s == store_status::active;
        case store_access::active:
            return s == store_status::active;
    }
    return false;
}

std::string_view event_of(store_status target) {
    switch (target) {
        case store_status::active:
            return events::vendor_approved;
        case store_status::rejected:
            return events::vendor_rejected;
        case store_status::suspended:
            return events::vendor_suspended;
        case store_status::pending:
            break;
    }
    return events::vendor_updated;
}

}  // namespace

store_service::store_service(
    infra::db::database& db,
    const core::clock& clock,
    infra::bus::dispatcher& events,
    identity::directory& directory
)
    : db_(db), clock_(clock), events_(events), directory_(directory) {}

core::task<core::result<membership>> store_service::require(
    infra::db::transaction& tx, std::string user_id, store_access need, bool owner_only
) {
    auto m = co_await repo_.membership_of(tx, std::move(user_id));
    if (!m) {
        co_return std::move(m).error();
    }
    if (!*m) {
        co_return fail(errc::forbidden, "you do not work for a store");
    }
    if (!allowed(need, (*m)->status)) {
        co_return fail(errc::forbidden, "the store is " + state_name((*m)->status));
    }
    if (owner_only && (*m)->role != member_role::owner) {
        co_return fail(errc::forbidden, "only the store's owner may do this");
    }
    co_return std::move(**m);
}

core::task<core::result<store>> store_service::apply(core::principal who, application a) {
    auto body = std::bind_front(&store_service::apply_tx, this, std::move(who), std::move(a));
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<store>> store_service::apply_tx(
    core::principal who, application a, infra::db::transaction& tx
) {
    auto existing = co_await repo_.membership_of(tx, who.user_id);
    if (!existing) {
        co_return std::move(existing).error();
    }
    if (*existing) {
        const auto& m = **existing;
        if (m.role != member_role::owner || m.status != store_status::rejected) {
            co_return fail(
                errc::conflict, m.role == member_role::owner
                                    ? "you have a store already (" + state_name(m.status) + ")"
                                    : "you work for a store already"
            );
        }
        // A rejected application stays on record; its owner starts afresh.
        auto left = co_await repo_.remove_member(tx, m.member_id);
        if (!left) {
            co_return std::move(left).error();
        }
    }
    if (!a.contact_email) {
        auto contact = co_await directory_.contact(tx, who.user_id);
        if (!contact) {
            co_return std::move(contact).error();
        }
        if (*contact) {
            a.contact_email = (*contact)->email;
        }
    }
    auto handle = co_await free_handle(tx, a.name);
    if (!handle) {
        co_return std::move(handle).error();
    }
    auto now = clock_.now();
    store s{
        .id = core::new_id("vnd", now),
        .handle = std::move(*handle),
        .name = std::move(a.name),
        .legal_name = std::move(a.legal_name),
        .contact_email = std::move(a.contact_email),
        .contact_phone = std::move(a.contact_phone),
        .description = std::move(a.description),
        .status = store_status::pending,
        .pickup = std::move(a.pickup),
        .payout = std::move(a.payout),
        .owner_id = who.user_id,
        .created_at = now,
        .updated_at = now};
    auto inserted = co_await repo_.insert(tx, s);
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    member owner{
        .id = core::new_id("mbr", now),
        .vendor_id = s.id,
        .user_id = who.user_id,
        .role = member_role::owner,
        .invited_at = now,
        .accepted_at = now,
        .created_at = now,
        .updated_at = now};
    auto joined = co_await repo_.insert_member(tx, owner);
    if (!joined) {
        co_return std::move(joined).error();
    }
    boost::json::object data{{"vendor_id", s.id}, {"status", "pending"}, {"user_id", who.user_id}};
    auto appended = co_await append(tx, events::vendor_applied, s.id, std::move(data));
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return s;
}

core::task<core::result<store>> store_service::mine(core::principal who) {
    auto body = std::bind_front(&store_service::mine_tx, this, std::move(who));
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<store>> store_service::mine_tx(
    core::principal who, infra::db::transaction& tx
) {
    auto m = co_await repo_.membership_of(tx, who.user_id);
    if (!m) {
        co_return std::move(m).error();
    }
    if (!*m) {
        co_return fail(errc::not_found, "you have no store");
    }
    auto s = co_await repo_.find(tx, (*m)->vendor_id);
    if (!s) {
        co_return std::move(s).error();
    }
    if (!*s) {
        co_return fail(errc::not_found, "you have no store");
    }
    co_return std::move(**s);
}

core::task<core::result<store>> store_service::update_mine(core::principal who, store_patch p) {
    auto body = std::bind_front(&store_service::update_tx, this, std::move(who), std::move(p));
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<store>> store_service::update_tx(
    core::principal who, store_patch p, infra::db::transaction& tx
) {
    // Like GET /vendor/store, a caller without a store has nothing to edit (404).
    auto has = co_await repo_.membership_of(tx, who.user_id);
    if (!has) {
        co_return std::move(has).error();
    }
    if (!*has) {
        co_return fail(errc::not_found, "you have no store");
    }
    auto m = co_await require(tx, who.user_id, store_access::editable, true);
    if (!m) {
        co_return std::move(m).error();
    }
    auto found = co_await repo_.find(tx, m->vendor_id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::not_found, "you have no store");
    }
    auto s = std::move(**found);
    if (p.empty()) {
        co_return s;
    }
    if (p.handle && *p.handle != s.handle) {
        auto taken = co_await repo_.handle_taken(tx, *p.handle, s.id);
        if (!taken) {
            co_return std::move(taken).error();
        }
        if (*taken) {
            co_return field_conflict("/handle", "is taken");
        }
        s.handle = *p.handle;
    }
    if (p.name) {
        s.name = *p.name;
    }
    auto apply = [](std::optional<std::string>& field, core::json::patch<std::string>& change) {
        if (change.present) {
            field = std::move(change.value);
        }
    };
    apply(s.legal_name, p.legal_name);
    apply(s.contact_email, p.contact_email);
    apply(s.contact_phone, p.contact_phone);
    apply(s.description, p.description);
    apply(s.logo_url, p.logo_url);
    if (p.pickup) {
        s.pickup = std::move(*p.pickup);
    }
    if (p.payout.present) {
        s.payout = std::move(p.payout.value);
    }
    s.updated_at = clock_.now();
    auto saved = co_await repo_.update_profile(tx, s);
    if (!saved) {
        co_return std::move(saved).error();
    }
    boost::json::object data{{"vendor_id", s.id}, {"status", to_string(s.status)}};
    auto appended = co_await append(tx, events::vendor_updated, s.id, std::move(data));
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return s;
}

core::task<core::result<page<store>>> store_service::list(
    std::optional<store_status> status, std::optional<std::string> before_id, int limit
) {
    auto tx = co_await db_.begin(infra::db::tx_mode::read);
    if (!tx) {
        co_return std::move(tx).error();
    }
    auto rows = co_await repo_.page(**tx, status, std::move(before_id), limit + 1);
    (void)co_await (*tx)->rollback();
    if (!rows) {
        co_return std::move(rows).error();
    }
    page<store> out;
    out.items = std::move(*rows);
    if (out.items.size() > static_cast<std::size_t>(limit)) {
        out.items.resize(static_cast<std::size_t>(limit));
        out.next_cursor = core::encode_cursor(out.items.back().id);
    }
    co_return out;
}

core::task<core::result<store>> store_service::get(std::string id) {
    if (!core::is_id(id, "vnd")) {
        co_return fail(errc::not_found, "no such vendor");
    }
    auto tx = co_await db_.begin(infra::db::tx_mode::read);
    if (!tx) {
        co_return std::move(tx).error();
    }
    auto found = co_await repo_.find(**tx, std::move(id));
    (void)co_await (*tx)->rollback();
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::not_found, "no such vendor");
    }
    co_return std::move(**found);
}

core::task<core::result<store>> store_service::approve(core::principal admin, std::string id) {
    co_return co_await transition(
        std::move(admin), std::move(id), store_status::active, std::nullopt
    );
}

core::task<core::result<store>> store_service::reject(
    core::principal admin, std::string id, std::string reason
) {
    co_return co_await transition(
        std::move(admin), std::move(id), store_status::rejected, std::move(reason)
    );
}

core::task<core::result<store>> store_service::suspend(
    core::principal admin, std::string id, std::string reason
) {
    co_return co_await transition(
        std::move(admin), std::move(id), store_status::suspended, std::move(reason)
    );
}

core::task<core::result<store>> store_service::transition(
    core::principal admin, std::string id, store_status target, std::optional<std::string> reason
) {
    if (!core::is_id(id, "vnd")) {
        co_return fail(errc::not_found, "no such vendor");
    }
    auto body = std::bind_front(
        &store_service::transition_tx, this, std::move(admin), std::move(id), target,
        std::move(reason)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<store>> store_service::transition_tx(
    core::principal admin,
    std::string id,
    store_status target,
    std::optional<std::string> reason,
    infra::db::transaction& tx
) {
    auto found = co_await repo_.find(tx, id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::not_found, "no such vendor");
    }
    auto s = std::move(**found);
    bool legal = false;
    switch (target) {
        case store_status::active:
            legal = s.status == store_status::pending || s.status == store_status::suspended;
            break;
        case store_status::rejected:
            legal = s.status == store_status::pending;
            break;
        case store_status::suspended:
            legal = s.status == store_status::active;
            break;
        case store_status::pending:
            break;
    }
    if (!legal) {
        co_return fail(
            errc::conflict, "the vendor is " + std::string{to_string(s.status)} +
                                ": it cannot be " +
                                (target == store_status::active     ? "approved"
                                 : target == store_status::rejected ? "rejected"
                                                                    : "suspended")
        );
    }
    auto now = clock_.now();
    auto changed = co_await repo_.set_status(tx, s.id, target, reason, now);
    if (!changed) {
        co_return std::move(changed).error();
    }
    if (target == store_status::active) {
        auto granted = co_await directory_.grant_role(tx, s.owner_id, vendor_role, admin.user_id);
        if (!granted) {
            if (granted.error().code == errc::not_found) {
                co_return fail(errc::conflict, "the owner's account no longer exists");
            }
            co_return std::move(granted).error();
        }
    }
    s.status = target;
    s.status_reason = reason;
    s.updated_at = now;
    boost::json::object data{
        {"vendor_id", s.id}, {"status", to_string(target)}, {"user_id", s.owner_id}};
    if (reason) {
        data["reason"] = *reason;
    }
    auto appended = co_await append(tx, event_of(target), s.id, std::move(data));
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return s;
}

core::task<core::result<member>> store_service::invite(core::principal owner, invitation inv) {
    auto body = std::bind_front(&store_service::invite_tx, this, std::move(owner), std::move(inv));
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<member>> store_service::invite_tx(
    core::principal owner, invitation inv, infra::db::transaction& tx
) {
    auto m = co_await require(tx, owner.user_id, store_access::active, true);
    if (!m) {
        co_return std::move(m).error();
    }
    auto invitee = co_await directory_.find_by_email(tx, inv.email);
    if (!invitee) {
        co_return std::move(invitee).error();
    }
    if (!*invitee) {
        co_return core::error{
            errc::invalid,
            "1 field is invalid",
            {{"/email", "not_found", "has no account: ask them to sign up first"}}};
    }
    auto& who = **invitee;
    auto theirs = co_await repo_.membership_of(tx, who.id);
    if (!theirs) {
        co_return std::move(theirs).error();
    }
    if (*theirs) {
        co_return fail(
            errc::conflict, (*theirs)->vendor_id == m->vendor_id
                                ? "they are a member of this store already"
                                : "they work for another store"
        );
    }
    auto now = clock_.now();
    // The invitation takes effect at once; accepting it is a later consent step.
    member made{
        .id = core::new_id("mbr", now),
        .vendor_id = m->vendor_id,
        .user_id = who.id,
        .role = member_role::staff,
        .invited_by = owner.user_id,
        .invited_at = now,
        .accepted_at = now,
        .created_at = now,
        .updated_at = now,
        .name = who.name,
        .email = who.email};
    auto inserted = co_await repo_.insert_member(tx, made);
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    auto granted = co_await directory_.grant_role(tx, who.id, vendor_role, owner.user_id);
    if (!granted) {
        co_return std::move(granted).error();
    }
    boost::json::object data{
        {"vendor_id", made.vendor_id}, {"member_id", made.id}, {"user_id", made.user_id}};
    auto appended = co_await append(tx, events::member_added, made.vendor_id, std::move(data));
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return made;
}

core::task<core::result<page<member>>> store_service::members(
    core::principal who, std::optional<std::string> after_id, int limit
) {
    auto body = std::bind_front(
        &store_service::members_tx, this, std::move(who), std::move(after_id), limit
    );
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<page<member>>> store_service::members_tx(
    core::principal who, std::optional<std::string> after_id, int limit, infra::db::transaction& tx
) {
    auto m = co_await require(tx, who.user_id, store_access::active, false);
    if (!m) {
        co_return std::move(m).error();
    }
    auto rows = co_await repo_.members(tx, m->vendor_id, std::move(after_id), limit + 1);
    if (!rows) {
        co_return std::move(rows).error();
    }
    page<member> out;
    out.items = std::move(*rows);
    if (out.items.size() > static_cast<std::size_t>(limit)) {
        out.items.resize(static_cast<std::size_t>(limit));
        out.next_cursor = core::encode_cursor(out.items.back().id);
    }
    // A page holds at most 100 members: one lookup each is bounded.
    for (auto& item : out.items) {
        auto contact = co_await directory_.contact(tx, item.user_id);
        if (!contact) {
            co_return std::move(contact).error();
        }
        if (*contact) {
            item.name = (*contact)->name;
            item.email = (*contact)->email;
        }
    }
    co_return out;
}

core::task<core::result<void>> store_service::remove_member(
    core::principal owner, std::string member_id
) {
    if (!core::is_id(member_id, "mbr")) {
        co_return fail(errc::not_found, "no such member");
    }
    auto body = std::bind_front(
        &store_service::remove_member_tx, this, std::move(owner), std::move(member_id)
    );
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (out) {
        events_.notify();
    }
    co_return out;
}

core::task<core::result<void>> store_service::remove_member_tx(
    core::principal owner, std::string member_id, infra::db::transaction& tx
) {
    auto m = co_await require(tx, owner.user_id, store_access::active, true);
    if (!m) {
        co_return std::move(m).error();
    }
    auto found = co_await repo_.find_member(tx, m->vendor_id, member_id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::not_found, "no such member");
    }
    if ((*found)->role == member_role::owner) {
        co_return fail(errc::conflict, "the owner cannot be removed from the store");
    }
    auto removed = co_await repo_.remove_member(tx, member_id);
    if (!removed) {
        co_return std::move(removed).error();
    }
    auto revoked =
        co_await directory_.revoke_role(tx, (*found)->user_id, vendor_role, owner.user_id);
    if (!revoked) {
        co_return std::move(revoked).error();
    }
    boost::json::object data{
        {"vendor_id", m->vendor_id}, {"member_id", member_id}, {"user_id", (*found)->user_id}};
    co_return co_await append(tx, events::member_removed, m->vendor_id, std::move(data));
}

core::task<core::result<std::string>> store_service::free_handle(
    infra::db::transaction& tx, std::string name
) {
    auto base = core::slugify(name, generated_handle_length);
    if (base.empty()) {
        base = "store";
    }
    auto taken = co_await repo_.handles_like(tx, base);
    if (!taken) {
        co_return std::move(taken).error();
    }
    co_return core::first_free_handle(base, *taken, limits::handle);
}

core::task<core::result<void>> store_service::append(
    infra::db::transaction& tx,
    std::string_view type,
    std::string aggregate_id,
    boost::json::object data
) {
    auto appended = co_await infra::bus::append(
        tx, clock_, std::string{type}, std::move(aggregate_id), std::move(data)
    );
    if (!appended) {
        co_return std::move(appended).error();
    }
    co_return core::ok();
}

}  // namespace vendor
