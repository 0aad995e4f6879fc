#include "support/pg_database.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>

#include "support/env.hpp"

namespace test {
namespace {

struct pg_conn_deleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct pg_result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using pg_conn_ptr = std::unique_ptr<PGconn, pg_conn_deleter>;
using pg_result_ptr = std::unique_ptr<PGresult, pg_result_deleter>;

pg_conn_ptr connect_admin(const std::string& url) {
    pg_conn_ptr conn{PQconnectdb(url.c_str())};
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        throw std::runtime_error(
            "cannot reach the test PostgreSQL: " +
            std::string{conn ? PQerrorMessage(conn.get()) : "out of memory"}
        );
    }
    return conn;
}

// Empty when the statement succeeded, else the server's message.
std::string exec(PGconn* conn, const std::string& sql) {
    pg_result_ptr r{PQexec(conn, sql.c_str())};
    if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) {
        return {};
    }
    return PQerrorMessage(conn);
}

// Swaps the database of a `postgres://...` URL, or appends dbname to a key=value string.
std::string with_database(const std::string& url, const std::string& name) {
    for (std::string_view scheme : {"postgresql://", "postgres://"}) {
        if (url.starts_with(scheme)) {
            // The path starts after the authority and ends at the query, if any.
            const auto path = std::min(url.find_first_of("/?", scheme.size()), url.size());
            const auto query = std::min(url.find('?', path), url.size());
            std::string out = url.substr(0, path);
            out += '/';
            out += name;
            out += url.substr(query);
            return out;
        }
    }
    return url + " dbname=" + name;
}

std::string random_name() {
    std::random_device rd;
    std::uniform_int_distribution<unsigned> digit{0, 35};
    std::string name = "trader_test_" + std::to_string(::getpid()) + "_";
    for (int i = 0; i < 10; ++i) {
        const unsigned d = digit(rd);
        name.push_back(static_cast<char>(d < 10 ? '0' + d : 'a' + (d - 10)));
    }
    return name;
}

}  // namespace

pg_database::pg_database() : admin_url_(pg_admin_url()), name_(random_name()) {
    auto admin = connect_admin(admin_url_);
    if (auto failed = exec(admin.get(), "CREATE DATABASE \"" + name_ + "\""); !failed.empty()) {
        throw std::runtime_error("cannot create test database " + name_ + ": " + failed);
    }
    url_ = with_database(admin_url_, name_);
}

pg_database::~pg_database() {
    pg_conn_ptr admin{PQconnectdb(admin_url_.c_str())};
    if (!admin || PQstatus(admin.get()) != CONNECTION_OK) {
        std::fprintf(stderr, "test database %s not dropped: server unreachable\n", name_.c_str());
        return;
    }
    // FORCE ends connections a pool under test may still hold.
    if (auto failed = exec(admin.get(), "DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
        !failed.empty()) {
        std::fprintf(stderr, "test database %s not dropped: %s\n", name_.c_str(), failed.c_str());
    }
}

}  // namespace test
