#include "modules/customer/address_service.hpp"

#include <functional>

#include "core/ids.hpp"

namespace customer {
namespace {

using core::errc;
using core::fail;

core::error no_such_address() { return core::error{errc::not_found, "no such address"}; }

}  // namespace

core::task<core::result<std::vector<address>>> address_service::list(core::principal who) {
    auto body = std::bind_front(&address_service::list_tx, this, std::move(who));
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<std::vector<address>>> address_service::list_tx(
    core::principal who, infra::db::transaction& tx
) {
    co_return co_await repo_.list(tx, who.user_id);
}

core::task<core::result<address>> address_service::get(core::principal who, std::string id) {
    if (!core::is_id(id, "addr")) {
        co_return no_such_address();
    }
    auto body = std::bind_front(&address_service::get_tx, this, std::move(who), std::move(id));
    co_return co_await infra::db::transact(db_, std::move(body), infra::db::tx_mode::read);
}

core::task<core::result<address>> address_service::get_tx(
    core::principal who, std::string id, infra::db::transaction& tx
) {
    auto found = co_await repo_.find(tx, who.user_id, std::move(id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return no_such_address();
    }
    co_return std::move(**found);
}

core::task<core::result<address>> address_service::create(core::principal who, address_input in) {
    auto body = std::bind_front(&address_service::create_tx, this, std::move(who), std::move(in));
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<address>> address_service::create_tx(
    core::principal who, address_input in, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto locked = co_await customers_.lock(tx, who.user_id, now);
    if (!locked) {
        co_return std::move(locked).error();
    }
    auto count = co_await repo_.count(tx, who.user_id);
    if (!count) {
        co_return std::move(count).error();
    }
    if (*count >= static_cast<std::int64_t>(limits::addresses)) {
        co_return fail(
            errc::conflict, "you have " + std::to_string(limits::addresses) +
                                " addresses already: delete one before adding another"
        );
    }
    address a{
        .id = core::new_id("addr", now),
        .user_id = who.user_id,
        .label = std::move(in.label),
        .name = std::move(in.name),
        .line1 = std::move(in.line1),
        .line2 = std::move(in.line2),
        .city = std::move(in.city),
        .postal_code = std::move(in.postal_code),
        .country = std::move(in.country),
        .phone = std::move(in.phone),
        .location = in.location,
        .is_default = false,
        .created_at = now,
        .updated_at = now};
    auto inserted = co_await repo_.insert(tx, a);
    if (!inserted) {
        co_return std::move(inserted).error();
    }
    if (*count == 0 || in.is_default) {
        auto moved = co_await repo_.set_default(tx, who.user_id, a.id, now);
        if (!moved) {
            co_return std::move(moved).error();
        }
        a.is_default = true;
    }
    co_return a;
}

core::task<core::result<address>> address_service::update(
    core::principal who, std::string id, address_patch p
) {
    if (!core::is_id(id, "addr")) {
        co_return no_such_address();
    }
    auto body = std::bind_front(
        &address_service::update_tx, this, std::move(who), std::move(id), std::move(p)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<address>> address_service::update_tx(
    core::principal who, std::string id, address_patch p, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto locked = co_await customers_.lock(tx, who.user_id, now);
    if (!locked) {
        co_return std::move(locked).error();
    }
    auto found = co_await repo_.find(tx, who.user_id, std::move(id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return no_such_address();
    }
    auto a = std::move(**found);
    if (p.label) {
        a.label = std::move(*p.label);
    }
    if (p.name) {
        a.name = std::move(*p.name);
    }
    if (p.line1) {
        a.line1 = std::move(*p.line1);
    }
    if (p.line2.present) {
        a.line2 = std::move(p.line2.value);
    }
    if (p.city) {
        a.city = std::move(*p.city);
    }
    if (p.postal_code.present) {
        a.postal_code = std::move(p.postal_code.value);
    }
    if (p.country) {
        a.country = std::move(*p.country);
    }
    if (p.phone.present) {
        a.phone = std::move(p.phone.value);
    }
    if (p.location) {
        a.location = *p.location;
    }
    a.updated_at = now;
    auto saved = co_await repo_.update(tx, a);
    if (!saved) {
        co_return std::move(saved).error();
    }
    if (p.is_default.value_or(false) && !a.is_default) {
        auto moved = co_await repo_.set_default(tx, who.user_id, a.id, now);
        if (!moved) {
            co_return std::move(moved).error();
        }
        a.is_default = true;
    }
    co_return a;
}

core::task<core::result<void>> address_service::remove(core::principal who, std::string id) {
    if (!core::is_id(id, "addr")) {
        co_return no_such_address();
    }
    auto body = std::bind_front(&address_service::remove_tx, this, std::move(who), std::move(id));
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<void>> address_service::remove_tx(
    core::principal who, std::string id, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto locked = co_await customers_.lock(tx, who.user_id, now);
    if (!locked) {
        co_return std::move(locked).error();
    }
    auto found = co_await repo_.find(tx, who.user_id, id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return no_such_address();
    }
    auto removed = co_await repo_.remove(tx, id);
    if (!removed) {
        co_return removed;
    }
    if (!(*found)->is_default) {
        co_return core::ok();
    }
    auto next = co_await repo_.newest(tx, who.user_id);
    if (!next) {
        co_return std::move(next).error();
    }
    if (!*next) {
        co_return core::ok();  // that was the last address
    }
    co_return co_await repo_.set_default(tx, who.user_id, **next, now);
}

}  // namespace customer
