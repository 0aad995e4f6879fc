// Bad input for every identity route: each answer is a 4xx problem+json that names the problem, and
// none of them changes anything (row counts of every identity table and the outbox, and the
// profile, stay as they were).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/roles.hpp"
#include "support/trader.hpp"

namespace {

using test::expect_problem;

struct bad_request {
    std::string what;
    std::string method;
    std::string path;
    std::string body;
    std::string content_type = "application/json";  // empty = no Content-Type header
    int status = 422;
    std::string slug = "validation";
    std::string pointer;  // a field error expected in `errors`, when set
    bool signed_in = false;
    bool admin = false;

    bad_request& field(std::string p) {
        pointer = std::move(p);
        return *this;
    }
    bad_request& answers(int s, std::string problem) {
        status = s;
        slug = std::move(problem);
        return *this;
    }
    bad_request& typed(std::string type) {
        content_type = std::move(type);
        return *this;
    }
    bad_request& as_user() {
        signed_in = true;
        return *this;
    }
    bad_request& as_admin() {
        admin = true;
        return *this;
    }
};

bad_request bad(std::string what, std::string method, std::string path, std::string body = "") {
    bad_request b;
    b.what = std::move(what);
    b.method = std::move(method);
    b.path = std::move(path);
    b.body = std::move(body);
    if (b.body.empty()) {
        b.content_type.clear();
    }
    return b;
}

class identity_input : public testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new test::trader_process(test::trader_options{test::many_sign_ins_env()});
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    test::trader_process& server() { return *server_; }
    test::http_client& http() { return server_->http(); }

    // Row counts of everything a request could change.
    std::map<std::string, std::int64_t> snapshot(test::server_db& db) {
        std::map<std::string, std::int64_t> out;
        for (const char* table :
             {"users", "user_roles", "sessions", "refresh_tokens", "user_tokens", "notifications",
              "audit_events", "events"}) {
            out[table] = db.count(std::string{"SELECT COUNT(*) FROM "} + table);
        }
        out["used_tokens"] =
            db.count("SELECT COUNT(*) FROM refresh_tokens WHERE used_at_ms IS NOT NULL");
        out["revoked_sessions"] =
            db.count("SELECT COUNT(*) FROM sessions WHERE revoked_at_ms IS NOT NULL");
        return out;
    }

    void check(
        const std::vector<bad_request>& cases,
        const test::test_user& user,
        const test::test_user& admin
    ) {
        for (const auto& c : cases) {
            std::map<std::string, std::string> headers;
            if (!c.content_type.empty()) {
                headers["Content-Type"] = c.content_type;
            }
            if (c.signed_in || c.admin) {
                headers["Authorization"] =
                    "Bearer " + (c.admin ? admin.access_token : user.access_token);
            }
            auto r = http().request(c.method, c.path, c.body, headers);
            SCOPED_TRACE(c.method + " " + c.path + ": " + c.what);
            expect_problem(r, c.status, c.slug);
            if (!c.pointer.empty()) {
                auto v = r.json();
                bool named = false;
                if (const auto* errors = v.as_object().if_contains("errors")) {
                    for (const auto& e : errors->as_array()) {
                        named = named || e.at("pointer").as_string() == c.pointer;
                    }
                }
                EXPECT_TRUE(named) << "no error for " << c.pointer << " in " << r.body;
            }
        }
    }

private:
    static test::trader_process* server_;
};

test::trader_process* identity_input::server_ = nullptr;

std::string oversize(std::size_t n) { return std::string(n, 'x'); }

TEST_F(identity_input, every_route_refuses_bad_input_and_changes_nothing) {
    test::server_db db{server()};
    auto user = test::register_user(http(), "input", "Original Name");
    auto admin_email = test::unique_email("input-admin");
    ASSERT_EQ(
        server()
            .run_command({"create-admin", "--email", admin_email, "--password", test::test_password}
            )
            .first,
        0
    );
    auto admin = test::login(http(), admin_email);
    auto profile_before = http().get("/api/v1/me", test::bearer(user.access_token)).body;
    auto verify_code = db.latest_token(user.email, "verify_email");
    auto before = snapshot(db);

    const std::string reg = "/api/v1/auth/register";
    const std::string login = "/api/v1/auth/login";
    const std::string strong = R"("password":"Good-Password-123")";
    std::vector<bad_request> cases{
        // register
        bad("malformed email", "POST", reg,
            R"({"email":"not-an-email",)" + strong + R"(,"name":"A"})")
            .field("/email"),
        bad("email without a domain dot", "POST", reg,
            R"({"email":"a@b",)" + strong + R"(,"name":"A"})")
            .field("/email"),
        bad("email with a space", "POST", reg,
            R"({"email":"a b@example.com",)" + strong + R"(,"name":"A"})")
            .field("/email"),
        bad("email with two @", "POST", reg,
            R"({"email":"a@@example.com",)" + strong + R"(,"name":"A"})")
            .field("/email"),
        bad("oversize email", "POST", reg,
            R"({"email":")" + oversize(400) + R"(@example.com",)" + strong + R"(,"name":"A"})")
            .field("/email"),
        bad("short password", "POST", reg,
            R"({"email":"x@example.com","password":"Ab1-","name":"A"})")
            .field("/password"),
        bad("one-class password", "POST", reg,
            R"({"email":"x@example.com","password":"abcdefghijklmnop","name":"A"})")
            .field("/password"),
        bad("password equal to the email", "POST", reg,
            R"({"email":"Long.Name@example.com","password":"long.name@example.com","name":"A"})")
            .field("/password"),
        bad("oversize password", "POST", reg,
            R"({"email":"x@example.com","password":"Aa1)" + oversize(200) + R"(","name":"A"})")
            .field("/password"),
        bad("oversize name", "POST", reg,
            R"({"email":"x@example.com",)" + strong + R"(,"name":")" + oversize(101) + R"("})")
            .field("/name"),
        bad("blank name", "POST", reg,
            R"({"email":"x@example.com",)" + strong + R"(,"name":"   "})")
            .field("/name"),
        bad("control character in name", "POST", reg,
            R"({"email":"x@example.com",)" + strong + R"(,"name":"a\u0007b"})")
            .field("/name"),
        bad("missing fields", "POST", reg, R"({"email":"x@example.com"})").field("/password"),
        bad("wrong type", "POST", reg,
            R"({"email":"x@example.com","password":12345678901,"name":"A"})")
            .field("/password"),
        bad("unknown field", "POST", reg,
            R"({"email":"x@example.com",)" + strong + R"(,"name":"A","roles":["admin"]})")
            .field("/roles"),
        bad("not an object", "POST", reg, R"(["x@example.com"])"),
        bad("malformed JSON", "POST", reg, R"({"email":"x@example.com",)")
            .answers(400, "bad-request"),
        bad("text body", "POST", reg, "email=x@example.com")
            .typed("text/plain")
            .answers(415, "unsupported-media-type"),
        bad("form body", "POST", reg, "email=x@example.com")
            .typed("application/x-www-form-urlencoded")
            .answers(415, "unsupported-media-type"),
        bad("no content type", "POST", reg, R"({"email":"x@example.com"})")
            .typed("")
            .answers(415, "unsupported-media-type"),
        bad("body over the route limit", "POST", reg, R"({"name":")" + oversize(20000) + R"("})")
            .answers(413, "payload-too-large"),
        // login
        bad("malformed email", "POST", login, R"({"email":"nobody",)" + strong + "}")
            .field("/email"),
        bad("missing password", "POST", login, R"({"email":"x@example.com"})").field("/password"),
        bad("unknown field", "POST", login,
            R"({"email":"x@example.com",)" + strong + R"(,"remember":true})")
            .field("/remember"),
        bad("malformed JSON", "POST", login, "{").answers(400, "bad-request"),
        bad("text body", "POST", login, "x")
            .typed("text/plain")
            .answers(415, "unsupported-media-type"),
        // refresh
        bad("missing token", "POST", "/api/v1/auth/refresh", "{}").field("/refresh_token"),
        bad("oversize token", "POST", "/api/v1/auth/refresh",
            R"({"refresh_token":")" + oversize(600) + R"("})")
            .field("/refresh_token"),
        bad("unknown field", "POST", "/api/v1/auth/refresh",
            R"({"refresh_token":"abc","scope":"all"})")
            .field("/scope"),
        bad("malformed JSON", "POST", "/api/v1/auth/refresh", "[").answers(400, "bad-request"),
        bad("text body", "POST", "/api/v1/auth/refresh", "abc")
            .typed("text/plain")
            .answers(415, "unsupported-media-type"),
        // logout
        bad("unknown field", "POST", "/api/v1/auth/logout", R"({"everywhere":true})")
            .field("/everywhere")
            .as_user(),
        bad("text body", "POST", "/api/v1/auth/logout", "bye")
            .typed("text/plain")
            .answers(415, "unsupported-media-type")
            .as_user(),
        bad("malformed JSON", "POST", "/api/v1/auth/logout", "{")
            .answers(400, "bad-request")
            .as_user(),
        // email verification
        bad("unknown field", "POST", "/api/v1/auth/email/verify/request",
            R"({"email":"other@example.com"})")
            .field("/email")
            .as_user(),
        bad("missing token", "POST", "/api/v1/auth/email/verify", "{}").field("/token"),
        bad("wrong token", "POST", "/api/v1/auth/email/verify",
            R"({"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})")
            .field("/token"),
        bad("malformed token", "POST", "/api/v1/auth/email/verify", R"({"token":"<script>"})")
            .field("/token"),
        bad("unknown field", "POST", "/api/v1/auth/email/verify",
            R"({"token":")" + verify_code + R"(","user_id":"usr_x"})")
            .field("/user_id"),
        bad("text body", "POST", "/api/v1/auth/email/verify", verify_code)
            .typed("text/plain")
            .answers(415, "unsupported-media-type"),
        bad("malformed JSON", "POST", "/api/v1/auth/email/verify", R"({"token":)")
            .answers(400, "bad-request"),
        // password reset
        bad("malformed email", "POST", "/api/v1/auth/password/reset/request",
            R"({"email":"@example.com"})")
            .field("/email"),
        bad("unknown field", "POST", "/api/v1/auth/password/reset/request",
            R"({"email":"x@example.com","link":"https://evil.test"})")
            .field("/link"),
        bad("text body", "POST", "/api/v1/auth/password/reset/request", "x@example.com")
            .typed("text/plain")
            .answers(415, "unsupported-media-type"),
        bad("malformed JSON", "POST", "/api/v1/auth/password/reset/request", "{}}")
            .answers(400, "bad-request"),
        bad("weak password", "POST", "/api/v1/auth/password/reset",
            R"({"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","password":"password"})")
            .field("/password"),
        bad("wrong token", "POST", "/api/v1/auth/password/reset",
            R"({"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",)" + strong + "}")
            .field("/token"),
        bad("unknown field", "POST", "/api/v1/auth/password/reset",
            R"({"token":"x",)" + strong + R"(,"email":"x@example.com"})")
            .field("/email"),
        bad("text body", "POST", "/api/v1/auth/password/reset", "x")
            .typed("text/plain")
            .answers(415, "unsupported-media-type"),
        // profile
        bad("email is not editable here", "PATCH", "/api/v1/me", R"({"email":"new@example.com"})")
            .field("/email")
            .as_user(),
        bad("roles are not editable", "PATCH", "/api/v1/me", R"({"roles":["admin"]})")
            .field("/roles")
            .as_user(),
        bad("name cannot be cleared", "PATCH", "/api/v1/me", R"({"name":null})")
            .field("/name")
            .as_user(),
        bad("oversize name", "PATCH", "/api/v1/me", R"({"name":")" + oversize(101) + R"("})")
            .field("/name")
            .as_user(),
        bad("malformed locale", "PATCH", "/api/v1/me", R"({"locale":"english please"})")
            .field("/locale")
            .as_user(),
        bad("unknown marketing channel", "PATCH", "/api/v1/me", R"({"marketing":{"fax":true}})")
            .field("/marketing/fax")
            .as_user(),
        bad("marketing flag not boolean", "PATCH", "/api/v1/me", R"({"marketing":{"email":"yes"}})")
            .field("/marketing/email")
            .as_user(),
        bad("valid field beside a bad one", "PATCH", "/api/v1/me",
            R"({"name":"Changed","locale":"??"})")
            .field("/locale")
            .as_user(),
        bad("text body", "PATCH", "/api/v1/me", "name=x")
            .typed("text/plain")
            .answers(415, "unsupported-media-type")
            .as_user(),
        bad("malformed JSON", "PATCH", "/api/v1/me", R"({"name":"x")")
            .answers(400, "bad-request")
            .as_user(),
        // password change
        bad("weak new password", "POST", "/api/v1/me/password",
            R"({"current_password":"Correct-Horse-42","new_password":"weak"})")
            .field("/new_password")
            .as_user(),
        bad("missing current password", "POST", "/api/v1/me/password",
            R"({"new_password":"Good-Password-123"})")
            .field("/current_password")
            .as_user(),
        bad("unknown field", "POST", "/api/v1/me/password",
            R"({"current_password":"Correct-Horse-42","new_password":"Good-Password-123","logout":true})"
        )
            .field("/logout")
            .as_user(),
        bad("text body", "POST", "/api/v1/me/password", "x")
            .typed("text/plain")
            .answers(415, "unsupported-media-type")
            .as_user(),
        // sessions
        bad("not a session id", "DELETE", "/api/v1/me/sessions/bogus", "")
            .answers(404, "not-found")
            .as_user(),
        bad("unknown session", "DELETE", "/api/v1/me/sessions/ses_01j00000000000000000000000", "")
            .answers(404, "not-found")
            .as_user(),
        bad("limit 0", "GET", "/api/v1/me/sessions?limit=0", "")
            .answers(400, "bad-request")
            .field("/limit")
            .as_user(),
        bad("garbage cursor", "GET", "/api/v1/me/sessions?cursor=%%%", "")
            .answers(400, "bad-request")
            .as_user(),
        // admin
        bad("limit 101", "GET", "/api/v1/admin/audit-events?limit=101", "")
            .answers(400, "bad-request")
            .field("/limit")
            .as_admin(),
        bad("since not a timestamp", "GET", "/api/v1/admin/audit-events?since=yesterday", "")
            .answers(400, "bad-request")
            .field("/since")
            .as_admin(),
        bad("user_id not an id", "GET", "/api/v1/admin/audit-events?user_id=bob", "")
            .answers(400, "bad-request")
            .field("/user_id")
            .as_admin(),
        bad("cursor of another list", "GET",
            "/api/v1/admin/audit-events?cursor=" +
                std::string{"c2VzXzAxajAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw"},
            "")
            .answers(400, "bad-request")
            .as_admin(),
        bad("reason not a string", "POST", "/api/v1/admin/users/" + user.id + "/suspend",
            R"({"reason":5})")
            .field("/reason")
            .as_admin(),
        bad("unknown field", "POST", "/api/v1/admin/users/" + user.id + "/suspend",
            R"({"until":"2030-01-01"})")
            .field("/until")
            .as_admin(),
        bad("text body", "POST", "/api/v1/admin/users/" + user.id + "/suspend", "now")
            .typed("text/plain")
            .answers(415, "unsupported-media-type")
            .as_admin(),
        bad("unknown user", "POST", "/api/v1/admin/users/usr_01j00000000000000000000000/suspend",
            "")
            .answers(404, "not-found")
            .as_admin(),
        bad("not a user id", "POST", "/api/v1/admin/users/nobody/reactivate", "")
            .answers(404, "not-found")
            .as_admin(),
    };
    check(cases, user, admin);

    EXPECT_EQ(snapshot(db), before) << "a refused request changed a table";
    EXPECT_EQ(http().get("/api/v1/me", test::bearer(user.access_token)).body, profile_before);
    EXPECT_EQ(http().get("/api/v1/me", test::bearer(user.access_token)).status, 200)
        << "the user was not suspended";
}

}  // namespace
