// The `trader` command line: version, help, config, invalid settings, migrations.
#include <gtest/gtest.h>

#include <fstream>

#include "app/config.hpp"
#include "app/runtime.hpp"
#include "support/env.hpp"
#include "support/pg_database.hpp"
#include "support/trader.hpp"

namespace {

// A fresh database for a command-line run on the current profile.
struct cli_target {
    std::filesystem::path dir = test::make_temp_dir("cli");
    std::unique_ptr<test::pg_database> pg =
        test::profile() == "pg" ? std::make_unique<test::pg_database>() : nullptr;

    std::map<std::string, std::string> env() const {
        std::map<std::string, std::string> e{
            {"TRADER_DATA_DIR", dir.string()}, {"TRADER_LOG_LEVEL", "warn"}};
        if (pg) {
            e["TRADER_DATABASE_URL"] = pg->url();
        }
        return e;
    }
    ~cli_target() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

TEST(cli, version_and_help) {
    auto [code, out] = test::run_trader({"version"}, {});
    EXPECT_EQ(code, 0);
    EXPECT_TRUE(out.starts_with("trader ")) << out;

    auto [hcode, help] = test::run_trader({"--help"}, {});
    EXPECT_EQ(hcode, 0);
    for (auto cmd : {"serve", "migrate", "openapi", "config", "version"}) {
        EXPECT_NE(help.find(cmd), std::string::npos) << cmd;
    }
    auto [scode, shelp] = test::run_trader({"migrate", "--help"}, {});
    EXPECT_EQ(scode, 0);
    EXPECT_NE(shelp.find("status"), std::string::npos);
}

// The value of GLIBC_TUNABLES in a running process's environment ("" when it has none).
std::string tunables_of(pid_t pid) {
    std::ifstream in{"/proc/" + std::to_string(pid) + "/environ", std::ios::binary};
    std::string entry;
    while (std::getline(in, entry, '\0')) {
        if (entry.starts_with("GLIBC_TUNABLES=")) {
            return entry.substr(entry.find('=') + 1);
        }
    }
    return "";
}

// The binary starts itself once more with a larger per-thread cache of freed memory
// (src/app/main.cpp); an operator's own GLIBC_TUNABLES is kept as it is.
TEST(cli, serve_runs_with_the_malloc_tuning_unless_the_operator_set_its_own) {
    test::trader_process tuned;
    EXPECT_EQ(tunables_of(tuned.pid()), "glibc.malloc.tcache_count=256");
    EXPECT_EQ(tuned.http().get("/healthz").status, 200);

    test::trader_process own{test::trader_options{
        .env = {{"GLIBC_TUNABLES", "glibc.malloc.tcache_count=7"}}}};
    EXPECT_EQ(tunables_of(own.pid()), "glibc.malloc.tcache_count=7");
}

TEST(cli, unknown_command_is_a_usage_error) {
    auto [code, out] = test::run_trader({"frobnicate"}, {});
    EXPECT_EQ(code, 2) << out;
}

TEST(cli, invalid_setting_stops_start_up_naming_the_variable) {
    auto [code, out] = test::run_trader({"serve"}, {{"TRADER_PORT", "abc"}});
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find("TRADER_PORT"), std::string::npos) << out;

    auto [code2, out2] = test::run_trader({"serve"}, {{"TRADER_READ_TIMEOUT", "soon"}});
    EXPECT_EQ(code2, 2);
    EXPECT_NE(out2.find("TRADER_READ_TIMEOUT"), std::string::npos) << out2;

    auto [code3, out3] = test::run_trader({"config"}, {{"TRADER_PROT", "8080"}});
    EXPECT_EQ(code3, 2);
    EXPECT_NE(out3.find("TRADER_PROT: unknown setting"), std::string::npos) << out3;
}

TEST(cli, config_prints_effective_values_with_secrets_redacted) {
    auto dir = test::make_temp_dir("cfg");
    auto file = dir / "trader.env";
    {
        std::ofstream f{file};
        f << "# comment\nTRADER_PORT=9090\nTRADER_THREADS=3\n";
    }
    auto [code, out] = test::run_trader(
        {"config"}, {{"TRADER_CONFIG", file.string()},
                     {"TRADER_THREADS", "5"},
                     {"TRADER_DATABASE_URL", "postgres://shop:s3cret@db.internal:5432/shop"}}
    );
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find("TRADER_PORT=9090\n"), std::string::npos) << out;  // from the file
    EXPECT_NE(out.find("TRADER_THREADS=5\n"), std::string::npos) << out;  // environment wins
    EXPECT_NE(
        out.find("TRADER_DATABASE_URL=postgres://shop:***@db.internal:5432/shop"), std::string::npos
    ) << out;
    EXPECT_EQ(out.find("s3cret"), std::string::npos) << out;
    std::filesystem::remove_all(dir);
}

TEST(cli, every_setting_is_documented) {
    std::ifstream in{std::string{TRADER_SOURCE_DIR} + "/docs/configuration.md"};
    ASSERT_TRUE(in) << "docs/configuration.md is missing";
    std::string doc{std::istreambuf_iterator<char>{in}, {}};
    for (const auto& s : app::settings_table()) {
        EXPECT_NE(doc.find("`" + std::string{s.name} + "`"), std::string::npos)
            << s.name << " is not in docs/configuration.md";
    }
}

TEST(cli, openapi_prints_the_document) {
    auto [code, out] = test::run_trader({"openapi"}, {});
    EXPECT_EQ(code, 0);
    EXPECT_TRUE(out.starts_with("openapi: 3.1")) << out.substr(0, 100);
}

TEST(migrations, apply_then_status_lists_them_applied) {
    cli_target t;
    auto [scode, before] = test::run_trader({"migrate", "status"}, t.env());
    EXPECT_EQ(scode, 0) << before;
    EXPECT_NE(before.find("pending"), std::string::npos) << before;

    auto [code, out] = test::run_trader({"migrate"}, t.env());
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find("applied"), std::string::npos);

    auto [again, out2] = test::run_trader({"migrate"}, t.env());
    EXPECT_EQ(again, 0) << out2;
    EXPECT_NE(out2.find("applied 0 migration"), std::string::npos) << out2;

    auto [s2, after] = test::run_trader({"migrate", "status"}, t.env());
    EXPECT_EQ(s2, 0) << after;
    EXPECT_NE(after.find("0 pending"), std::string::npos) << after;
    EXPECT_NE(after.find("outbox"), std::string::npos) << after;
}

TEST(migrations, a_changed_applied_migration_is_an_error) {
    cli_target t;
    ASSERT_EQ(test::run_trader({"migrate"}, t.env()).first, 0);

    // Tamper with the recorded checksum, as if the file had been edited after it was applied.
    auto loaded = app::load_config(t.env());
    ASSERT_TRUE(loaded);
    core::worker_pool pool{2};
    auto db = app::open_database(*loaded, pool);
    ASSERT_TRUE(db) << db.error().detail;
    auto changed = app::run_sync<core::result<infra::db::rows>>([&] {
        return (*db)->execute(
            "UPDATE schema_migrations SET checksum = 'edited' WHERE module = 'db' AND version = 1"
        );
    });
    ASSERT_TRUE(changed);
    EXPECT_EQ(changed->affected(), 1);

    auto [code, out] = test::run_trader({"migrate", "status"}, t.env());
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("checksum mismatch"), std::string::npos) << out;

    auto [mcode, mout] = test::run_trader({"migrate"}, t.env());
    EXPECT_EQ(mcode, 1) << mout;
    EXPECT_NE(mout.find("checksum mismatch"), std::string::npos) << mout;
}

TEST(migrations, postgres_serve_refuses_pending_migrations_unless_auto_migrate) {
    if (test::profile() != "pg") {
        GTEST_SKIP() << "PostgreSQL only: SQLite always migrates at start";
    }
    cli_target t;
    auto env = t.env();
    env["TRADER_PORT"] = std::to_string(test::free_port());
    auto [code, out] = test::run_trader({"serve"}, env);
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("pending migrations"), std::string::npos) << out;
}

}  // namespace
