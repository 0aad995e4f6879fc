#include "modules/identity/account_service.hpp"

#include <functional>

#include "core/ids.hpp"
#include "infra/bus/outbox.hpp"
#include "modules/identity/policy.hpp"
#include "modules/identity/secrets.hpp"

namespace identity {
namespace {

using core::errc;
using core::fail;

boost::json::array json_roles(const std::vector<std::string>& roles) {
    boost::json::array out;
    for (const auto& r : roles) {
        out.emplace_back(r);
    }
    return out;
}

}  // namespace

account_service::account_service(
    infra::db::database& db, const core::clock& clock, revocation_list& revoked
)
    : db_(db), clock_(clock), revoked_(revoked), users_(db), audit_(db, clock) {}

core::task<core::result<user>> account_service::profile(core::principal who) {
    auto found = co_await users_.find(std::move(who.user_id));
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::not_found, "no such user");
    }
    co_return std::move(**found);
}

core::task<core::result<user>> account_service::update_profile(
    core::principal who, profile_update update
) {
    auto body = std::bind_front(
        &account_service::update_profile_tx, this, std::move(who), std::move(update)
    );
    co_return co_await infra::db::transact(db_, std::move(body));
}

core::task<core::result<user>> account_service::update_profile_tx(
    core::principal who, profile_update update, infra::db::transaction& tx
) {
    boost::json::array changed;
    if (update.name) {
        changed.emplace_back("name");
    }
    if (update.locale_present) {
        changed.emplace_back("locale");
    }
    if (update.marketing_email || update.marketing_sms || update.marketing_push) {
        changed.emplace_back("marketing");
    }
    if (!changed.empty()) {
        auto updated =
            co_await users_.update_profile(tx, who.user_id, std::move(update), clock_.now());
        if (!updated) {
            co_return std::move(updated).error();
        }
        boost::json::object event{{"user_id", who.user_id}, {"changed", std::move(changed)}};
        auto appended =
            co_await infra::bus::append(tx, clock_, "user.updated", who.user_id, std::move(event));
        if (!appended) {
            co_return std::move(appended).error();
        }
    }
    auto found = co_await users_.find(tx, who.user_id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::not_found, "no such user");
    }
    co_return std::move(**found);
}

core::task<core::result<user>> account_service::set_status(
    core::principal admin, status_change change
) {
    if (!core::is_id(change.user_id, "usr")) {
        co_return fail(errc::not_found, "no such user");
    }
    if (change.user_id == admin.user_id && change.status == user_status::suspended) {
        co_return fail(errc::conflict, "you cannot suspend your own account");
    }
    auto user_id = change.user_id;
    auto status = change.status;
    auto body =
        std::bind_front(&account_service::set_status_tx, this, std::move(admin), std::move(change));
    auto out = co_await infra::db::transact(db_, std::move(body));
    if (!out) {
        co_return out;
    }
    if (status == user_status::suspended) {
        revoked_.suspend_user(user_id);
    } else {
        revoked_.reinstate_user(user_id);
    }
    co_return out;
}

core::task<core::result<user>> account_service::set_status_tx(
    core::principal admin, status_change change, infra::db::transaction& tx
) {
    auto now = clock_.now();
    auto changed = co_await users_.set_status(tx, change.user_id, change.status, now);
    if (!changed) {
        co_return std::move(changed).error();
    }
    if (*changed) {
        std::string type =
            change.status == user_status::suspended ? "user.suspended" : "user.reactivated";
        boost::json::object event{
            {"user_id", change.user_id}, {"status", to_string(change.status)}};
        auto appended =
            co_await infra::bus::append(tx, clock_, type, change.user_id, std::move(event));
        if (!appended) {
            co_return std::move(appended).error();
        }
        boost::json::object data{{"status", to_string(change.status)}};
        if (change.reason) {
            data["reason"] = *change.reason;
        }
        audit_entry entry{
            .type = type,
            .user_id = change.user_id,
            .actor_id = admin.user_id,
            .client = change.client,
            .data = std::move(data)};
        auto audited = co_await audit_.append(tx, std::move(entry));
        if (!audited) {
            co_return std::move(audited).error();
        }
    }
    auto found = co_await users_.find(tx, change.user_id);
    if (!found) {
        co_return std::move(found).error();
    }
    if (!*found) {
        co_return fail(errc::not_found, "no such user");
    }
    co_return std::move(**found);
}

core::task<core::result<page<audit_event>>> account_service::audit_events(audit_filter filter) {
    co_return co_await audit_.list(std::move(filter));
}

namespace {

core::error invalid_field(std::string pointer, std::string code, std::string message) {
    return core::error{
        errc::invalid,
        "1 field is invalid",
        {core::field_error{std::move(pointer), std::move(code), std::move(message)}}};
}

// The transaction of create_admin, as a member so that the transaction runner can call it again on
// retry.
class admin_creator {
public:
    admin_creator(infra::db::database& db, const core::clock& clock)
        : clock_(clock), users_(db), audit_(db, clock) {}

    core::task<core::result<admin_outcome>> run(
        admin_request request, std::optional<std::string> hash, infra::db::transaction& tx
    ) {
        auto now = clock_.now();
        auto existing = co_await users_.find_id_by_email(tx, request.email);
        if (!existing) {
            co_return std::move(existing).error();
        }
        admin_outcome out;
        if (*existing) {
            out.user_id = **existing;
        } else {
            if (!hash) {
                co_return invalid_field(
                    "/password", "required", "is required to create an account"
                );
            }
            out.user_id = core::new_id("usr", now);
            out.created = true;
            new_user fresh{
                .id = out.user_id,
                .email = request.email,
                .password_hash = std::move(hash),
                .name = request.name};
            auto inserted = co_await users_.insert(tx, std::move(fresh), now);
            if (!inserted) {
                co_return std::move(inserted).error();
            }
            boost::json::object event{
                {"user_id", out.user_id},
                {"email", request.email},
                {"name", request.name},
                {"roles", boost::json::array{}}};
            auto appended = co_await infra::bus::append(
                tx, clock_, "user.registered", out.user_id, std::move(event)
            );
            if (!appended) {
                co_return std::move(appended).error();
            }
            audit_entry entry{
                .type = "user.registered",
                .user_id = out.user_id,
                .data = {{"email", request.email}, {"by", "cli"}}};
            auto audited = co_await audit_.append(tx, std::move(entry));
            if (!audited) {
                co_return std::move(audited).error();
            }
        }
        auto granted = co_await users_.grant_role(tx, out.user_id, std::string(role::admin), now);
        if (!granted) {
            co_return std::move(granted).error();
        }
        out.granted = *granted;
        if (out.granted) {
            auto account = co_await users_.find(tx, out.user_id);
            if (!account) {
                co_return std::move(account).error();
            }
            auto roles = *account ? json_roles((*account)->roles) : boost::json::array{};
            boost::json::object event{
                {"user_id", out.user_id},
                {"role", role::admin},
                {"change", "granted"},
                {"roles", std::move(roles)}};
            auto appended = co_await infra::bus::append(
                tx, clock_, "user.role_changed", out.user_id, std::move(event)
            );
            if (!appended) {
                co_return std::move(appended).error();
            }
            audit_entry entry{
                .type = "user.role_granted",
                .user_id = out.user_id,
                .data = {{"role", role::admin}, {"by", "cli"}}};
            auto audited = co_await audit_.append(tx, std::move(entry));
            if (!audited) {
                co_return std::move(audited).error();
            }
        }
        co_return out;
    }

private:
    const core::clock& clock_;
    user_repo users_;
    audit_repo audit_;
};

}  // namespace

core::task<core::result<admin_outcome>> create_admin(
    infra::db::database& db,
    core::worker_pool& workers,
    const core::clock& clock,
    admin_request request
) {
    request.email = policy::normalise_email(request.email);
    if (auto bad = policy::check_email(request.email)) {
        co_return invalid_field("/email", bad->code, bad->message);
    }
    if (auto bad = policy::check_name(request.name)) {
        co_return invalid_field("/name", bad->code, bad->message);
    }
    user_repo users{db};
    auto existing = co_await users.find_credentials_by_email(request.email);
    if (!existing) {
        co_return std::move(existing).error();
    }
    std::optional<std::string> hash;
    if (!*existing && request.password) {
        if (auto bad = policy::check_password(*request.password, request.email)) {
            co_return invalid_field("/password", bad->code, bad->message);
        }
        auto job = [password = *request.password] { return secrets::hash_password(password); };
        auto made = co_await workers.run(std::move(job));
        if (!made) {
            co_return std::move(made).error();
        }
        hash = std::move(*made);
    }
    request.password.reset();
    admin_creator creator{db, clock};
    auto body = std::bind_front(&admin_creator::run, &creator, std::move(request), std::move(hash));
    co_return co_await infra::db::transact(db, std::move(body));
}

}  // namespace identity
