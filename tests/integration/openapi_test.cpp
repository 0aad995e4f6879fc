// docs/openapi.yaml and the router describe the same API: every route is documented and every
// documented operation exists.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "support/trader.hpp"

namespace {

using operation = std::pair<std::string, std::string>;  // METHOD, path template

std::set<operation> documented_operations() {
    std::ifstream in{std::string{TRADER_SOURCE_DIR} + "/docs/openapi.yaml"};
    std::set<operation> out;
    std::string line;
    bool in_paths = false;
    std::string path;
    static const std::regex path_line{R"(^  (/[^:]*):\s*$)"};
    static const std::regex method_line{R"(^    (get|put|post|delete|patch|head|options):\s*$)"};
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] != ' ' && line[0] != '#') {
            in_paths = line.starts_with("paths:");
            continue;
        }
        if (!in_paths) {
            continue;
        }
        std::smatch m;
        if (std::regex_match(line, m, path_line)) {
            path = m[1];
        } else if (std::regex_match(line, m, method_line) && !path.empty()) {
            std::string verb = m[1];
            for (auto& c : verb) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
            // Test-only hooks are documented but exist only with TRADER_TEST_HOOKS=1.
            if (path.find("/_test/") == std::string::npos) {
                out.emplace(verb, path);
            }
        }
    }
    return out;
}

std::set<operation> routed_operations() {
    auto [code, out] = test::run_trader({"routes"}, {{"TRADER_LOG_LEVEL", "warn"}});
    EXPECT_EQ(code, 0) << out;
    std::set<operation> ops;
    std::istringstream lines{out};
    std::string verb, path, who;
    while (lines >> verb >> path >> who) {
        ops.emplace(verb, path);
    }
    return ops;
}

TEST(openapi, documents_exactly_the_routes_the_server_has) {
    auto documented = documented_operations();
    auto routed = routed_operations();
    ASSERT_FALSE(routed.empty());
    for (const auto& op : routed) {
        EXPECT_TRUE(documented.contains(op))
            << op.first << " " << op.second << " is routed but not in docs/openapi.yaml";
    }
    for (const auto& op : documented) {
        EXPECT_TRUE(routed.contains(op))
            << op.first << " " << op.second << " is documented but not routed";
    }
}

}  // namespace
