// The HTTP server through real sockets: routing, problems, limits, timeouts, request ids, metrics,
// shutdown. Runs once per storage profile.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <thread>

#include "support/trader.hpp"

namespace {

using test::expect_problem;
using test::trader_process;

class http_server : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new trader_process(test::trader_options{
            {{"TRADER_READ_TIMEOUT", "400ms"},
             {"TRADER_IDLE_TIMEOUT", "600ms"},
             {"TRADER_TEST_HOOKS", "1"}}});
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static trader_process* server_;
};
trader_process* http_server::server_ = nullptr;

TEST_F(http_server, healthz_answers_ok) {
    auto r = server_->http().get("/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_EQ(r.json().at("status").as_string(), "ok");
    EXPECT_FALSE(r.header("x-request-id").empty());
}

TEST_F(http_server, readyz_reports_database_and_migrations) {
    auto r = server_->http().get("/readyz");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json().at("checks").at("database").as_string(), "ok");
    EXPECT_EQ(r.json().at("checks").at("migrations").as_string(), "ok");
}

TEST_F(http_server, unknown_path_is_a_problem_404) {
    auto r = server_->http().get("/nope");
    expect_problem(r, 404, "not-found");
}

TEST_F(http_server, wrong_method_is_405_with_allow) {
    auto r =
        server_->http().request("POST", "/healthz", "{}", {{"Content-Type", "application/json"}});
    expect_problem(r, 405, "method-not-allowed");
    EXPECT_EQ(r.header("allow"), "GET, HEAD, OPTIONS");
}

TEST_F(http_server, head_answers_headers_without_body) {
    auto r = server_->http().request("HEAD", "/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.header("content-length"), "15");
}

TEST_F(http_server, options_lists_allowed_methods) {
    auto r = server_->http().request("OPTIONS", "/healthz");
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.header("allow"), "GET, HEAD, OPTIONS");
}

TEST_F(http_server, keeps_a_client_request_id_and_generates_one_otherwise) {
    auto kept = server_->http().get("/nope", {{"X-Request-Id", "client-abc-123"}});
    EXPECT_EQ(kept.header("x-request-id"), "client-abc-123");
    EXPECT_EQ(kept.json().at("instance").as_string(), "client-abc-123");

    auto replaced = server_->http().get("/healthz", {{"X-Request-Id", std::string(200, 'x')}});
    EXPECT_TRUE(replaced.header("x-request-id").starts_with("req_"));
}

TEST_F(http_server, access_log_has_one_json_line_per_request) {
    auto r = server_->http().get("/healthz", {{"X-Request-Id", "log-line-check-1"}});
    ASSERT_EQ(r.status, 200);
    std::string line;
    for (int i = 0; i < 100 && line.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        auto out = server_->output();
        auto at = out.find("\"request_id\":\"log-line-check-1\"");
        if (at != std::string::npos) {
            auto b = out.rfind('\n', at);
            auto e = out.find('\n', at);
            line = out.substr(
                b == std::string::npos ? 0 : b + 1, e - (b == std::string::npos ? 0 : b + 1)
            );
        }
    }
    ASSERT_FALSE(line.empty()) << "no access log line";
    for (auto field :
         {"\"msg\":\"request\"", "\"method\":\"GET\"", "\"route\":\"/healthz\"", "\"status\":200",
          "\"duration_ms\":", "\"bytes\":", "\"time\":"}) {
        EXPECT_NE(line.find(field), std::string::npos) << field << " missing in " << line;
    }
}

TEST_F(http_server, metrics_expose_requests_latency_and_build) {
    server_->http().get("/healthz");
    server_->http().get("/nope");
    auto r = server_->http().get("/metrics");
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(r.header("content-type").starts_with("text/plain"));
    EXPECT_NE(
        r.body.find(R"(http_requests_total{method="GET",route="/healthz",status="200"})"),
        std::string::npos
    ) << r.body;
    EXPECT_NE(
        r.body.find(R"(http_requests_total{method="GET",route="unmatched",status="404"})"),
        std::string::npos
    );
    EXPECT_NE(
        r.body.find(R"(http_request_duration_seconds_bucket{route="/healthz",le="+Inf"})"),
        std::string::npos
    );
    EXPECT_NE(r.body.find("http_requests_in_flight"), std::string::npos);
    EXPECT_NE(r.body.find("http_open_connections"), std::string::npos);
    EXPECT_NE(r.body.find("trader_build_info{version="), std::string::npos);
}

TEST_F(http_server, oversized_headers_get_431) {
    auto reply = test::raw_exchange(
        server_->port(),
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"
    );
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 431")) << reply.substr(0, 200);
    EXPECT_NE(reply.find("application/problem+json"), std::string::npos);
}

TEST_F(http_server, oversized_body_gets_413_without_reading_it) {
    auto reply = test::raw_exchange(
        server_->port(),
        "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
        "2000000\r\n\r\n{"
    );
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 413")) << reply.substr(0, 200);
    EXPECT_NE(reply.find("payload-too-large"), std::string::npos);
}

TEST_F(http_server, oversized_chunked_body_gets_413) {
    std::string chunk(64 * 1024, 'a');
    std::string req = "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 20; ++i) {
        req += "10000\r\n" + chunk + "\r\n";
    }
    req += "0\r\n\r\n";
    auto reply = test::raw_exchange(server_->port(), req);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 413")) << reply.substr(0, 200);
}

TEST_F(http_server, slow_request_gets_408) {
    auto reply = test::raw_exchange(
        server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n", std::chrono::seconds(3)
    );
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 408")) << reply;
    EXPECT_NE(reply.find("request-timeout"), std::string::npos);
}

TEST_F(http_server, idle_keep_alive_connection_is_closed_silently) {
    auto reply = test::raw_exchange(
        server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(3)
    );
    // One answer, then the server closes once the idle timeout passes (raw_exchange returns on
    // close).
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 200")) << reply;
    EXPECT_EQ(reply.find("HTTP/1.1 408"), std::string::npos);
}

TEST_F(http_server, malformed_request_gets_400) {
    auto reply = test::raw_exchange(server_->port(), "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n");
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
    auto garbage = test::raw_exchange(server_->port(), "\x01\x02\x03 nonsense\r\n\r\n");
    EXPECT_TRUE(garbage.starts_with("HTTP/1.1 400")) << garbage;
}

TEST_F(http_server, pipelined_requests_are_answered_in_order) {
    auto reply = test::raw_exchange(
        server_->port(),
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: p1\r\n\r\n"
        "GET /nope HTTP/1.1\r\nHost: x\r\nX-Request-Id: p2\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: p3\r\nConnection: close\r\n\r\n"
    );
    auto a = reply.find("X-Request-Id: p1");
    auto b = reply.find("X-Request-Id: p2");
    auto c = reply.find("X-Request-Id: p3");
    ASSERT_NE(a, std::string::npos) << reply;
    ASSERT_NE(b, std::string::npos) << reply;
    ASSERT_NE(c, std::string::npos) << reply;
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    EXPECT_NE(reply.find("HTTP/1.1 404"), std::string::npos);
}

TEST_F(http_server, bad_query_parameter_is_a_400_naming_it) {
    auto r = server_->http().get("/api/v1/_test/sleep?ms=abc");
    expect_problem(r, 400, "bad-request");
    EXPECT_EQ(r.json().at("errors").at(0).at("pointer").as_string(), "/ms");
}

TEST(http_shutdown, finishes_the_request_in_flight_and_exits_zero) {
    trader_process server{test::trader_options{{{"TRADER_TEST_HOOKS", "1"}}}};
    auto slow = std::async(std::launch::async, [port = server.port()] {
        test::http_client c{port};
        return c.get("/api/v1/_test/sleep?ms=800");
    });
    // Let the request reach the handler, then ask the server to stop.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    server.signal(SIGTERM);
    auto r = slow.get();
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("connection"), "close");
    EXPECT_EQ(server.wait_exit(), 0) << server.output();
    EXPECT_THROW(test::http_client{server.port()}.get("/healthz"), std::exception);
}

TEST(http_shutdown, gives_up_on_requests_past_the_grace_period) {
    trader_process server{
        test::trader_options{{{"TRADER_TEST_HOOKS", "1"}, {"TRADER_SHUTDOWN_GRACE", "200ms"}}}};
    auto slow = std::async(std::launch::async, [port = server.port()] {
        test::http_client c{port};
        try {
            return c.get("/api/v1/_test/sleep?ms=10000").status;
        } catch (const std::exception&) {
            return 0;
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto started = std::chrono::steady_clock::now();
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait_exit(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_EQ(slow.get(), 0);
    EXPECT_NE(server.output().find("shutdown grace expired"), std::string::npos);
}

}  // namespace
