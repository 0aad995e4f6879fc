#include "support/env.hpp"

#include <unistd.h>

#include <cstdlib>
#include <random>
#include <stdexcept>

namespace test {

std::string profile() {
    const char* p = std::getenv("TRADER_TEST_PROFILE");
    return p && *p ? p : "sqlite";
}

std::string pg_admin_url() {
    const char* url = std::getenv("TRADER_TEST_PG_URL");
    if (!url || !*url) {
        throw std::runtime_error("TRADER_TEST_PG_URL is not set: run the suite through `make test`"
        );
    }
    return url;
}

std::filesystem::path make_temp_dir(const std::string& hint) {
    std::random_device rd;
    auto base = std::filesystem::temp_directory_path() / "trader-tests";
    std::filesystem::create_directories(base);
    for (int i = 0; i < 100; ++i) {
        auto dir =
            base / (hint + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000));
        if (std::filesystem::create_directory(dir)) {
            return dir;
        }
    }
    throw std::runtime_error("cannot create a temp dir");
}

}  // namespace test
