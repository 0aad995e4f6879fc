#include "modules/identity/directory_service.hpp"

#include "modules/identity/model.hpp"
#include "modules/identity/policy.hpp"

namespace identity {
namespace {

bool is_role(std::string_view r) {
    return r == role::customer || r == role::vendor || r == role::courier || r == role::admin;
}

}  // namespace

core::task<core::result<void>> directory_service::grant_role(
    infra::db::transaction& tx, std::string user_id, std::string_view role, std::string actor_id
) {
    if (!is_role(role)) {
        co_return core::fail(core::errc::invalid, "unknown role " + std::string{role});
    }
    auto target = co_await users_.find(tx, user_id);
    if (!target) {
        co_return std::move(target).error();
    }
    if (!*target) {
        co_return core::fail(core::errc::not_found, "no such user");
    }
    auto granted = co_await users_.grant_role(tx, user_id, std::string{role}, clock_.now());
    if (!granted) {
        co_return std::move(granted).error();
    }
    if (!*granted) {
        co_return core::ok();
    }
    audit_entry entry{
        .type = "role.granted",
        .user_id = user_id,
        .actor_id = std::move(actor_id),
        .data = {{"role", role}},
    };
    co_return co_await audit_.append(tx, std::move(entry));
}

core::task<core::result<void>> directory_service::revoke_role(
    infra::db::transaction& tx, std::string user_id, std::string_view role, std::string actor_id
) {
    auto revoked = co_await users_.revoke_role(tx, user_id, std::string{role});
    if (!revoked) {
        co_return std::move(revoked).error();
    }
    if (!*revoked) {
        co_return core::ok();
    }
    audit_entry entry{
        .type = "role.revoked",
        .user_id = user_id,
        .actor_id = std::move(actor_id),
        .data = {{"role", role}},
    };
    co_return co_await audit_.append(tx, std::move(entry));
}

core::task<core::result<std::optional<user_contact>>> directory_service::contact(
    infra::db::transaction& tx, std::string user_id
) {
    auto found = co_await users_.find(tx, std::move(user_id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return std::optional<user_contact>{};
    }
    auto& u = **found;
    co_return user_contact{.id = u.id, .name = u.name, .email = u.email, .phone = u.phone};
}

core::task<core::result<std::optional<user_contact>>> directory_service::find_by_email(
    infra::db::transaction& tx, std::string email
) {
    auto id = co_await users_.find_id_by_email(tx, policy::normalise_email(email));
    if (!id) {
        co_return std::move(id).error();
    }
    if (!*id) {
        co_return std::optional<user_contact>{};
    }
    co_return co_await contact(tx, std::move(**id));
}

}  // namespace identity
