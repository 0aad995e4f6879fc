#include "infra/db/postgres.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cmath>
#include <optional>
#include <random>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/log.hpp"

namespace infra::db {
namespace {

namespace asio = boost::asio;
using asio::posix::stream_descriptor;
using steady = std::chrono::steady_clock;
using core::errc;

struct pg_conn_deleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct pg_result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
struct pg_options_deleter {
    void operator()(PQconninfoOption* o) const noexcept { PQconninfoFree(o); }
};
using pg_conn_ptr = std::unique_ptr<PGconn, pg_conn_deleter>;
using pg_result_ptr = std::unique_ptr<PGresult, pg_result_deleter>;
using pg_options_ptr = std::unique_ptr<PQconninfoOption, pg_options_deleter>;

// Type OIDs sent with text parameters; 0 lets the server infer the type from the column or
// expression.
constexpr Oid int8_oid = 20;
constexpr Oid float8_oid = 701;
constexpr Oid bool_oid = 16;
constexpr Oid unknown_oid = 0;

// Beyond this many named statements a connection runs new SQL unnamed, so dynamic SQL cannot grow
// the server's memory without bound.
constexpr std::size_t max_cached_statements = 256;

// libpq messages end with a newline and may span lines; logs want one line.
std::string one_line(const char* message) {
    std::string out = message != nullptr ? message : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
        out.pop_back();
    }
    std::replace(out.begin(), out.end(), '\n', ' ');
    return out;
}

core::error connection_error(PGconn* c, std::string_view what) {
    const errc code = PQstatus(c) == CONNECTION_BAD ? errc::unavailable : errc::internal;
    return core::error{code, std::string{what} + ": " + one_line(PQerrorMessage(c))};
}

core::error result_error(PGconn* c, const PGresult* r) {
    const char* field = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const std::string_view state = field != nullptr ? field : "";
    std::string message = one_line(PQresultErrorMessage(r));
    // 08: connection exceptions; 57P0x: the server is shutting down or refusing connections.
    if (PQstatus(c) == CONNECTION_BAD || state.starts_with("08") || state.starts_with("57P0")) {
        return core::error{errc::unavailable, std::move(message)};
    }
    // 40001 serialization_failure, 40P01 deadlock_detected: the whole transaction may be retried.
    if (state == "40001" || state == "40P01") {
        return core::error{errc::busy, std::move(message)};
    }
    if (state.starts_with("23")) {
        // The constraint (or column, for NOT NULL) names the rule without the row's values.
        const char* constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
        const char* column = PQresultErrorField(r, PG_DIAG_COLUMN_NAME);
        std::string detail = constraint != nullptr ? constraint
                             : column != nullptr   ? column
                                                   : "constraint violation";
        return core::error{state == "23505" ? errc::conflict : errc::invalid, std::move(detail)};
    }
    return core::error{errc::internal, std::string{state} + ": " + message};
}

core::error wait_error(const boost::system::error_code& ec) {
    return core::error{errc::unavailable, "waiting on the database socket: " + ec.message()};
}

// Asio's reactor is edge-triggered: an edge it consumed while nobody waited, or bytes libpq left in
// the kernel buffer, would never wake a later wait. So every wait first asks the kernel directly.
short ready_now(int fd, short events) noexcept {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, 0) > 0 ? p.revents : short{0};
}

// libpq's socket registered with one io_context for one checkout. libpq owns the fd, so it is
// released, never closed, before the descriptor goes away.
class borrowed_socket {
public:
    borrowed_socket(const asio::any_io_executor& ex, int fd) : descriptor_(ex) {
        boost::system::error_code ec;
        descriptor_.assign(fd, ec);
    }
    borrowed_socket(const borrowed_socket&) = delete;
    borrowed_socket& operator=(const borrowed_socket&) = delete;
    borrowed_socket(borrowed_socket&&) = delete;
    borrowed_socket& operator=(borrowed_socket&&) = delete;
    ~borrowed_socket() {
        if (descriptor_.is_open()) {
            (void)descriptor_.release();
        }
    }

    bool is_open() const noexcept { return descriptor_.is_open(); }
    int fd() noexcept { return descriptor_.native_handle(); }
    stream_descriptor& get() noexcept { return descriptor_; }

private:
    stream_descriptor descriptor_;
};

enum class waited { ready, timed_out, failed };

// Waits for `what` on `fd` on the caller's executor until `deadline` (connection set-up only).
core::task<waited> wait_until(
    int fd, stream_descriptor::wait_type what, steady::time_point deadline
) {
    const short events = what == stream_descriptor::wait_read ? POLLIN : POLLOUT;
    if (ready_now(fd, events) != 0) {
        co_return waited::ready;
    }
    auto ex = co_await asio::this_coro::executor;
    borrowed_socket socket{ex, fd};
    if (!socket.is_open()) {
        co_return waited::failed;
    }
    asio::steady_timer timer{ex, deadline};
    auto [order, socket_ec, timer_ec] =
        co_await asio::experimental::make_parallel_group(
            socket.get().async_wait(what, asio::deferred), timer.async_wait(asio::deferred)
        )
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    if (order[0] == 1 && !timer_ec) {
        co_return waited::timed_out;
    }
    co_return socket_ec ? waited::failed : waited::ready;
}

std::vector<std::string> split(std::string_view text, char sep) {
    std::vector<std::string> out;
    for (;;) {
        const auto at = text.find(sep);
        out.emplace_back(text.substr(0, at));
        if (at == std::string_view::npos) {
            return out;
        }
        text.remove_prefix(at + 1);
    }
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) {
            out += ',';
        }
        out += p;
    }
    return out;
}

// Keyword/value pairs for PQconnectStartParams.
using conninfo = std::vector<std::pair<std::string, std::string>>;

std::string* find_option(conninfo& info, std::string_view key) {
    for (auto& [k, v] : info) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

// libpq resolves host names with a blocking getaddrinfo inside PQconnectPoll. Resolving them here
// with Asio and handing libpq numeric `hostaddr`s (keeping `host` for TLS and .pgpass) keeps I/O
// threads free.
core::task<core::result<void>> resolve_hosts(conninfo& info, steady::time_point deadline) {
    std::string* host = find_option(info, "host");
    std::string* hostaddr = find_option(info, "hostaddr");
    if (host == nullptr || host->empty() || (hostaddr != nullptr && !hostaddr->empty())) {
        co_return core::ok();
    }
    const auto hosts = split(*host, ',');
    std::string* port = find_option(info, "port");
    const auto ports = port != nullptr ? split(*port, ',') : std::vector<std::string>{};
    const bool port_per_host = ports.size() > 1 && ports.size() == hosts.size();

    auto ex = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver{ex};
    std::vector<std::string> out_hosts;
    std::vector<std::string> out_addrs;
    std::vector<std::string> out_ports;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        const std::string& name = hosts[i];
        const std::string host_port = port_per_host ? ports[i] : std::string{};
        // Empty entries and Unix socket directories need no resolution.
        if (name.empty() || name.front() == '/' || name.front() == '@') {
            out_hosts.push_back(name);
            out_addrs.emplace_back();
            out_ports.push_back(host_port);
            continue;
        }
        asio::steady_timer timer{ex, deadline};
        auto [order, ec, found, timer_ec] =
            co_await asio::experimental::make_parallel_group(
                resolver.async_resolve(
                    name, "0", asio::ip::resolver_base::numeric_service, asio::deferred
                ),
                timer.async_wait(asio::deferred)
            )
                .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
        if (order[0] == 1 && !timer_ec) {
            co_return core::fail(errc::unavailable, "resolving the database host timed out");
        }
        if (ec) {
            core::log::warn("postgres host not resolved")
                .field("host", name)
                .field("error", ec.message());
            continue;
        }
        for (const auto& entry : found) {
            auto address = entry.endpoint().address().to_string();
            if (std::find(out_addrs.begin(), out_addrs.end(), address) == out_addrs.end()) {
                out_hosts.push_back(name);
                out_addrs.push_back(std::move(address));
                out_ports.push_back(host_port);
            }
        }
    }
    if (out_hosts.empty()) {
        co_return core::fail(errc::unavailable, "cannot resolve the database host");
    }
    *host = join(out_hosts);
    if (hostaddr != nullptr) {
        *hostaddr = join(out_addrs);
    } else {
        info.emplace_back("hostaddr", join(out_addrs));
    }
    if (port_per_host) {
        *port = join(out_ports);
    }
    co_return core::ok();
}

core::result<conninfo> parse_url(const postgres_settings& settings) {
    char* raw_error = nullptr;
    pg_options_ptr options{PQconninfoParse(settings.url.c_str(), &raw_error)};
    if (raw_error != nullptr) {
        // The message may quote parts of the URL, password included: keep it out of logs.
        PQfreemem(raw_error);
    }
    if (!options) {
        return core::fail(errc::invalid, "the PostgreSQL URL cannot be parsed");
    }
    conninfo info;
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val != nullptr) {
            info.emplace_back(o->keyword, o->val);
        }
    }
    if (find_option(info, "fallback_application_name") == nullptr) {
        info.emplace_back("fallback_application_name", "trader");
    }
    if (settings.statement_timeout.count() > 0) {
        // Set at start-up rather than by a SET round trip on every new connection.
        const std::string flag =
            "-c statement_timeout=" + std::to_string(settings.statement_timeout.count());
        if (std::string* options_value = find_option(info, "options")) {
            *options_value += " " + flag;
        } else {
            info.emplace_back("options", flag);
        }
    }
    return info;
}

// Server notices (e.g. "there is no transaction in progress") go to our log instead of libpq's
// stderr.
void log_notice(void* /*unused*/, const PGresult* r) {
    const char* severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    const bool warning = severity != nullptr && std::string_view{severity} == "WARNING";
    auto message = one_line(PQresultErrorMessage(r));
    if (warning) {
        core::log::warn("postgres notice").field("message", message);
    } else {
        core::log::debug("postgres notice").field("message", message);
    }
}

// Opens one connection: PQconnectStartParams, then PQconnectPoll whenever the socket is ready.
core::task<core::result<pg_conn_ptr>> connect(postgres_settings settings) {
    const auto deadline = steady::now() + settings.connect_timeout;
    auto info = parse_url(settings);
    if (!info) {
        co_return std::move(info).error();
    }
    auto resolved = co_await resolve_hosts(*info, deadline);
    if (!resolved) {
        co_return std::move(resolved).error();
    }
    std::vector<const char*> keys;
    std::vector<const char*> values;
    for (const auto& [k, v] : *info) {
        keys.push_back(k.c_str());
        values.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);

    pg_conn_ptr conn{PQconnectStartParams(keys.data(), values.data(), 0)};
    if (!conn) {
        co_return core::fail(errc::unavailable, "libpq could not allocate a connection");
    }
    PGconn* c = conn.get();
    if (PQstatus(c) == CONNECTION_BAD) {
        co_return connection_error(c, "cannot connect to PostgreSQL");
    }
    // libpq's connection protocol: start as if the last poll asked for writability.
    PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
    while (polling != PGRES_POLLING_OK) {
        if (polling == PGRES_POLLING_FAILED) {
            co_return connection_error(c, "cannot connect to PostgreSQL");
        }
        if (polling == PGRES_POLLING_READING || polling == PGRES_POLLING_WRITING) {
            // The socket can change between polls (libpq tries the next address), so it is looked
            // up each time.
            const auto what = polling == PGRES_POLLING_READING ? stream_descriptor::wait_read
                                                               : stream_descriptor::wait_write;
            switch (co_await wait_until(PQsocket(c), what, deadline)) {
                case waited::ready:
                    break;
                case waited::timed_out:
                    co_return core::fail(
                        errc::unavailable, "connecting to PostgreSQL timed out after " +
                                               std::to_string(settings.connect_timeout.count()) +
                                               " ms"
                    );
                case waited::failed:
                    co_return core::fail(errc::unavailable, "cannot wait on the PostgreSQL socket");
            }
        }
        polling = PQconnectPoll(c);
    }
    if (PQsetnonblocking(c, 1) != 0) {
        co_return connection_error(c, "cannot make the connection non-blocking");
    }
    PQsetNoticeReceiver(c, &log_notice, nullptr);
    co_return conn;
}

std::string format_double(double v) {
    if (std::isnan(v)) {
        return "NaN";
    }
    if (std::isinf(v)) {
        return v > 0 ? "Infinity" : "-Infinity";
    }
    // Shortest text that reads back as the same double.
    std::array<char, 32> buf{};
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return {buf.data(), end};
}

// Every parameter travels as text with an explicit type; strings go untyped so the server coerces
// them to the column's type (text, jsonb, timestamptz...).
struct bound_params {
    std::vector<std::string> texts;
    std::vector<const char*> values;
    std::vector<Oid> types;

    explicit bound_params(const params& args) {
        texts.reserve(args.size());
        types.reserve(args.size());
        for (const param& p : args) {
            std::visit(
                [this](const auto& v) {
                    using value_type = std::decay_t<decltype(v)>;
                    if constexpr (std::is_same_v<value_type, std::monostate>) {
                        texts.emplace_back();
                        types.push_back(unknown_oid);
                    } else if constexpr (std::is_same_v<value_type, std::int64_t>) {
                        texts.push_back(std::to_string(v));
                        types.push_back(int8_oid);
                    } else if constexpr (std::is_same_v<value_type, double>) {
                        texts.push_back(format_double(v));
                        types.push_back(float8_oid);
                    } else if constexpr (std::is_same_v<value_type, bool>) {
                        texts.emplace_back(v ? "true" : "false");
                        types.push_back(bool_oid);
                    } else {
                        texts.push_back(v);
                        types.push_back(unknown_oid);
                    }
                },
                p.value()
            );
        }
        // Pointers are taken once the strings no longer move.
        values.reserve(args.size());
        for (std::size_t i = 0; i < args.size(); ++i) {
            values.push_back(args[i].is_null() ? nullptr : texts[i].c_str());
        }
    }

    int count() const noexcept { return static_cast<int>(types.size()); }
};

rows to_rows(const PGresult* r) {
    const int row_count = PQntuples(r);
    const int column_count = PQnfields(r);
    std::vector<std::string> columns;
    columns.reserve(static_cast<std::size_t>(column_count));
    for (int c = 0; c < column_count; ++c) {
        columns.emplace_back(PQfname(r, c));
    }
    std::vector<cell> cells;
    cells.reserve(static_cast<std::size_t>(row_count) * static_cast<std::size_t>(column_count));
    for (int i = 0; i < row_count; ++i) {
        for (int c = 0; c < column_count; ++c) {
            if (PQgetisnull(r, i, c) != 0) {
                cells.emplace_back(std::monostate{});
            } else {
                cells.emplace_back(
                    std::string(PQgetvalue(r, i, c), static_cast<std::size_t>(PQgetlength(r, i, c)))
                );
            }
        }
    }
    std::int64_t affected = 0;
    const std::string_view tuples =
        PQcmdTuples(const_cast<PGresult*>(r));  // NOLINT: libpq's signature lacks const
    (void)std::from_chars(tuples.data(), tuples.data() + tuples.size(), affected);
    return rows{std::move(columns), std::move(cells), affected};
}

std::string_view begin_statement(tx_mode mode) {
    switch (mode) {
        case tx_mode::read:
            // One snapshot for every statement of the transaction.
            return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
        case tx_mode::write:
            return "BEGIN";
        case tx_mode::serializable_write:
            return "BEGIN ISOLATION LEVEL SERIALIZABLE";
    }
    return "BEGIN";
}

}  // namespace

// One pooled slot. `pg` is null until the slot's connection is opened (lazily) or after it was
// discarded.
struct postgres_connection {
    pg_conn_ptr pg;
    // Cache key (SQL and parameter types) -> server-side statement name.
    std::unordered_map<std::string, std::string> statements;
    int next_statement = 0;
    // A dropped transaction sent ROLLBACK without reading the reply; the next checkout reads it.
    bool rollback_in_flight = false;
};

class postgres_session;

// Slots are handed out through a channel of returned slots: whoever receives a slot owns it
// exclusively until it is sent back, which is what makes libpq (not thread-safe per connection)
// usable from several threads. Slots never used yet are claimed by index, after idle connections,
// so a connection opens only when every open one is busy.
class postgres_pool {
public:
    explicit postgres_pool(postgres_settings settings)
        : settings_(std::move(settings)),
          idle_(home_.get_executor(), static_cast<std::size_t>(settings_.pool_size)) {
        slots_.reserve(static_cast<std::size_t>(settings_.pool_size));
        for (int i = 0; i < settings_.pool_size; ++i) {
            slots_.push_back(std::make_unique<postgres_connection>());
        }
    }
    postgres_pool(const postgres_pool&) = delete;
    postgres_pool& operator=(const postgres_pool&) = delete;
    postgres_pool(postgres_pool&&) = delete;
    postgres_pool& operator=(postgres_pool&&) = delete;
    ~postgres_pool() = default;

    core::task<core::result<std::unique_ptr<postgres_session>>> acquire();
    void give_back(postgres_connection& c) noexcept;

    void adopt(postgres_connection& c, pg_conn_ptr pg) noexcept {
        c.pg = std::move(pg);
        open_.fetch_add(1, std::memory_order_relaxed);
    }

    void discard(postgres_connection& c, std::string_view why) noexcept {
        if (!c.pg) {
            return;
        }
        core::log::warn("postgres connection discarded").field("reason", why);
        c.pg.reset();
        c.statements.clear();
        c.next_statement = 0;
        c.rollback_in_flight = false;
        open_.fetch_sub(1, std::memory_order_relaxed);
    }

    pool_stats stats() const noexcept {
        return pool_stats{
            .size = open_.load(std::memory_order_relaxed),
            .idle = idle_count_.load(std::memory_order_relaxed),
            .waiting = waiting_.load(std::memory_order_relaxed),
        };
    }

    const postgres_settings& settings() const noexcept { return settings_; }

private:
    postgres_connection* claim_unused_slot() noexcept {
        int next = unused_.load(std::memory_order_relaxed);
        while (next < settings_.pool_size) {
            if (unused_.compare_exchange_weak(next, next + 1, std::memory_order_relaxed)) {
                return slots_[static_cast<std::size_t>(next)].get();
            }
        }
        return nullptr;
    }

    postgres_settings settings_;
    // Never run: it only hosts the channel's state. Completions run on each receiver's own
    // executor.
    asio::io_context home_;
    std::vector<std::unique_ptr<postgres_connection>> slots_;
    asio::experimental::concurrent_channel<void(boost::system::error_code, postgres_connection*)>
        idle_;
    std::atomic<int> unused_{0};  // index of the first slot never handed out
    std::atomic<int> open_{0};
    std::atomic<int> idle_count_{0};
    std::atomic<std::int64_t> waiting_{0};
};

// A connection checked out by one coroutine, its socket watched on that coroutine's executor. Going
// out of scope hands the connection back to the pool.
class postgres_session {
public:
    postgres_session(postgres_pool& pool, postgres_connection& conn) : pool_(pool), conn_(conn) {}
    postgres_session(const postgres_session&) = delete;
    postgres_session& operator=(const postgres_session&) = delete;
    postgres_session(postgres_session&&) = delete;
    postgres_session& operator=(postgres_session&&) = delete;
    ~postgres_session() {
        socket_.reset();
        pool_.give_back(conn_);
    }

    // Makes the slot usable on `ex`: replaces a dead or missing connection and finishes what an
    // abandoned transaction left behind.
    core::task<core::result<void>> prepare(asio::any_io_executor ex) {
        if (conn_.pg && !alive()) {
            pool_.discard(conn_, "the server closed the connection");
        }
        if (conn_.pg) {
            socket_.emplace(ex, PQsocket(pg()));
            if (socket_->is_open()) {
                auto settled = co_await settle();
                if (settled) {
                    co_return core::ok();
                }
                core::log::warn("postgres connection not reusable")
                    .field("error", settled.error().detail);
            }
            socket_.reset();
            pool_.discard(conn_, "could not be made ready for reuse");
        }
        auto opened = co_await connect(pool_.settings());
        if (!opened) {
            core::log::warn("postgres connect failed").field("error", opened.error().detail);
            co_return std::move(opened).error();
        }
        pool_.adopt(conn_, std::move(*opened));
        socket_.emplace(ex, PQsocket(pg()));
        if (!socket_->is_open()) {
            co_return core::fail(errc::internal, "cannot watch the PostgreSQL socket");
        }
        co_return core::ok();
    }

    // One statement with parameters, prepared once per connection and cached.
    core::task<core::result<rows>> run(std::string sql, params args) {
        const bound_params bound{args};
        std::string key = sql;
        key.push_back('\0');
        for (Oid type : bound.types) {
            key += std::to_string(type) + ",";
        }
        const std::string* name = nullptr;
        if (auto found = conn_.statements.find(key); found != conn_.statements.end()) {
            name = &found->second;
        } else if (conn_.statements.size() < max_cached_statements) {
            std::string fresh = "s" + std::to_string(++conn_.next_statement);
            if (PQsendPrepare(
                    pg(), fresh.c_str(), sql.c_str(), bound.count(), bound.types.data()
                ) == 0) {
                co_return connection_error(pg(), "sending a prepare");
            }
            auto prepared = co_await finish();
            if (!prepared) {
                co_return std::move(prepared).error();
            }
            name = &conn_.statements.emplace(std::move(key), std::move(fresh)).first->second;
        }
        const int sent = name != nullptr ? PQsendQueryPrepared(
                                               pg(), name->c_str(), bound.count(),
                                               bound.values.data(), nullptr, nullptr, 0
                                           )
                                         : PQsendQueryParams(
                                               pg(), sql.c_str(), bound.count(), bound.types.data(),
                                               bound.values.data(), nullptr, nullptr, 0
                                           );
        if (sent == 0) {
            co_return connection_error(pg(), "sending a query");
        }
        co_return co_await finish();
    }

    // Statements without parameters over the simple protocol (several may be separated by ';');
    // returns the last statement's rows, or the first error.
    core::task<core::result<rows>> simple(std::string sql) {
        if (PQsendQuery(pg(), sql.c_str()) == 0) {
            co_return connection_error(pg(), "sending a query");
        }
        co_return co_await finish();
    }

    bool in_failed_transaction() const noexcept {
        return PQtransactionStatus(pg()) == PQTRANS_INERROR;
    }

    // For a transaction dropped without commit or rollback: sends ROLLBACK without waiting, so the
    // server releases the transaction's locks now rather than when the connection is next checked
    // out.
    void abandon() noexcept {
        const auto state = PQtransactionStatus(pg());
        if (state != PQTRANS_INTRANS && state != PQTRANS_INERROR) {
            return;  // idle, or a statement was cut off mid-flight: give_back discards that
                     // connection
        }
        if (PQsendQuery(pg(), "ROLLBACK") == 1) {
            (void)PQflush(pg());  // non-blocking; what is left is flushed by the next checkout
            conn_.rollback_in_flight = true;
        }
    }

private:
    PGconn* pg() const noexcept { return conn_.pg.get(); }

    // An idle connection cannot tell that the server ended the session until it reads: read what is
    // pending (an error and EOF after a restart or pg_terminate_backend) before trusting it.
    bool alive() noexcept {
        for (int i = 0;
             i < 4 && PQstatus(pg()) == CONNECTION_OK && ready_now(PQsocket(pg()), POLLIN) != 0;
             ++i) {
            if (PQconsumeInput(pg()) == 0) {
                break;
            }
        }
        return PQstatus(pg()) == CONNECTION_OK;
    }

    core::task<core::result<void>> settle() {
        if (conn_.rollback_in_flight) {
            conn_.rollback_in_flight = false;
            auto drained = co_await finish();
            if (!drained) {
                co_return std::move(drained).error();
            }
        }
        const auto state = PQtransactionStatus(pg());
        if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) {
            auto rolled = co_await simple("ROLLBACK");
            if (!rolled) {
                co_return std::move(rolled).error();
            }
        }
        co_return core::ok();
    }

    // Flushes what was sent and reads every result of it.
    core::task<core::result<rows>> finish() {
        auto flushed = co_await flush();
        if (!flushed) {
            co_return std::move(flushed).error();
        }
        rows out;
        std::optional<core::error> failed;
        for (;;) {
            auto input = co_await await_result();
            if (!input) {
                co_return std::move(input).error();
            }
            pg_result_ptr r{PQgetResult(pg())};
            if (!r) {
                break;
            }
            switch (PQresultStatus(r.get())) {
                case PGRES_TUPLES_OK:
                case PGRES_COMMAND_OK:
                case PGRES_EMPTY_QUERY:
                    if (!failed) {
                        out = to_rows(r.get());
                    }
                    break;
                case PGRES_FATAL_ERROR:
                case PGRES_NONFATAL_ERROR:
                case PGRES_BAD_RESPONSE:
                    if (!failed) {
                        failed = result_error(pg(), r.get());
                    }
                    break;
                default:
                    // COPY and pipeline states never end by reading results; the connection is left
                    // mid-command and give_back discards it.
                    co_return core::fail(
                        errc::internal,
                        std::string{"unsupported result: "} + PQresStatus(PQresultStatus(r.get()))
                    );
            }
        }
        if (failed) {
            co_return std::move(*failed);
        }
        co_return out;
    }

    // PQflush until everything is sent. While the send buffer is full it also reads, as libpq asks:
    // the server may be blocked writing to us.
    core::task<core::result<void>> flush() {
        for (;;) {
            const int pending = PQflush(pg());
            if (pending == 0) {
                co_return core::ok();
            }
            if (pending < 0) {
                co_return connection_error(pg(), "sending to the server");
            }
            if (ready_now(socket_->fd(), POLLIN | POLLOUT) == 0) {
                auto& s = socket_->get();
                auto [order, read_ec, write_ec] =
                    co_await asio::experimental::make_parallel_group(
                        s.async_wait(stream_descriptor::wait_read, asio::deferred),
                        s.async_wait(stream_descriptor::wait_write, asio::deferred)
                    )
                        .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
                const auto& ec = order[0] == 0 ? read_ec : write_ec;
                if (ec) {
                    co_return wait_error(ec);
                }
            }
            if (PQconsumeInput(pg()) == 0) {
                co_return connection_error(pg(), "reading from the server");
            }
        }
    }

    // Reads until PQgetResult can return without blocking.
    core::task<core::result<void>> await_result() {
        while (PQisBusy(pg()) != 0) {
            if (ready_now(socket_->fd(), POLLIN) == 0) {
                auto [ec] = co_await socket_->get().async_wait(
                    stream_descriptor::wait_read, asio::as_tuple(asio::use_awaitable)
                );
                if (ec) {
                    co_return wait_error(ec);
                }
            }
            if (PQconsumeInput(pg()) == 0) {
                co_return connection_error(pg(), "reading from the server");
            }
        }
        co_return core::ok();
    }

    postgres_pool& pool_;
    postgres_connection& conn_;
    std::optional<borrowed_socket> socket_;
};

core::task<core::result<std::unique_ptr<postgres_session>>> postgres_pool::acquire() {
    // An idle connection first, then a slot never used, and only then wait for one to come back.
    postgres_connection* slot = nullptr;
    (void)idle_.try_receive([&slot](boost::system::error_code, postgres_connection* c) { slot = c; }
    );
    if (slot == nullptr) {
        slot = claim_unused_slot();
    }
    if (slot == nullptr) {
        waiting_.fetch_add(1, std::memory_order_relaxed);
        auto [ec, returned] = co_await idle_.async_receive(asio::as_tuple(asio::use_awaitable));
        waiting_.fetch_sub(1, std::memory_order_relaxed);
        if (ec) {
            co_return core::fail(
                errc::unavailable, "waiting for a database connection: " + ec.message()
            );
        }
        slot = returned;
    }
    if (slot->pg) {
        idle_count_.fetch_sub(1, std::memory_order_relaxed);
    }
    // From here the session owns the slot and returns it on every path.
    auto session = std::make_unique<postgres_session>(*this, *slot);
    auto ready = co_await session->prepare(co_await asio::this_coro::executor);
    if (!ready) {
        co_return std::move(ready).error();
    }
    co_return session;
}

void postgres_pool::give_back(postgres_connection& c) noexcept {
    if (c.pg) {
        const bool healthy = PQstatus(c.pg.get()) == CONNECTION_OK;
        const auto state = PQtransactionStatus(c.pg.get());
        // A statement still in flight can only be our own ROLLBACK; anything else was cut off by a
        // cancelled caller and its results would confuse the next user.
        const bool reusable = healthy && state != PQTRANS_UNKNOWN &&
                              (state != PQTRANS_ACTIVE || c.rollback_in_flight);
        if (!reusable) {
            discard(c, healthy ? "returned in the middle of a statement" : "connection broken");
        }
    }
    if (c.pg) {
        idle_count_.fetch_add(1, std::memory_order_relaxed);
    }
    // The channel has room for every slot, so this only fails once the pool is being
    // destroyed.
    (void)idle_.try_send(boost::system::error_code{}, &c);
}

namespace {

class postgres_transaction final : public transaction {
public:
    explicit postgres_transaction(std::unique_ptr<postgres_session> session)
        : session_(std::move(session)) {}
    postgres_transaction(const postgres_transaction&) = delete;
    postgres_transaction& operator=(const postgres_transaction&) = delete;
    postgres_transaction(postgres_transaction&&) = delete;
    postgres_transaction& operator=(postgres_transaction&&) = delete;
    ~postgres_transaction() override {
        if (session_) {
            session_->abandon();
        }
    }

    dialect kind() const noexcept override { return dialect::postgres; }

    core::task<core::result<rows>> run(std::string sql, params args) override {
        if (!session_) {
            co_return finished();
        }
        auto out = co_await session_->run(std::move(sql), std::move(args));
        if (!out && !failure_) {
            failure_ = out.error();
        }
        co_return out;
    }

    core::task<core::result<void>> run_script(std::string sql) override {
        if (!session_) {
            co_return finished();
        }
        auto out = co_await session_->simple(std::move(sql));
        if (!out) {
            if (!failure_) {
                failure_ = out.error();
            }
            co_return std::move(out).error();
        }
        co_return core::ok();
    }

    core::task<core::result<void>> commit() override {
        if (!session_) {
            co_return finished();
        }
        // The connection goes back to the pool however this ends.
        auto session = std::move(session_);
        if (session->in_failed_transaction()) {
            // PostgreSQL would answer COMMIT with a silent ROLLBACK: report what aborted the
            // transaction.
            auto rolled = co_await session->simple("ROLLBACK");
            if (!rolled) {
                co_return std::move(rolled).error();
            }
            co_return failure_.value_or(core::error{
                errc::internal, "transaction aborted by an earlier error"});
        }
        auto committed = co_await session->simple("COMMIT");
        if (!committed) {
            co_return std::move(committed).error();
        }
        co_return core::ok();
    }

    core::task<core::result<void>> rollback() override {
        if (!session_) {
            co_return core::ok();
        }
        auto session = std::move(session_);
        auto rolled = co_await session->simple("ROLLBACK");
        if (!rolled) {
            co_return std::move(rolled).error();
        }
        co_return core::ok();
    }

private:
    static core::error finished() {
        return core::error{errc::internal, "the transaction has already ended"};
    }

    std::unique_ptr<postgres_session> session_;
    // The first statement error, reported again by a commit of the aborted transaction.
    std::optional<core::error> failure_;
};

}  // namespace

postgres_database::postgres_database(postgres_settings settings) {
    settings.pool_size = std::max(settings.pool_size, 1);
    pool_ = std::make_unique<postgres_pool>(std::move(settings));
}

postgres_database::~postgres_database() = default;

core::task<core::result<std::unique_ptr<transaction>>> postgres_database::begin(tx_mode mode) {
    auto session = co_await pool_->acquire();
    if (!session) {
        co_return std::move(session).error();
    }
    auto began = co_await (*session)->simple(std::string{begin_statement(mode)});
    if (!began) {
        co_return std::move(began).error();
    }
    co_return std::unique_ptr<transaction>{
        std::make_unique<postgres_transaction>(std::move(*session))};
}

core::task<core::result<rows>> postgres_database::autocommit(std::string sql, params args) {
    auto session = co_await pool_->acquire();
    if (!session) {
        co_return std::move(session).error();
    }
    co_return co_await (*session)->run(std::move(sql), std::move(args));
}

core::task<core::result<rows>> postgres_database::read(std::string sql, params args) {
    return autocommit(std::move(sql), std::move(args));
}

core::task<core::result<rows>> postgres_database::write(std::string sql, params args) {
    return autocommit(std::move(sql), std::move(args));
}

core::task<core::result<void>> postgres_database::ping() {
    auto session = co_await pool_->acquire();
    if (!session) {
        co_return std::move(session).error();
    }
    auto answered = co_await (*session)->simple("SELECT 1");
    if (!answered) {
        co_return std::move(answered).error();
    }
    co_return core::ok();
}

core::task<void> postgres_database::backoff(int attempt) {
    // 2, 4, 8 ... ms capped at 100, and a random half of it so retrying transactions spread out.
    const int ceiling = attempt >= 7 ? 100 : std::min(100, 1 << std::max(attempt, 1));
    std::random_device entropy;
    std::uniform_int_distribution<int> pick{ceiling / 2, ceiling};
    asio::steady_timer timer{
        co_await asio::this_coro::executor, std::chrono::milliseconds{pick(entropy)}};
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // cancelled: the caller's next step sees the cancellation itself
}

pool_stats postgres_database::stats() const { return pool_->stats(); }

core::task<core::result<std::unique_ptr<database>>> open_postgres(postgres_settings settings) {
    if (settings.pool_size < 1) {
        co_return core::fail(errc::invalid, "the PostgreSQL pool size must be at least 1");
    }
    if (settings.connect_timeout.count() <= 0) {
        co_return core::fail(errc::invalid, "the PostgreSQL connect timeout must be positive");
    }
    auto db = std::make_unique<postgres_database>(std::move(settings));
    auto reachable = co_await db->ping();
    if (!reachable) {
        co_return std::move(reachable).error();
    }
    co_return std::unique_ptr<database>{std::move(db)};
}

}  // namespace infra::db
