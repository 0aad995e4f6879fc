#include "modules/identity/seed.hpp"

#include <algorithm>

#include "modules/identity/model.hpp"

namespace identity::seed {
namespace {

constexpr std::size_t rows_per_statement = 100;

}  // namespace

core::task<core::result<void>> insert_accounts(
    infra::db::transaction& tx,
    std::vector<account> accounts,
    std::string password_hash,
    std::vector<std::string> roles,
    core::time_point now
) {
    auto ms = to_ms(now);
    for (std::size_t start = 0; start < accounts.size(); start += rows_per_statement) {
        auto end = std::min(accounts.size(), start + rows_per_statement);
        std::string users_sql =
            "INSERT INTO users (id, email, email_verified_at_ms, password_hash, name, status, "
            "created_at_ms, updated_at_ms) VALUES ";
        infra::db::params users;
        std::string roles_sql =
            "INSERT INTO user_roles (user_id, role, status, created_at_ms, updated_at_ms) VALUES ";
        infra::db::params role_rows;
        for (auto i = start; i < end; ++i) {
            auto n = users.size();
            users_sql += (i == start ? "($" : ", ($") + std::to_string(n + 1) + ", $" +
                         std::to_string(n + 2) + ", $" + std::to_string(n + 3) + ", $" +
                         std::to_string(n + 4) + ", $" + std::to_string(n + 5) + ", 'active', $" +
                         std::to_string(n + 3) + ", $" + std::to_string(n + 3) + ")";
            users.emplace_back(accounts[i].id);
            users.emplace_back(std::move(accounts[i].email));
            users.emplace_back(ms);
            users.emplace_back(password_hash);
            users.emplace_back(std::move(accounts[i].name));
            for (const auto& role : roles) {
                auto k = role_rows.size();
                roles_sql += (k == 0 ? "($" : ", ($") + std::to_string(k + 1) + ", $" +
                             std::to_string(k + 2) + ", 'active', $" + std::to_string(k + 3) +
                             ", $" + std::to_string(k + 3) + ")";
                role_rows.emplace_back(accounts[i].id);
                role_rows.emplace_back(role);
                role_rows.emplace_back(ms);
            }
        }
        auto inserted = co_await tx.run(std::move(users_sql), std::move(users));
        if (!inserted) {
            co_return std::move(inserted).error();
        }
        if (!role_rows.empty()) {
            auto granted = co_await tx.run(std::move(roles_sql), std::move(role_rows));
            if (!granted) {
                co_return std::move(granted).error();
            }
        }
    }
    co_return core::ok();
}

}  // namespace identity::seed
