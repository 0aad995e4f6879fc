// Accounts for tests and the table-driven role x route check every module reuses: sign up users of
// each role on a running server, then call each route as each of them and assert who gets in.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "infra/db/database.hpp"
#include "support/trader.hpp"

namespace core {
class worker_pool;
}

namespace test {

// Settings for a server that sees many sign-ins from 127.0.0.1 (every test client): the per-address
// throttle would otherwise answer 429 part-way through a suite.
std::map<std::string, std::string> many_sign_ins_env();

// Direct access to a running server's database, as an operator's tool would have. Throws on errors.
class server_db {
public:
    explicit server_db(const trader_process& server);
    ~server_db();
    server_db(const server_db&) = delete;
    server_db& operator=(const server_db&) = delete;

    infra::db::rows query(const std::string& sql, infra::db::params args = {});
    std::int64_t count(const std::string& sql, infra::db::params args = {});
    void execute(const std::string& sql, infra::db::params args = {});

    // The `token` of the newest notification with `template_name` sent to `recipient` (the
    // notification log sender records what would have been emailed); throws when there is none.
    std::string latest_token(const std::string& recipient, const std::string& template_name);

private:
    std::unique_ptr<core::worker_pool> pool_;
    std::unique_ptr<infra::db::database> db_;
};

// A unique, valid email address for a test user: <hint>-<n>-<random>@example.test.
std::string unique_email(const std::string& hint);

// A password that meets the policy.
inline const std::string test_password = "Correct-Horse-42";

struct test_user {
    std::string id;
    std::string email;
    std::string password;
    std::string access_token;
    std::string refresh_token;
    std::string session_id;  // the session of access_token
};

// POST /api/v1/auth/register; fails the test (and throws) unless it answers 201.
test_user register_user(
    http_client& http, const std::string& email_hint, const std::string& name = "Test User"
);
// POST /api/v1/auth/login for an existing user; fails the test (and throws) unless it answers 200.
test_user login(
    http_client& http, const std::string& email, const std::string& password = test_password
);
// {"Authorization": "Bearer <token>"}
std::map<std::string, std::string> bearer(const std::string& access_token);

// Who calls a route in a role x route check.
enum class caller { anonymous, customer, other_customer, vendor, courier, admin };
std::string to_string(caller c);
inline const std::vector<caller> every_caller{caller::anonymous,      caller::customer,
                                              caller::other_customer, caller::vendor,
                                              caller::courier,        caller::admin};
inline const std::set<caller> signed_in_callers{
    caller::customer, caller::other_customer, caller::vendor, caller::courier, caller::admin};

// One signed-in user per caller kind, each with exactly one role: customers register; vendor and
// courier register and get their role by a direct database change (their approval flows belong to
// later modules); the admin is made by `trader create-admin`.
class principals {
public:
    static principals create(trader_process& server);

    const test_user& user(caller c) const;
    // The Authorization header of the caller; none for anonymous.
    std::map<std::string, std::string> headers(caller c) const;

private:
    std::map<caller, test_user> users_;
};

// One row of a role x route table.
struct route_check {
    std::string method;
    std::string path;
    std::string body;  // sent as application/json when not empty
    std::set<caller> allowed;
    // The answer for signed-in callers not in `allowed`: 403 (role refused) or 404 (not theirs).
    // Anonymous callers not in `allowed` always get 401.
    int denied = 403;
    // The answer for allowed callers; 0 = anything but 401, 403 and `denied`.
    int allowed_status = 0;
};

// Calls every row as every caller, refused callers first (so calls that change state come last),
// and asserts the statuses and that every refusal is a problem+json.
void check_routes(
    trader_process& server, const principals& who, const std::vector<route_check>& table
);

}  // namespace test
