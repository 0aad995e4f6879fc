#include "support/roles.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <random>
#include <stdexcept>

#include "app/config.hpp"
#include "app/runtime.hpp"
#include "core/worker_pool.hpp"

namespace test {
namespace {

std::string text(const boost::json::value& v, const char* key) {
    const auto* o = v.if_object();
    const auto* field = o != nullptr ? o->if_contains(key) : nullptr;
    if (field == nullptr || !field->is_string()) {
        throw std::runtime_error(
            std::string{"response has no string field "} + key + ": " + boost::json::serialize(v)
        );
    }
    return std::string{field->as_string()};
}

// The `sid` claim of an access token (the payload is read, not verified: the server issued it).
std::string session_of(const std::string& access_token) {
    auto first = access_token.find('.');
    auto second = access_token.find('.', first + 1);
    std::string payload = access_token.substr(first + 1, second - first - 1);
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string json;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : payload) {
        acc = (acc << 6U) | static_cast<std::uint32_t>(alphabet.find(c));
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            json.push_back(static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    return text(boost::json::parse(json), "sid");
}

test_user signed_in_from(const http_response& r, std::string email, std::string password) {
    auto body = r.json();
    test_user u;
    u.id = text(body.at("user"), "id");
    u.email = std::move(email);
    u.password = std::move(password);
    u.access_token = text(body, "access_token");
    u.refresh_token = text(body, "refresh_token");
    u.session_id = session_of(u.access_token);
    return u;
}

}  // namespace

std::map<std::string, std::string> many_sign_ins_env() {
    return {{"TRADER_AUTH_ADDRESS_BURST", "100000"}, {"TRADER_AUTH_ADDRESS_INTERVAL", "1ms"}};
}

server_db::server_db(const trader_process& server) : pool_(std::make_unique<core::worker_pool>(2)) {
    std::map<std::string, std::string> env{{"TRADER_DATA_DIR", server.dir().string()}};
    if (server.postgres()) {
        env["TRADER_DATABASE_URL"] = server.database();
    }
    auto c = app::load_config(env);
    if (!c) {
        throw std::runtime_error(c.error().detail);
    }
    auto db = app::open_database(*c, *pool_);
    if (!db) {
        throw std::runtime_error("cannot open the server's database: " + db.error().detail);
    }
    db_ = std::move(*db);
}

server_db::~server_db() = default;

infra::db::rows server_db::query(const std::string& sql, infra::db::params args) {
    auto r = app::run_sync<core::result<infra::db::rows>>([&] { return db_->write(sql, args); });
    if (!r) {
        throw std::runtime_error("query failed: " + r.error().detail + " (" + sql + ")");
    }
    return std::move(*r);
}

std::int64_t server_db::count(const std::string& sql, infra::db::params args) {
    auto rows = query(sql, std::move(args));
    return rows.front().get<std::int64_t>(0);
}

void server_db::execute(const std::string& sql, infra::db::params args) {
    (void)query(sql, std::move(args));
}

std::string server_db::latest_token(
    const std::string& recipient, const std::string& template_name
) {
    auto rows = query(
        "SELECT data FROM notifications WHERE recipient = $1 AND template = $2 ORDER BY id DESC "
        "LIMIT 1",
        {recipient, template_name}
    );
    if (rows.empty()) {
        throw std::runtime_error("no " + template_name + " notification for " + recipient);
    }
    return text(boost::json::parse(rows.front().get<std::string>(0)), "token");
}

std::string unique_email(const std::string& hint) {
    static std::atomic<int> counter{0};
    static const auto salt = std::random_device{}() % 100000;
    return hint + "-" + std::to_string(::getpid()) + "-" + std::to_string(salt) + "-" +
           std::to_string(++counter) + "@example.test";
}

test_user register_user(http_client& http, const std::string& email_hint, const std::string& name) {
    auto email = unique_email(email_hint);
    boost::json::object body{{"email", email}, {"password", test_password}, {"name", name}};
    auto r = http.post_json("/api/v1/auth/register", boost::json::serialize(body));
    if (r.status != 201) {
        ADD_FAILURE() << "register " << email << " answered " << r.status << ": " << r.body;
        throw std::runtime_error("register failed");
    }
    return signed_in_from(r, email, test_password);
}

test_user login(http_client& http, const std::string& email, const std::string& password) {
    boost::json::object body{{"email", email}, {"password", password}};
    auto r = http.post_json("/api/v1/auth/login", boost::json::serialize(body));
    if (r.status != 200) {
        ADD_FAILURE() << "login " << email << " answered " << r.status << ": " << r.body;
        throw std::runtime_error("login failed");
    }
    return signed_in_from(r, email, password);
}

std::map<std::string, std::string> bearer(const std::string& access_token) {
    return {{"Authorization", "Bearer " + access_token}};
}

std::string to_string(caller c) {
    switch (c) {
        case caller::anonymous:
            return "anonymous";
        case caller::customer:
            return "customer";
        case caller::other_customer:
            return "other customer";
        case caller::vendor:
            return "vendor";
        case caller::courier:
            return "courier";
        case caller::admin:
            return "admin";
    }
    return "?";
}

principals principals::create(trader_process& server) {
    auto& http = server.http();
    principals p;
    p.users_[caller::customer] = register_user(http, "customer");
    p.users_[caller::other_customer] = register_user(http, "other-customer");

    server_db db{server};
    for (auto [kind, role] :
         {std::pair{caller::vendor, "vendor"}, std::pair{caller::courier, "courier"}}) {
        auto u = register_user(http, role);
        db.execute(
            "UPDATE user_roles SET role = $2 WHERE user_id = $1 AND role = 'customer'",
            {u.id, std::string{role}}
        );
        p.users_[kind] = login(http, u.email);
    }

    auto admin_email = unique_email("admin");
    auto [code, out] =
        server.run_command({"create-admin", "--email", admin_email, "--password", test_password});
    if (code != 0) {
        ADD_FAILURE() << "create-admin exited " << code << ": " << out;
        throw std::runtime_error("create-admin failed");
    }
    p.users_[caller::admin] = login(http, admin_email);
    return p;
}

const test_user& principals::user(caller c) const {
    auto it = users_.find(c);
    if (it == users_.end()) {
        throw std::logic_error("no user for " + to_string(c));
    }
    return it->second;
}

std::map<std::string, std::string> principals::headers(caller c) const {
    if (c == caller::anonymous) {
        return {};
    }
    return bearer(user(c).access_token);
}

void check_routes(
    trader_process& server, const principals& who, const std::vector<route_check>& table
) {
    auto& http = server.http();
    for (const auto& row : table) {
        std::vector<caller> order;
        for (auto c : every_caller) {
            if (!row.allowed.contains(c)) {
                order.push_back(c);
            }
        }
        for (auto c : every_caller) {
            if (row.allowed.contains(c)) {
                order.push_back(c);
            }
        }
        for (auto c : order) {
            auto headers = who.headers(c);
            if (!row.body.empty()) {
                headers["Content-Type"] = "application/json";
            }
            auto r = http.request(row.method, row.path, row.body, headers);
            auto where = row.method + " " + row.path + " as " + to_string(c);
            if (row.allowed.contains(c)) {
                if (row.allowed_status != 0) {
                    EXPECT_EQ(r.status, row.allowed_status) << where << ": " << r.body;
                } else {
                    EXPECT_TRUE(r.status != 401 && r.status != 403 && r.status != row.denied)
                        << where << " answered " << r.status << ": " << r.body;
                }
                continue;
            }
            int expected = c == caller::anonymous ? 401 : row.denied;
            EXPECT_EQ(r.status, expected) << where << ": " << r.body;
            EXPECT_EQ(r.header("content-type"), "application/problem+json") << where;
        }
    }
}

}  // namespace test
