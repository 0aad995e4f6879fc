// bench_orders: load for the cart and order routes, which wrk's one-request scripts cannot drive
// (each checkout needs its own filled cart). Prepares what a scenario needs from the seeded
// storefront without timing it, then runs the timed requests on `--connections` keep-alive
// connections (one thread each) and prints the BENCH_RESULT line bench/run reads.
//   bench_orders --port P --scenario cart_add|cart_add_large|checkout|order_history [--connections 32]
//                [--seconds 10] [--carts 3000]
// cart_add: guest carts, POST .../line-items of a random in-stock variant, for --seconds; each
//           cart holds up to 5 different lines (a typical cart).
// cart_add_large: the same with up to 40 lines a cart (every add prices and returns 40 lines).
// checkout: --carts guest carts with one item from each of three stores, each checked out once
//           (3 sub-orders), until they are used up or --seconds pass.
// order_history: a customer with 20 orders reads GET /api/v1/me/orders?limit=20, for --seconds.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/json/src.hpp>  // header-only: the tool links none of the project
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <unistd.h>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

struct reply {
    int status = 0;
    std::string body;
};

// One keep-alive HTTP/1.1 connection to 127.0.0.1.
class connection {
public:
    explicit connection(unsigned short port) : stream_(io_) {
        stream_.connect(asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
        stream_.socket().set_option(asio::ip::tcp::no_delay{true});
    }

    reply send(
        http::verb verb,
        const std::string& target,
        const std::string& body = {},
        const std::map<std::string, std::string>& headers = {}
    ) {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, "127.0.0.1");
        for (const auto& [k, v] : headers) {
            req.set(k, v);
        }
        if (!body.empty()) {
            req.set(http::field::content_type, "application/json");
            req.body() = body;
        }
        req.prepare_payload();
        http::write(stream_, req);
        http::response<http::string_body> res;
        http::read(stream_, buffer_, res);
        return reply{static_cast<int>(res.result_int()), std::move(res.body())};
    }

private:
    asio::io_context io_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
};

struct options {
    unsigned short port = 0;
    std::string scenario;
    int connections = 32;
    int seconds = 10;
    int carts = 3000;
};

[[noreturn]] void die(const std::string& what) {
    std::cerr << "bench_orders: " << what << "\n";
    std::exit(1);
}

reply must(reply r, int status, const std::string& what) {
    if (r.status != status) {
        die(what + " answered " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
    }
    return r;
}

struct store_variants {
    std::string vendor_id;
    std::vector<std::string> variants;  // priced in EUR, in stock
};

std::string bearer(const json::value& tokens) {
    return "Bearer " + std::string{tokens.at("access_token").as_string()};
}

json::value sign_in(connection& c, const std::string& email, const std::string& password) {
    auto body = json::serialize(json::object{{"email", email}, {"password", password}});
    return json::parse(must(c.send(http::verb::post, "/api/v1/auth/login", body), 200, "login " + email).body);
}

// Three approved stores of our own next to the seeded catalog, each with one published product of
// four variants that cannot run out (seeded stock is 0-250 units a variant and not visible on the
// storefront). The admin comes from `trader create-admin` (BENCH_ADMIN_EMAIL, _PASSWORD).
std::vector<store_variants> make_stores(connection& c) {
    const char* admin_email = std::getenv("BENCH_ADMIN_EMAIL");
    const char* admin_password = std::getenv("BENCH_ADMIN_PASSWORD");
    if (admin_email == nullptr || admin_password == nullptr) {
        die("BENCH_ADMIN_EMAIL and BENCH_ADMIN_PASSWORD must name an admin (trader create-admin)");
    }
    auto admin = bearer(sign_in(c, admin_email, admin_password));
    std::vector<store_variants> out;
    const auto run = std::to_string(::getpid());
    for (int k = 0; k < 3; ++k) {
        auto name = "Bench Store " + run + "-" + std::to_string(k);
        auto email = "bench-owner-" + run + "-" + std::to_string(k) + "@example.test";
        const std::string password = "bench-Password-1";
        auto account = json::serialize(json::object{{"email", email}, {"password", password}, {"name", name}});
        auto owner = bearer(json::parse(must(c.send(http::verb::post, "/api/v1/auth/register", account), 201, "register").body));
        json::object application{
            {"name", name},
            {"legal_name", name + " GmbH"},
            {"contact_phone", "+4930123456"},
            {"pickup_address",
             json::object{{"line1", "Oranienstrasse 1"}, {"city", "Berlin"}, {"country", "DE"},
                          {"lat", 52.50 + 0.01 * k}, {"lng", 13.41}}},
            {"payout", json::object{{"method", "bank_transfer"}}}};
        auto store = json::parse(must(c.send(http::verb::post, "/api/v1/vendor/applications",
                                             json::serialize(application), {{"Authorization", owner}}),
                                      201, "apply")
                                     .body);
        auto vendor_id = std::string{store.at("id").as_string()};
        must(c.send(http::verb::post, "/api/v1/admin/vendors/" + vendor_id + "/approve", {}, {{"Authorization", admin}}),
             200, "approve");
        owner = bearer(sign_in(c, email, password));  // now with the vendor role
        json::array variants;
        for (const char* size : {"S", "M", "L", "XL"}) {
            variants.push_back(json::object{
                {"sku", "BENCH-" + run + "-" + std::to_string(k) + "-" + size},
                {"options", json::object{{"size", size}}},
                {"prices", json::array{json::object{{"currency", "EUR"}, {"amount", 1500 + 100 * k}}}},
                {"stock", 100000000}});
        }
        json::object product{
            {"title", "Bench Tea Towel " + std::to_string(k)},
            {"description", "Linen tea towel for the order benchmark."},
            {"options", json::array{json::object{{"name", "size"}, {"values", json::array{"S", "M", "L", "XL"}}}}},
            {"variants", std::move(variants)}};
        auto made = json::parse(must(c.send(http::verb::post, "/api/v1/vendor/products", json::serialize(product),
                                            {{"Authorization", owner}}),
                                     201, "create product")
                                    .body);
        auto product_id = std::string{made.at("id").as_string()};
        must(c.send(http::verb::post, "/api/v1/vendor/products/" + product_id + "/publish", {}, {{"Authorization", owner}}),
             200, "publish");
        store_variants s;
        s.vendor_id = vendor_id;
        for (const auto& v : made.at("variants").as_array()) {
            s.variants.emplace_back(v.at("id").as_string());
        }
        out.push_back(std::move(s));
    }
    return out;
}

struct guest_cart {
    std::string id;
    std::string token;
};

guest_cart new_cart(connection& c) {
    auto body = json::parse(
        must(c.send(http::verb::post, "/api/v1/store/carts", R"({"currency":"EUR"})"), 201, "create cart").body
    );
    return guest_cart{std::string{body.at("id").as_string()}, std::string{body.at("token").as_string()}};
}

std::string add_body(const std::string& variant) {
    return json::serialize(json::object{{"variant_id", variant}, {"quantity", 1}});
}

struct samples {
    std::mutex m;
    std::vector<std::int64_t> latencies_us;
    std::atomic<std::int64_t> non_2xx{0};
    std::atomic<std::int64_t> errors{0};

    void add(const std::vector<std::int64_t>& mine) {
        std::lock_guard lock{m};
        latencies_us.insert(latencies_us.end(), mine.begin(), mine.end());
    }
};

// Runs `step(thread, connection, i)` on every connection until it answers false or time is up.
template <class Step>
double run(const options& o, samples& out, Step step) {
    std::vector<std::thread> threads;
    // For profilers attached to the server: what comes before this line is set-up.
    std::cerr << "bench_orders: timed run starts" << std::endl;
    auto deadline = clock_type::now() + std::chrono::seconds(o.seconds);
    auto started = clock_type::now();
    for (int t = 0; t < o.connections; ++t) {
        threads.emplace_back([&, t] {
            std::vector<std::int64_t> mine;
            try {
                connection c{o.port};
                for (int i = 0; clock_type::now() < deadline; ++i) {
                    auto before = clock_type::now();
                    int status = 0;
                    if (!step(t, c, i, status)) {
                        break;
                    }
                    mine.push_back(std::chrono::duration_cast<std::chrono::microseconds>(
                                       clock_type::now() - before
                    )
                                       .count());
                    if (status < 200 || status >= 400) {
                        ++out.non_2xx;
                    }
                }
            } catch (const std::exception& e) {
                ++out.errors;
                std::cerr << "bench_orders: connection " << t << ": " << e.what() << "\n";
            }
            out.add(mine);
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    return std::chrono::duration<double>(clock_type::now() - started).count();
}

void report(samples& s, double seconds) {
    auto& l = s.latencies_us;
    std::sort(l.begin(), l.end());
    auto pct = [&](double p) -> std::int64_t {
        if (l.empty()) {
            return 0;
        }
        auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(l.size() - 1) + 0.5);
        return l[std::min(i, l.size() - 1)];
    };
    std::printf(
        "BENCH_RESULT requests=%zu duration_us=%lld rps=%.1f p50_us=%lld p90_us=%lld p99_us=%lld "
        "max_us=%lld err_connect=0 err_read=%lld err_write=0 err_status=%lld err_timeout=0\n",
        l.size(), static_cast<long long>(seconds * 1e6),
        seconds > 0 ? static_cast<double>(l.size()) / seconds : 0.0,
        static_cast<long long>(pct(50)), static_cast<long long>(pct(90)),
        static_cast<long long>(pct(99)), static_cast<long long>(l.empty() ? 0 : l.back()),
        static_cast<long long>(s.errors.load()), static_cast<long long>(s.non_2xx.load())
    );
}

const std::string checkout_body = R"({"email":"bench@example.test",)"
                                  R"("shipping_address":{"line1":"Alexanderplatz 1","city":"Berlin",)"
                                  R"("country":"DE","lat":52.5219,"lng":13.4132},)"
                                  R"("delivery":{"method":"pickup"},"payment":{"method":"cod"}})";

// `lines`: how many different variants one cart receives (5 is a typical cart, 40 a large one).
void cart_add(const options& o, const std::vector<store_variants>& stores, std::size_t lines) {
    std::vector<std::string> variants;
    for (const auto& s : stores) {
        for (const auto& v : s.variants) {
            if (variants.size() < 40) {  // a cart holds at most 50 lines
                variants.push_back(v);
            }
        }
    }
    lines = std::min(lines, variants.size());
    // Carts per connection: a line reaches its quantity limit (99) only after ~32 x 99 x lines adds
    // on one connection (8 were used up at 12,000 adds/s).
    constexpr std::size_t per_connection = 32;
    std::vector<std::vector<guest_cart>> carts(static_cast<std::size_t>(o.connections));
    {
        connection c{o.port};
        for (auto& mine : carts) {
            for (std::size_t i = 0; i < per_connection; ++i) {
                mine.push_back(new_cart(c));
            }
        }
    }
    samples s;
    auto seconds = run(o, s, [&](int t, connection& c, int i, int& status) {
        thread_local std::mt19937 rng{static_cast<unsigned>(t) * 7919U + 1U};
        auto slot = static_cast<std::size_t>(i) % per_connection;
        const auto& cart = carts[static_cast<std::size_t>(t)][slot];
        // Each cart draws from its own `lines` variants (offset by connection and slot).
        auto first = (static_cast<std::size_t>(t) * per_connection + slot) * 7;
        const auto& v = variants[(first + rng() % lines) % variants.size()];
        auto r = c.send(
            http::verb::post, "/api/v1/store/carts/" + cart.id + "/line-items", add_body(v),
            {{"X-Cart-Token", cart.token}}
        );
        status = r.status;
        if (r.status != 200 && s.non_2xx.load() < 3) {
            std::cerr << "bench_orders: add to cart answered " << r.status << ": " << r.body.substr(0, 300) << "\n";
        }
        return true;
    });
    report(s, seconds);
}

void checkout(const options& o, const std::vector<store_variants>& stores) {
    // Prepared on all connections at once, untimed: each cart gets one unit from each of three stores.
    std::vector<guest_cart> carts(static_cast<std::size_t>(o.carts));
    {
        std::vector<std::thread> threads;
        for (int t = 0; t < o.connections; ++t) {
            threads.emplace_back([&, t] {
                connection c{o.port};
                for (auto i = static_cast<std::size_t>(t); i < carts.size(); i += static_cast<std::size_t>(o.connections)) {
                    carts[i] = new_cart(c);
                    for (std::size_t k = 0; k < 3; ++k) {
                        const auto& vs = stores[k].variants;
                        must(c.send(
                                 http::verb::post, "/api/v1/store/carts/" + carts[i].id + "/line-items",
                                 add_body(vs[i % vs.size()]), {{"X-Cart-Token", carts[i].token}}
                             ),
                             200, "add to cart");
                    }
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
    }
    std::atomic<std::size_t> next{0};
    samples s;
    auto seconds = run(o, s, [&](int t, connection& c, int /*i*/, int& status) {
        auto i = next++;
        if (i >= carts.size()) {
            return false;
        }
        auto r = c.send(
            http::verb::post, "/api/v1/store/carts/" + carts[i].id + "/checkout", checkout_body,
            {{"X-Cart-Token", carts[i].token},
             {"Idempotency-Key", "bench-" + std::to_string(t) + "-" + carts[i].id}}
        );
        status = r.status;
        if (r.status != 201 && s.non_2xx.load() < 3) {
            std::cerr << "bench_orders: checkout answered " << r.status << ": " << r.body.substr(0, 300) << "\n";
        }
        return true;
    });
    report(s, seconds);
}

void order_history(const options& o, const std::vector<store_variants>& stores) {
    connection c{o.port};
    auto email = "history-" + std::to_string(::getpid()) + "@example.test";
    auto account = json::serialize(json::object{{"email", email}, {"password", "bench-Password-1"}, {"name", "History"}});
    auto tokens = json::parse(must(c.send(http::verb::post, "/api/v1/auth/register", account), 201, "register").body);
    auto token = "Bearer " + std::string{tokens.at("access_token").as_string()};
    for (int n = 0; n < 20; ++n) {
        auto cart = json::parse(must(c.send(http::verb::post, "/api/v1/store/carts", R"({"currency":"EUR"})",
                                            {{"Authorization", token}}),
                                     201, "create cart")
                                    .body);
        auto id = std::string{cart.at("id").as_string()};
        for (std::size_t k = 0; k < std::min<std::size_t>(3, stores.size()); ++k) {
            const auto& vs = stores[k].variants;
            must(c.send(http::verb::post, "/api/v1/store/carts/" + id + "/line-items",
                        add_body(vs[static_cast<std::size_t>(n) % vs.size()]), {{"Authorization", token}}),
                 200, "add to cart");
        }
        must(c.send(http::verb::post, "/api/v1/store/carts/" + id + "/checkout", checkout_body,
                    {{"Authorization", token}, {"Idempotency-Key", "history-" + id}}),
             201, "checkout");
    }
    samples s;
    auto seconds = run(o, s, [&](int /*t*/, connection& conn, int /*i*/, int& status) {
        status = conn.send(http::verb::get, "/api/v1/me/orders?limit=20", {}, {{"Authorization", token}}).status;
        return true;
    });
    report(s, seconds);
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        std::string v = argv[i + 1];
        if (k == "--port") {
            o.port = static_cast<unsigned short>(std::stoi(v));
        } else if (k == "--scenario") {
            o.scenario = v;
        } else if (k == "--connections") {
            o.connections = std::stoi(v);
        } else if (k == "--seconds") {
            o.seconds = std::stoi(v);
        } else if (k == "--carts") {
            o.carts = std::stoi(v);
        } else {
            die("unknown option " + k);
        }
    }
    if (o.port == 0 || o.connections < 1 || o.seconds < 1 || o.carts < 1) {
        die("usage: bench_orders --port P --scenario cart_add|cart_add_large|checkout|order_history "
            "[--connections N] [--seconds S] [--carts N]");
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    auto o = parse(argc, argv);
    try {
        connection c{o.port};
        auto stores = make_stores(c);
        if (o.scenario == "cart_add") {
            cart_add(o, stores, 5);
        } else if (o.scenario == "cart_add_large") {
            cart_add(o, stores, 40);
        } else if (o.scenario == "checkout") {
            checkout(o, stores);
        } else if (o.scenario == "order_history") {
            order_history(o, stores);
        } else {
            die("unknown scenario " + o.scenario);
        }
    } catch (const std::exception& e) {
        die(e.what());
    }
    return 0;
}
