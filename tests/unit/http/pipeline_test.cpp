#include "core/http/pipeline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

namespace {

namespace http = core::http;

// Accepts "good-<user>-<role>" tokens; a stand-in for the JWT verifier, which has its own tests.
class fake_verifier final : public core::token_verifier {
public:
    core::result<core::principal> verify(std::string_view token) const override {
        if (!token.starts_with("good-")) {
            return core::fail(core::errc::unauthenticated, "bad token");
        }
        auto rest = token.substr(5);
        auto dash = rest.find('-');
        return core::principal{
            std::string{rest.substr(0, dash)}, {std::string{rest.substr(dash + 1)}}, "ses_1"};
    }
};

class pipeline_test : public ::testing::Test {
protected:
    pipeline_test() : pipe_({.default_body_limit = 1000, .access_log = false}, routes_, metrics_) {
        routes_.add(http::method::get, "/open", [](http::request&) -> core::task<http::response> {
            co_return http::ok(boost::json::object{{"ok", true}});
        });
        routes_.add(
            http::method::get, "/mine",
            [](http::request& req) -> core::task<http::response> {
                co_return http::ok(boost::json::object{{"user", req.principal->user_id}});
            },
            {.who = http::access::user}
        );
        routes_.add(
            http::method::get, "/admin",
            [](http::request&) -> core::task<http::response> { co_return http::no_content(); },
            {.who = http::access::role, .roles = {"admin"}}
        );
        routes_.add(http::method::get, "/boom", [](http::request&) -> core::task<http::response> {
            throw std::runtime_error("SELECT secret FROM users /var/lib");
            co_return http::no_content();
        });
        routes_.add(
            http::method::post, "/upload",
            [](http::request&) -> core::task<http::response> { co_return http::no_content(); },
            {.body_limit = 5000}
        );
    }

    http::response call(http::request req) {
        boost::asio::io_context io;
        auto fut = boost::asio::co_spawn(
            io, [&]() -> core::task<http::response> { co_return co_await pipe_.handle(req); },
            boost::asio::use_future
        );
        io.run();
        return fut.get();
    }

    static http::request make(
        http::method m,
        std::string target,
        std::vector<std::pair<std::string, std::string>> headers = {}
    ) {
        http::request r;
        r.verb = m;
        r.target = std::move(target);
        r.headers = std::move(headers);
        r.remote_address = "10.0.0.1";
        return r;
    }

    static boost::json::object body(const http::response& r) {
        return boost::json::parse(r.body).as_object();
    }

    core::metrics::registry metrics_;
    http::router routes_;
    http::pipeline pipe_;
    fake_verifier verifier_;
};

TEST_F(pipeline_test, answers_and_sets_a_request_id) {
    auto r = call(make(http::method::get, "/open"));
    EXPECT_EQ(r.status, 200);
    auto id = r.find_header("X-Request-Id");
    ASSERT_TRUE(id);
    EXPECT_TRUE(id->starts_with("req_"));
}

TEST_F(pipeline_test, unknown_route_is_a_problem_with_the_request_id_as_instance) {
    auto r = call(make(http::method::get, "/missing", {{"x-request-id", "abc"}}));
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.content_type, "application/problem+json");
    auto b = body(r);
    EXPECT_EQ(b["type"].as_string(), "https://docs.trader.dev/problems/not-found");
    EXPECT_EQ(b["instance"].as_string(), "abc");
}

TEST_F(pipeline_test, user_routes_need_a_valid_token) {
    auto none = call(make(http::method::get, "/mine"));
    EXPECT_EQ(none.status, 401);
    EXPECT_TRUE(none.find_header("WWW-Authenticate"));

    // No verifier configured: every token is refused.
    EXPECT_EQ(
        call(make(http::method::get, "/mine", {{"authorization", "Bearer good-u1-customer"}})
        ).status,
        401
    );

    pipe_.set_token_verifier(&verifier_);
    auto ok =
        call(make(http::method::get, "/mine", {{"authorization", "Bearer good-u1-customer"}}));
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(body(ok)["user"].as_string(), "u1");
    EXPECT_EQ(
        call(make(http::method::get, "/mine", {{"authorization", "Bearer forged"}})).status, 401
    );
    EXPECT_EQ(
        call(make(http::method::get, "/mine", {{"authorization", "Basic dTpw"}})).status, 401
    );
    // A bad token is refused even on an open route: the client should learn its token is wrong.
    EXPECT_EQ(
        call(make(http::method::get, "/open", {{"authorization", "Bearer forged"}})).status, 401
    );
}

TEST_F(pipeline_test, role_routes_refuse_other_roles_with_403) {
    pipe_.set_token_verifier(&verifier_);
    EXPECT_EQ(
        call(make(http::method::get, "/admin", {{"authorization", "Bearer good-u1-customer"}})
        ).status,
        403
    );
    EXPECT_EQ(
        call(make(http::method::get, "/admin", {{"authorization", "Bearer good-u2-admin"}})).status,
        204
    );
    EXPECT_EQ(call(make(http::method::get, "/admin")).status, 401);
}

TEST_F(pipeline_test, a_throwing_handler_is_a_500_that_leaks_nothing) {
    auto r = call(make(http::method::get, "/boom"));
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body.find("SELECT"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("/var/lib"), std::string::npos) << r.body;
    EXPECT_NE(metrics_.render().find("http_unhandled_exceptions_total 1"), std::string::npos);
}

TEST_F(pipeline_test, body_limit_follows_the_route) {
    EXPECT_EQ(pipe_.body_limit_for(http::method::post, "/upload"), 5000U);
    EXPECT_EQ(pipe_.body_limit_for(http::method::get, "/open"), 1000U);
    EXPECT_EQ(pipe_.body_limit_for(http::method::post, "/nowhere"), 1000U);
}

TEST_F(pipeline_test, cors_answers_preflights_for_allowed_origins_only) {
    pipe_.use(std::make_unique<http::cors>(http::cors_settings{{"https://shop.test"}}));
    auto pre = call(make(
        http::method::options, "/open",
        {{"origin", "https://shop.test"}, {"access-control-request-method", "GET"}}
    ));
    EXPECT_EQ(pre.status, 204);
    EXPECT_EQ(pre.find_header("Access-Control-Allow-Origin"), "https://shop.test");
    auto other = call(make(
        http::method::options, "/open",
        {{"origin", "https://evil.test"}, {"access-control-request-method", "GET"}}
    ));
    EXPECT_FALSE(other.find_header("Access-Control-Allow-Origin"));
    auto simple = call(make(http::method::get, "/open", {{"origin", "https://shop.test"}}));
    EXPECT_EQ(simple.find_header("Access-Control-Allow-Origin"), "https://shop.test");
}

TEST_F(pipeline_test, rate_limit_answers_429_with_retry_after) {
    core::manual_clock clock{core::time_point{std::chrono::seconds{1'700'000'000}}};
    http::token_bucket_limiter limiter{1, 2, clock};
    pipe_.use(std::make_unique<http::rate_limit>(limiter));
    EXPECT_EQ(call(make(http::method::get, "/open")).status, 200);
    EXPECT_EQ(call(make(http::method::get, "/open")).status, 200);
    auto limited = call(make(http::method::get, "/open"));
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(limited.find_header("Retry-After"), "1");
    EXPECT_EQ(body(limited)["type"].as_string(), "https://docs.trader.dev/problems/rate-limited");
    clock.advance(std::chrono::seconds(1));
    EXPECT_EQ(call(make(http::method::get, "/open")).status, 200);
}

}  // namespace
