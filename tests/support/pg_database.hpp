// A throwaway database on the test PostgreSQL, so every test or server run starts from an empty
// schema.
#pragma once

#include <string>

namespace test {

// Creates a database with a random name on the server at TRADER_TEST_PG_URL (blocking libpq; tests
// only) and drops it, with any connections still open to it, when destroyed. Throws when the server
// is not reachable.
class pg_database {
public:
    pg_database();
    pg_database(const pg_database&) = delete;
    pg_database& operator=(const pg_database&) = delete;
    ~pg_database();

    const std::string& name() const noexcept { return name_; }
    // The admin URL with its database replaced by this one.
    const std::string& url() const noexcept { return url_; }

private:
    std::string admin_url_;
    std::string name_;
    std::string url_;
};

}  // namespace test
