// Social sign-in end to end on the real binary. Google (and a second OpenID provider) against the
// OpenID provider peer (../shared/peers: node-oidc-provider with scripted login and consent);
// Facebook against the same peer as its login dialog and code exchange, plus the Graph fixture
// (tests/peers/graph-fixture.mjs) for /me and /debug_token. A browser with a cookie jar follows
// the redirects. Each test gets its own server and peers, so the peer's fixed users (alice, bob,
// unverified) start without accounts.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <optional>

#include "infra/crypto/jws.hpp"
#include "integrations/https.hpp"
#include "modules/identity/secrets.hpp"
#include "support/browser.hpp"
#include "support/peers.hpp"
#include "support/roles.hpp"
#include "support/trader.hpp"

namespace {

using test::bearer;
using test::expect_problem;

const std::string alice_email = "alice@example.test";
const std::string eve_email = "eve@example.test";  // the peer's `unverified` user
const std::string app_redirect = "http://127.0.0.1:9/app/signed-in";
const std::string native_redirect = "http://127.0.0.1:9/native";

std::string json(const boost::json::object& o) { return boost::json::serialize(o); }

std::string str(const boost::json::value& v, const char* key) {
    return std::string{v.as_object().at(key).as_string()};
}

std::string base_of(const test::trader_process& server) {
    return "http://127.0.0.1:" + std::to_string(server.port());
}

std::string callback_of(const test::trader_process& server, const std::string& provider) {
    return base_of(server) + "/api/v1/auth/oauth/" + provider + "/callback";
}

std::string start_url(
    const test::trader_process& server,
    const std::string& provider,
    const std::string& login_hint,
    const std::string& redirect_to = ""
) {
    integrations::form_fields q{{"login_hint", login_hint}};
    if (!redirect_to.empty()) {
        q.emplace_back("redirect_to", redirect_to);
    }
    return base_of(server) + "/api/v1/auth/oauth/" + provider + "/start?" +
           integrations::form_encode(q);
}

// The browser signs in at the provider and stops before our callback: its URL.
std::string authorize(
    test::browser& b,
    const test::trader_process& server,
    const std::string& provider,
    const std::string& login_hint
) {
    auto stopped = b.follow(start_url(server, provider, login_hint), callback_of(server, provider));
    EXPECT_FALSE(stopped.location.empty()) << stopped.status << " " << stopped.body;
    return stopped.location;
}

// The whole browser flow: start, the provider, our callback's answer.
test::browser_response sign_in(
    const test::trader_process& server, const std::string& provider, const std::string& login_hint
) {
    test::browser b;
    return b.follow(start_url(server, provider, login_hint));
}

// browser_response as the http_response expect_problem checks.
test::http_response as_http(const test::browser_response& r) {
    test::http_response out;
    out.status = static_cast<int>(r.status);
    for (const auto& [k, v] : r.headers) {
        out.headers.emplace(k, v);
    }
    out.body = r.body;
    return out;
}

std::string state_hash_of(const std::string& callback) {
    return identity::secrets::sha256_hex(test::url_params(test::query_of(callback))["state"]);
}

struct provider_tokens {
    std::string id_token;
    std::string access_token;
};

// What a native app gets from the provider's SDK: a code flow of its own at the peer (its own
// redirect URI, nonce and PKCE), then the token endpoint.
provider_tokens tokens_from_peer(
    const test::peer_process& peer,
    const test::oidc_peer_options& client,
    const std::string& login_hint,
    const std::string& scope,
    const std::optional<std::string>& nonce
) {
    test::browser b;
    auto verifier = identity::secrets::random_token();
    integrations::form_fields q{
        {"response_type", "code"},
        {"client_id", client.client_id},
        {"redirect_uri", native_redirect},
        {"scope", scope},
        {"state", "native"},
        {"code_challenge", infra::crypto::sha256_base64url(verifier)},
        {"code_challenge_method", "S256"},
        {"login_hint", login_hint},
    };
    if (nonce) {
        q.emplace_back("nonce", *nonce);
    }
    auto back =
        b.follow(peer.base_url() + "/auth?" + integrations::form_encode(q), native_redirect);
    auto code = test::url_params(test::query_of(back.location))["code"];
    EXPECT_FALSE(code.empty()) << back.location << back.body;
    integrations::form_fields form{
        {"grant_type", "authorization_code"},
        {"code", code},
        {"redirect_uri", native_redirect},
        {"code_verifier", verifier},
    };
    bool basic = client.token_auth == "client_secret_basic";
    if (!basic) {
        form.emplace_back("client_id", client.client_id);
        form.emplace_back("client_secret", client.client_secret);
    }
    auto answer = b.post_form(
        peer.base_url() + "/token", integrations::form_encode(form), basic ? client.client_id : "",
        basic ? client.client_secret : ""
    );
    EXPECT_EQ(answer.status, 200) << answer.body;
    auto body = answer.json().as_object();
    provider_tokens out;
    if (const auto* id = body.if_contains("id_token")) {
        out.id_token = std::string{id->as_string()};
    }
    out.access_token = str(body, "access_token");
    return out;
}

// Registers `email` with a password, optionally verifying the address; returns the user id.
std::string register_account(test::trader_process& server, const std::string& email, bool verify) {
    auto& http = server.http();
    auto r = http.post_json(
        "/api/v1/auth/register",
        json({{"email", email}, {"password", test::test_password}, {"name", "Local Account"}})
    );
    EXPECT_EQ(r.status, 201) << r.body;
    if (verify) {
        test::server_db db{server};
        auto token = db.latest_token(email, "verify_email");
        auto v = http.post_json("/api/v1/auth/email/verify", json({{"token", token}}));
        EXPECT_EQ(v.status, 204) << v.body;
    }
    return str(r.json().at("user"), "id");
}

std::int64_t audit_count(
    test::trader_process& server, const std::string& type, const std::string& data_like
) {
    test::server_db db{server};
    return db.count(
        "SELECT COUNT(*) FROM audit_events WHERE type = $1 AND data LIKE $2",
        {type, "%" + data_like + "%"}
    );
}

std::int64_t users(test::trader_process& server) {
    test::server_db db{server};
    return db.count("SELECT COUNT(*) FROM users");
}

std::int64_t identities(test::trader_process& server) {
    test::server_db db{server};
    return db.count("SELECT COUNT(*) FROM user_identities");
}

// Google (the peer as its OpenID provider). The server's port is chosen first, so the peer knows
// our callback before either starts.
class identity_oauth : public testing::Test {
protected:
    void SetUp() override { launch(); }

    void launch(std::map<std::string, std::string> extra = {}) {
        server_.reset();
        peer_.reset();
        auto port = test::free_port();
        auto peer_port = test::free_port();
        client_.port = peer_port;
        client_.redirect_uris = {
            "http://127.0.0.1:" + std::to_string(port) + "/api/v1/auth/oauth/google/callback",
            native_redirect};
        auto env = test::many_sign_ins_env();
        env["TRADER_GOOGLE_CLIENT_ID"] = client_.client_id;
        env["TRADER_GOOGLE_CLIENT_SECRET"] = client_.client_secret;
        env["TRADER_GOOGLE_ISSUER"] = "http://127.0.0.1:" + std::to_string(peer_port);
        env["TRADER_OAUTH_REDIRECT_BASE"] = "http://127.0.0.1:" + std::to_string(port);
        env["TRADER_OAUTH_ALLOWED_REDIRECTS"] = app_redirect;
        for (auto& [k, v] : extra) {
            env[k] = v;
        }
        // The server reads the provider's metadata lazily, so it may start first.
        server_ =
            std::make_unique<test::trader_process>(test::trader_options{.env = env, .port = port});
        peer_ = test::start_oidc_provider(client_);
    }

    // A new peer on the same port: same client, new signing key (kid).
    void restart_peer() {
        peer_.reset();
        peer_ = test::start_oidc_provider(client_);
    }

    test::trader_process& server() { return *server_; }
    test::http_client& http() { return server_->http(); }

    test::oidc_peer_options client_;
    std::unique_ptr<test::trader_process> server_;
    std::unique_ptr<test::peer_process> peer_;
};

TEST_F(identity_oauth, signs_up_with_google_then_signs_in_to_the_same_account) {
    auto first = sign_in(server(), "google", "alice");
    ASSERT_EQ(first.status, 200) << first.body << server().output();
    EXPECT_EQ(first.header("cache-control"), "no-store");
    auto body = first.json().as_object();
    const auto& user = body.at("user").as_object();
    EXPECT_EQ(str(user, "email"), alice_email);
    EXPECT_TRUE(user.at("email_verified").as_bool()) << "the provider verified it";
    EXPECT_EQ(str(user, "name"), "Alice Buyer");
    EXPECT_EQ(user.at("roles"), (boost::json::array{"customer"}));
    EXPECT_EQ(str(body, "token_type"), "Bearer");
    EXPECT_EQ(str(body, "refresh_token").size(), 43U);

    auto me = http().get("/api/v1/me", bearer(str(body, "access_token")));
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(str(me.json(), "id"), str(user, "id"));
    auto sessions = http().get("/api/v1/me/sessions", bearer(str(body, "access_token")));
    EXPECT_EQ(str(sessions.json().at("items").at(0), "method"), "google");

    auto again = sign_in(server(), "google", "alice");
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(str(again.json().at("user"), "id"), str(user, "id")) << "the same account";
    EXPECT_EQ(users(server()), 1);
    EXPECT_EQ(identities(server()), 1);
    EXPECT_EQ(audit_count(server(), "identity.linked", "sign_up"), 1);
    EXPECT_EQ(audit_count(server(), "login.succeeded", "google"), 2);
    // The code never shows in the access log (only the route and path).
    EXPECT_EQ(server().output().find("code="), std::string::npos);
}

TEST_F(identity_oauth, links_to_a_password_account_with_the_same_verified_email) {
    auto id = register_account(server(), alice_email, true);
    auto r = sign_in(server(), "google", "alice");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(str(r.json().at("user"), "id"), id);
    EXPECT_EQ(str(r.json().at("user"), "name"), "Local Account") << "the account keeps its name";
    EXPECT_EQ(users(server()), 1);
    EXPECT_EQ(audit_count(server(), "identity.linked", "\"by\":\"email\""), 1);
    auto listed = http().get("/api/v1/me/identities", bearer(str(r.json(), "access_token")));
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_EQ(str(listed.json().at("items").at(0), "provider"), "google");
    // The password still works.
    EXPECT_EQ(test::login(http(), alice_email).id, id);
}

TEST_F(identity_oauth, does_not_link_an_account_whose_own_address_is_unverified) {
    register_account(server(), alice_email, false);
    auto r = sign_in(server(), "google", "alice");
    expect_problem(as_http(r), 409, "conflict");
    EXPECT_EQ(users(server()), 1);
    EXPECT_EQ(identities(server()), 0) << "nothing is created";
    EXPECT_EQ(audit_count(server(), "login.failed", "unverified_account_email"), 1);
}

TEST_F(identity_oauth, an_unverified_provider_email_never_links) {
    auto eve = register_account(server(), eve_email, true);
    auto r = sign_in(server(), "google", "unverified");
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = r.json();
    const auto& user = body.at("user").as_object();
    EXPECT_NE(str(user, "id"), eve) << "a new account, not eve's";
    EXPECT_TRUE(user.at("email").is_null()) << "the address stays with its account";
    test::server_db db{server()};
    EXPECT_EQ(
        db.count(
            "SELECT COUNT(*) FROM user_identities WHERE user_id = $1 AND email = $2",
            {std::string{user.at("id").as_string()}, eve_email}
        ),
        1
    );
}

TEST_F(identity_oauth, an_unverified_provider_email_is_kept_unverified_on_a_new_account) {
    auto r = sign_in(server(), "google", "unverified");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(str(r.json().at("user"), "email"), eve_email);
    EXPECT_FALSE(r.json().at("user").at("email_verified").as_bool());
}

TEST_F(identity_oauth, a_refusal_at_the_provider_is_a_problem_and_creates_nothing) {
    auto r = sign_in(server(), "google", "deny");
    expect_problem(as_http(r), 401, "unauthenticated");
    EXPECT_NE(r.body.find("access_denied"), std::string::npos) << r.body;
    EXPECT_EQ(users(server()), 0);
    EXPECT_EQ(audit_count(server(), "login.failed", "access_denied"), 1);
}

TEST_F(identity_oauth, a_tampered_or_missing_state_is_refused) {
    test::browser b;
    auto callback = authorize(b, server(), "google", "alice");
    auto tampered = b.get(test::with_param(callback, "state", identity::secrets::random_token()));
    expect_problem(as_http(tampered), 401, "unauthenticated");
    auto params = test::url_params(test::query_of(callback));
    auto no_state = b.get(callback_of(server(), "google") + "?code=" + params["code"]);
    expect_problem(as_http(no_state), 400, "bad-request");
    EXPECT_NE(no_state.body.find("/state"), std::string::npos);
    auto no_code = b.get(callback_of(server(), "google") + "?state=" + params["state"]);
    expect_problem(as_http(no_code), 400, "bad-request");
    EXPECT_NE(no_code.body.find("/code"), std::string::npos);
    EXPECT_EQ(users(server()), 0);
    // None of them spent the real state.
    EXPECT_EQ(b.get(callback).status, 200);
}

TEST_F(identity_oauth, a_replayed_callback_is_refused) {
    test::browser b;
    auto callback = authorize(b, server(), "google", "alice");
    ASSERT_EQ(b.get(callback).status, 200);
    expect_problem(as_http(b.get(callback)), 401, "unauthenticated");
    EXPECT_EQ(users(server()), 1);
    EXPECT_EQ(audit_count(server(), "login.succeeded", "google"), 1);
    EXPECT_EQ(audit_count(server(), "login.failed", "invalid_state"), 1);
}

TEST_F(identity_oauth, an_expired_state_is_refused) {
    test::browser b;
    auto callback = authorize(b, server(), "google", "alice");
    test::server_db db{server()};
    db.execute(
        "UPDATE oauth_states SET expires_at_ms = 1 WHERE state_hash = $1", {state_hash_of(callback)}
    );
    expect_problem(as_http(b.get(callback)), 401, "unauthenticated");
    EXPECT_EQ(users(server()), 0);
}

TEST_F(identity_oauth, a_callback_opened_in_another_browser_is_refused) {
    test::browser attacker;
    auto callback = authorize(attacker, server(), "google", "alice");
    test::browser victim;  // without the cookie the start set (login CSRF)
    auto r = victim.get(callback);
    expect_problem(as_http(r), 401, "unauthenticated");
    EXPECT_EQ(audit_count(server(), "login.failed", "browser_mismatch"), 1);
    EXPECT_EQ(users(server()), 0);
}

TEST_F(identity_oauth, a_wrong_pkce_verifier_is_refused_by_the_provider) {
    test::browser b;
    auto callback = authorize(b, server(), "google", "alice");
    test::server_db db{server()};
    db.execute(
        "UPDATE oauth_states SET code_verifier = $1 WHERE state_hash = $2",
        {identity::secrets::random_token(), state_hash_of(callback)}
    );
    auto r = b.get(callback);
    expect_problem(as_http(r), 401, "unauthenticated");
    EXPECT_NE(r.body.find("invalid_grant"), std::string::npos) << r.body;
    EXPECT_EQ(users(server()), 0);
}

TEST_F(identity_oauth, an_id_token_with_another_nonce_is_refused) {
    test::browser b;
    auto callback = authorize(b, server(), "google", "alice");
    test::server_db db{server()};
    db.execute(
        "UPDATE oauth_states SET nonce = 'not-the-nonce-sent' WHERE state_hash = $1",
        {state_hash_of(callback)}
    );
    auto r = b.get(callback);
    expect_problem(as_http(r), 401, "unauthenticated");
    EXPECT_NE(r.body.find("nonce"), std::string::npos) << r.body;
    EXPECT_EQ(users(server()), 0);
}

TEST_F(identity_oauth, the_start_asks_for_code_with_pkce_state_and_nonce) {
    test::browser b;
    auto r = b.get(start_url(server(), "google", "bob"));
    ASSERT_EQ(r.status, 302) << r.body;
    EXPECT_TRUE(r.location.starts_with(peer_->base_url() + "/auth?")) << r.location;
    auto q = test::url_params(test::query_of(r.location));
    EXPECT_EQ(q["response_type"], "code");
    EXPECT_EQ(q["client_id"], client_.client_id);
    EXPECT_EQ(q["redirect_uri"], callback_of(server(), "google"));
    EXPECT_EQ(q["scope"], "openid email profile");
    EXPECT_EQ(q["code_challenge_method"], "S256");
    EXPECT_EQ(q["code_challenge"].size(), 43U);
    EXPECT_EQ(q["state"].size(), 43U);
    EXPECT_EQ(q["nonce"].size(), 43U);
    EXPECT_EQ(q["login_hint"], "bob");
    auto cookie = r.header("set-cookie");
    EXPECT_TRUE(cookie.starts_with("trader_oauth_google=")) << cookie;
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("Path=/api/v1/auth/oauth/google/callback"), std::string::npos) << cookie;
    // Kept hashed: neither the state nor the cookie is in the table.
    test::server_db db{server()};
    auto rows = db.query("SELECT state_hash, code_verifier, nonce, browser_hash FROM oauth_states");
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows.front().get<std::string>(0), identity::secrets::sha256_hex(q["state"]));
    EXPECT_EQ(
        infra::crypto::sha256_base64url(rows.front().get<std::string>(1)), q["code_challenge"]
    );
    EXPECT_EQ(rows.front().get<std::string>(2), q["nonce"]);
}

TEST_F(identity_oauth, redirect_to_gets_the_tokens_in_the_fragment) {
    test::browser b;
    auto r = b.follow(start_url(server(), "google", "alice", app_redirect), app_redirect);
    ASSERT_EQ(r.status, 302) << r.body;
    ASSERT_TRUE(r.location.starts_with(app_redirect + "#")) << r.location;
    auto f = test::url_params(test::fragment_of(r.location));
    EXPECT_EQ(f["token_type"], "Bearer");
    EXPECT_EQ(f["refresh_token"].size(), 43U);
    EXPECT_EQ(f["expires_in"], "900");
    auto me = http().get("/api/v1/me", bearer(f["access_token"]));
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(str(me.json(), "email"), alice_email);

    auto elsewhere = b.get(start_url(server(), "google", "alice", "https://evil.example/steal"));
    expect_problem(as_http(elsewhere), 422, "validation");
    EXPECT_NE(elsewhere.body.find("/redirect_to"), std::string::npos);
}

TEST_F(identity_oauth, a_native_app_signs_in_once_with_its_id_token) {
    auto tokens = tokens_from_peer(*peer_, client_, "bob", "openid email profile", "app-nonce-1");
    ASSERT_FALSE(tokens.id_token.empty());
    auto url = "/api/v1/auth/oauth/google/token";
    auto wrong = http().post_json(url, json({{"id_token", tokens.id_token}, {"nonce", "other"}}));
    expect_problem(wrong, 401, "unauthenticated");
    EXPECT_EQ(users(server()), 0);
    auto ok =
        http().post_json(url, json({{"id_token", tokens.id_token}, {"nonce", "app-nonce-1"}}));
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(str(ok.json().at("user"), "email"), "bob@example.test");
    auto me = http().get("/api/v1/me", bearer(str(ok.json(), "access_token")));
    EXPECT_EQ(me.status, 200);
    auto replay = http().post_json(url, json({{"id_token", tokens.id_token}}));
    expect_problem(replay, 401, "unauthenticated");
    EXPECT_NE(replay.body.find("already used"), std::string::npos) << replay.body;
}

TEST_F(identity_oauth, a_forged_id_token_is_refused_at_the_token_route) {
    auto tokens = tokens_from_peer(*peer_, client_, "bob", "openid email profile", std::nullopt);
    auto first = tokens.id_token.find('.');
    auto unsigned_token = std::string{"eyJhbGciOiJub25lIn0"} +  // {"alg":"none"}
                          tokens.id_token.substr(first, tokens.id_token.rfind('.') - first) + ".";
    expect_problem(
        http().post_json("/api/v1/auth/oauth/google/token", json({{"id_token", unsigned_token}})),
        401, "unauthenticated"
    );
    auto cut = tokens.id_token.substr(0, tokens.id_token.size() - 4) + "AAAA";
    expect_problem(
        http().post_json("/api/v1/auth/oauth/google/token", json({{"id_token", cut}})), 401,
        "unauthenticated"
    );
    EXPECT_EQ(users(server()), 0);
}

TEST_F(identity_oauth, the_token_route_refuses_bad_input) {
    auto url = std::string{"/api/v1/auth/oauth/google/token"};
    auto unknown = http().post_json(url, json({{"id_token", "a.b.c"}, {"extra", 1}}));
    expect_problem(unknown, 422, "validation");
    EXPECT_NE(unknown.body.find("/extra"), std::string::npos);
    expect_problem(http().post_json(url, "{}"), 422, "validation");
    auto kind = http().post_json(url, json({{"access_token", "EAAB"}}));
    expect_problem(kind, 422, "validation");
    EXPECT_NE(kind.body.find("/access_token"), std::string::npos);
    expect_problem(
        http().post_json(url, json({{"id_token", std::string(9000, 'a')}})), 422, "validation"
    );
    expect_problem(http().post_json(url, "{\"id_token\":"), 400, "bad-request");
    expect_problem(
        http().request("POST", url, "id_token=x", {{"Content-Type", "text/plain"}}), 415,
        "unsupported-media-type"
    );
    expect_problem(
        http().post_json("/api/v1/auth/oauth/myspace/token", json({{"id_token", "a.b.c"}})), 404,
        "not-found"
    );
}

TEST_F(identity_oauth, unknown_and_unconfigured_providers_are_not_found) {
    for (const auto* provider : {"myspace", "facebook"}) {
        auto base = std::string{"/api/v1/auth/oauth/"} + provider;
        expect_problem(http().get(base + "/start"), 404, "not-found");
        expect_problem(http().get(base + "/callback?code=x&state=y"), 404, "not-found");
        expect_problem(
            http().post_json(base + "/token", json({{"access_token", "x"}})), 404, "not-found"
        );
    }
}

TEST_F(identity_oauth, the_callback_refuses_oversize_and_malformed_parameters) {
    auto base = callback_of(server(), "google");
    test::browser b;
    auto long_state = b.get(base + "?code=x&state=" + std::string(300, 'a'));
    expect_problem(as_http(long_state), 400, "bad-request");
    EXPECT_NE(long_state.body.find("/state"), std::string::npos);
    auto long_code = b.get(base + "?state=s&code=" + std::string(3000, 'a'));
    expect_problem(as_http(long_code), 400, "bad-request");
    auto odd_error = b.get(base + "?state=s&error=%3Cscript%3E");
    expect_problem(as_http(odd_error), 400, "bad-request");
    expect_problem(
        as_http(b.get(start_url(server(), "google", std::string(300, 'a')))), 400, "bad-request"
    );
    EXPECT_EQ(users(server()), 0);
}

TEST_F(identity_oauth, a_suspended_account_cannot_sign_in) {
    auto first = sign_in(server(), "google", "alice");
    ASSERT_EQ(first.status, 200) << first.body;
    test::server_db db{server()};
    db.execute("UPDATE users SET status = 'suspended'");
    expect_problem(as_http(sign_in(server(), "google", "alice")), 403, "forbidden");
    EXPECT_EQ(audit_count(server(), "login.failed", "suspended"), 1);
}

TEST_F(identity_oauth, lists_and_unlinks_identities_but_keeps_a_way_to_sign_in) {
    auto bob = sign_in(server(), "google", "bob");
    ASSERT_EQ(bob.status, 200) << bob.body;
    auto bob_token = str(bob.json(), "access_token");
    auto listed = http().get("/api/v1/me/identities", bearer(bob_token));
    ASSERT_EQ(listed.status, 200) << listed.body;
    auto page = listed.json();
    const auto& items = page.at("items").as_array();
    ASSERT_EQ(items.size(), 1U);
    const auto& item = items[0].as_object();
    EXPECT_EQ(str(item, "object"), "identity");
    EXPECT_EQ(str(item, "provider"), "google");
    EXPECT_EQ(str(item, "email"), "bob@example.test");
    EXPECT_TRUE(str(item, "id").starts_with("idn_"));
    EXPECT_FALSE(str(item, "created_at").empty());
    EXPECT_FALSE(str(item, "last_used_at").empty());
    EXPECT_FALSE(item.contains("subject"));
    EXPECT_TRUE(listed.json().at("next_cursor").is_null());
    auto bob_identity = "/api/v1/me/identities/" + str(item, "id");

    // Google is bob's only way in.
    auto last = http().request("DELETE", bob_identity, "", bearer(bob_token));
    expect_problem(last, 409, "conflict");

    // Alice (password, verified address) links Google, and may unlink it.
    register_account(server(), alice_email, true);
    auto alice = sign_in(server(), "google", "alice");
    ASSERT_EQ(alice.status, 200) << alice.body;
    auto alice_token = str(alice.json(), "access_token");
    expect_problem(
        http().request("DELETE", bob_identity, "", bearer(alice_token)), 404, "not-found"
    );
    expect_problem(
        http().request(
            "DELETE", "/api/v1/me/identities/idn_00000000000000000000000000", "",
            bearer(alice_token)
        ),
        404, "not-found"
    );
    expect_problem(
        http().request("DELETE", "/api/v1/me/identities/nonsense", "", bearer(alice_token)), 404,
        "not-found"
    );
    auto alice_items = http().get("/api/v1/me/identities", bearer(alice_token)).json();
    auto alice_identity = "/api/v1/me/identities/" + str(alice_items.at("items").at(0), "id");
    auto removed = http().request("DELETE", alice_identity, "", bearer(alice_token));
    ASSERT_EQ(removed.status, 204) << removed.body;
    EXPECT_TRUE(http()
                    .get("/api/v1/me/identities", bearer(alice_token))
                    .json()
                    .at("items")
                    .as_array()
                    .empty());
    EXPECT_EQ(audit_count(server(), "identity.unlinked", "google"), 1);
    EXPECT_EQ(identities(server()), 1) << "bob's stays";
    expect_problem(http().get("/api/v1/me/identities"), 401, "unauthenticated");

    // A verified phone is a way in too.
    auto phone = std::string{"+4915112340001"};
    ASSERT_EQ(
        http()
            .post_json("/api/v1/auth/otp/start", json({{"phone", phone}}), bearer(bob_token))
            .status,
        202
    );
    test::server_db db{server()};
    auto code = db.latest_token(phone, "phone_otp");
    ASSERT_EQ(
        http()
            .post_json(
                "/api/v1/auth/otp/verify", json({{"phone", phone}, {"code", code}}),
                bearer(bob_token)
            )
            .status,
        200
    );
    EXPECT_EQ(http().request("DELETE", bob_identity, "", bearer(bob_token)).status, 204);
}

TEST_F(identity_oauth, an_unknown_key_id_refetches_the_providers_keys) {
    launch({{"TRADER_OAUTH_JWKS_MIN_REFRESH", "0ms"}});
    ASSERT_EQ(sign_in(server(), "google", "alice").status, 200);
    restart_peer();  // a new signing key under a new kid
    auto r = sign_in(server(), "google", "alice");
    ASSERT_EQ(r.status, 200) << r.body << server().output();
    EXPECT_EQ(users(server()), 1);
}

TEST_F(identity_oauth, unknown_key_ids_do_not_refetch_keys_more_often_than_allowed) {
    ASSERT_EQ(sign_in(server(), "google", "alice").status, 200);  // keys fetched now (1m minimum)
    restart_peer();
    auto r = sign_in(server(), "google", "alice");
    expect_problem(as_http(r), 401, "unauthenticated");
    EXPECT_NE(r.body.find("key"), std::string::npos) << r.body;
}

TEST_F(identity_oauth, only_signed_in_users_see_their_identities) {
    auto who = test::principals::create(server());
    test::check_routes(
        server(), who,
        {
            {"GET", "/api/v1/me/identities", "", test::signed_in_callers, 403, 200},
            {"DELETE", "/api/v1/me/identities/idn_00000000000000000000000000", "",
             test::signed_in_callers, 404, 404},
        }
    );
}

// Facebook (the peer as its login dialog and code exchange, the Graph fixture for /me and
// /debug_token) and a second OpenID provider, `acme`, on the same peer with client_secret_post.
class identity_oauth_facebook : public testing::Test {
protected:
    void SetUp() override { launch(""); }

    void launch(const std::string& token_app_id) {
        server_.reset();
        graph_.reset();
        peer_.reset();
        auto port = test::free_port();
        auto peer_port = test::free_port();
        auto base = "http://127.0.0.1:" + std::to_string(port);
        client_ = test::oidc_peer_options{
            .port = peer_port,
            .client_id = "1234567890",
            .client_secret = "facebook-app-secret",
            .token_auth = "client_secret_post",
            .redirect_uris =
                {base + "/api/v1/auth/oauth/facebook/callback",
                 base + "/api/v1/auth/oauth/acme/callback", native_redirect},
        };
        peer_ = test::start_oidc_provider(client_);
        graph_ = test::start_graph_fixture(test::graph_fixture_options{
            .app_id = client_.client_id,
            .app_secret = client_.client_secret,
            .userinfo_url = peer_->base_url() + "/me",
            .token_app_id = token_app_id,
        });
        auto env = test::many_sign_ins_env();
        env["TRADER_OAUTH_REDIRECT_BASE"] = base;
        env["TRADER_FACEBOOK_APP_ID"] = client_.client_id;
        env["TRADER_FACEBOOK_APP_SECRET"] = client_.client_secret;
        env["TRADER_FACEBOOK_AUTHORIZE_URL"] = peer_->base_url() + "/auth";
        env["TRADER_FACEBOOK_TOKEN_URL"] = peer_->base_url() + "/token";
        env["TRADER_FACEBOOK_GRAPH_URL"] = graph_->base_url() + "/v21.0";
        // The peer's userinfo (behind the fixture's /me) needs the openid scope.
        env["TRADER_FACEBOOK_SCOPE"] = "openid email profile";
        env["TRADER_OIDC_NAME"] = "acme";
        env["TRADER_OIDC_ISSUER"] = peer_->base_url();
        env["TRADER_OIDC_CLIENT_ID"] = client_.client_id;
        env["TRADER_OIDC_CLIENT_SECRET"] = client_.client_secret;
        env["TRADER_OIDC_TOKEN_AUTH"] = "client_secret_post";
        server_ =
            std::make_unique<test::trader_process>(test::trader_options{.env = env, .port = port});
    }

    test::trader_process& server() { return *server_; }
    test::http_client& http() { return server_->http(); }

    test::oidc_peer_options client_;
    std::unique_ptr<test::peer_process> peer_;
    std::unique_ptr<test::peer_process> graph_;
    std::unique_ptr<test::trader_process> server_;
};

TEST_F(identity_oauth_facebook, signs_up_with_facebook_then_signs_in_to_the_same_account) {
    auto first = sign_in(server(), "facebook", "alice");
    ASSERT_EQ(first.status, 200) << first.body << server().output();
    auto body = first.json();
    const auto& user = body.at("user").as_object();
    EXPECT_EQ(str(user, "email"), alice_email);
    EXPECT_TRUE(user.at("email_verified").as_bool()) << "Facebook shares confirmed addresses";
    EXPECT_EQ(str(user, "name"), "Alice Buyer");
    auto token = str(first.json(), "access_token");
    auto sessions = http().get("/api/v1/me/sessions", bearer(token));
    EXPECT_EQ(str(sessions.json().at("items").at(0), "method"), "facebook");
    auto listed = http().get("/api/v1/me/identities", bearer(token));
    EXPECT_EQ(str(listed.json().at("items").at(0), "provider"), "facebook");

    auto again = sign_in(server(), "facebook", "alice");
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(str(again.json().at("user"), "id"), str(user, "id"));
    EXPECT_EQ(users(server()), 1);
}

TEST_F(identity_oauth_facebook, links_facebook_to_the_account_with_the_verified_email) {
    auto id = register_account(server(), alice_email, true);
    auto r = sign_in(server(), "facebook", "alice");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(str(r.json().at("user"), "id"), id);
    // The second OpenID provider links to the same account too.
    auto acme = sign_in(server(), "acme", "alice");
    ASSERT_EQ(acme.status, 200) << acme.body << server().output();
    EXPECT_EQ(str(acme.json().at("user"), "id"), id);
    auto items =
        http().get("/api/v1/me/identities", bearer(str(acme.json(), "access_token"))).json();
    EXPECT_EQ(items.at("items").as_array().size(), 2U);
    EXPECT_EQ(users(server()), 1);
}

TEST_F(identity_oauth_facebook, a_refusal_in_the_facebook_dialog_is_a_problem) {
    expect_problem(as_http(sign_in(server(), "facebook", "deny")), 401, "unauthenticated");
    EXPECT_EQ(users(server()), 0);
}

TEST_F(identity_oauth_facebook, a_native_app_signs_in_with_its_access_token) {
    auto tokens = tokens_from_peer(*peer_, client_, "bob", "openid email profile", std::nullopt);
    auto url = std::string{"/api/v1/auth/oauth/facebook/token"};
    auto ok = http().post_json(url, json({{"access_token", tokens.access_token}}));
    ASSERT_EQ(ok.status, 200) << ok.body << server().output();
    EXPECT_EQ(str(ok.json().at("user"), "email"), "bob@example.test");
    // Access tokens are long-lived app credentials: the same one signs in again.
    auto again = http().post_json(url, json({{"access_token", tokens.access_token}}));
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(str(again.json().at("user"), "id"), str(ok.json().at("user"), "id"));

    expect_problem(
        http().post_json(url, json({{"access_token", "not-a-facebook-token"}})), 401,
        "unauthenticated"
    );
    auto kind = http().post_json(url, json({{"id_token", "a.b.c"}}));
    expect_problem(kind, 422, "validation");
    EXPECT_NE(kind.body.find("/id_token"), std::string::npos);
    EXPECT_EQ(users(server()), 1);
}

TEST_F(identity_oauth_facebook, a_token_issued_to_another_app_is_refused) {
    launch("another-app");
    auto tokens = tokens_from_peer(*peer_, client_, "bob", "openid email profile", std::nullopt);
    auto r = http().post_json(
        "/api/v1/auth/oauth/facebook/token", json({{"access_token", tokens.access_token}})
    );
    expect_problem(r, 401, "unauthenticated");
    EXPECT_NE(r.body.find("another app"), std::string::npos) << r.body;
    EXPECT_EQ(users(server()), 0);
}

}  // namespace
