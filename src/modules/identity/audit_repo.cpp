#include "modules/identity/audit_repo.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/ids.hpp"

namespace identity {
namespace {

constexpr std::string_view insert_sql =
    "INSERT INTO audit_events (id, type, user_id, actor_id, ip, user_agent, data, created_at_ms)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

infra::db::params insert_params(audit_entry e, core::time_point now) {
    std::optional<std::string> ip;
    std::optional<std::string> agent;
    if (e.client) {
        ip = std::move(e.client->ip);
        agent = std::move(e.client->user_agent);
    }
    return infra::db::params{
        core::new_id("aud", now),       std::move(e.type), e.user_id, e.actor_id, ip, agent,
        boost::json::serialize(e.data), to_ms(now)};
}

}  // namespace

core::task<core::result<void>> audit_repo::append(infra::db::transaction& tx, audit_entry e) {
    auto args = insert_params(std::move(e), clock_.now());
    auto done = co_await tx.run(std::string{insert_sql}, std::move(args));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<void>> audit_repo::append(audit_entry e) {
    auto args = insert_params(std::move(e), clock_.now());
    auto done = co_await db_.write(std::string{insert_sql}, std::move(args));
    if (!done) {
        co_return std::move(done).error();
    }
    co_return core::ok();
}

core::task<core::result<page<audit_event>>> audit_repo::list(audit_filter f) {
    std::string sql =
        "SELECT id, type, user_id, actor_id, ip, user_agent, data, created_at_ms FROM audit_events";
    infra::db::params args;
    auto where = [&](std::string_view condition, infra::db::param value) {
        args.push_back(std::move(value));
        sql += args.size() == 1 ? " WHERE " : " AND ";
        sql += std::string{condition} + " $" + std::to_string(args.size());
    };
    if (f.type) {
        where("type =", *f.type);
    }
    if (f.user_id) {
        where("user_id =", *f.user_id);
    }
    if (f.since) {
        where("created_at_ms >=", to_ms(*f.since));
    }
    if (f.before_id) {
        where("id <", *f.before_id);
    }
    sql += " ORDER BY id DESC LIMIT " + std::to_string(f.limit + 1);
    auto rows = co_await db_.read(std::move(sql), std::move(args));
    if (!rows) {
        co_return std::move(rows).error();
    }
    page<audit_event> out;
    for (auto r : *rows) {
        if (static_cast<int>(out.items.size()) == f.limit) {
            out.next_cursor = core::encode_cursor(out.items.back().id);
            break;
        }
        boost::system::error_code ec;
        auto data = boost::json::parse(r.get<std::string>(6), ec);
        out.items.push_back(audit_event{
            .id = r.get<std::string>(0),
            .type = r.get<std::string>(1),
            .user_id = r.get<std::optional<std::string>>(2),
            .actor_id = r.get<std::optional<std::string>>(3),
            .ip = r.get<std::optional<std::string>>(4),
            .user_agent = r.get<std::optional<std::string>>(5),
            .data = !ec && data.is_object() ? data.as_object() : boost::json::object{},
            .created_at = from_ms(r.get<std::int64_t>(7)),
        });
    }
    co_return out;
}

}  // namespace identity
