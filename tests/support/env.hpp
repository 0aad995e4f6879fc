// What a test run is pointed at: the storage profile and the test services.
#pragma once

#include <filesystem>
#include <string>

namespace test {

// "sqlite" (default) or "pg", from TRADER_TEST_PROFILE.
std::string profile();
// Admin URL of the PostgreSQL that scripts/services started (TRADER_TEST_PG_URL).
std::string pg_admin_url();
// A fresh directory under the build tree's temp area, removed when the process exits cleanly.
std::filesystem::path make_temp_dir(const std::string& hint);

}  // namespace test
