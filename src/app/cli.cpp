#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <string_view>

#include "app/config.hpp"
#include "app/runtime.hpp"
#include "app/version.hpp"
#include "core/log.hpp"
#include "infra/db/migrations.hpp"

namespace app {

std::string_view openapi_document();

namespace {

// Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

std::optional<config> load_or_report() {
    auto loaded = load_config(process_environment());
    if (!loaded) {
        std::cerr << "trader: invalid configuration: " << loaded.error().detail << "\n";
        return std::nullopt;
    }
    core::log::set_level(loaded->log_level);
    return std::move(*loaded);
}

int migrate(const config& c, bool status_only) {
    core::worker_pool pool{worker_threads(c)};
    auto opened = open_database(c, pool);
    if (!opened) {
        std::cerr << "trader: cannot open the database: " << opened.error().detail << "\n";
        return exit_failure;
    }
    auto& db = **opened;
    auto files = infra::db::load_migrations(infra::db::embedded_migration_files(), db.kind());
    if (!files) {
        std::cerr << "trader: " << files.error().detail << "\n";
        return exit_failure;
    }
    infra::db::migrator m{db, *files};
    if (status_only) {
        auto st = run_sync<core::result<std::vector<infra::db::migration_status>>>([&] { return m.status(); });
        if (!st) {
            std::cerr << "trader: " << st.error().detail << "\n";
            return exit_failure;
        }
        int pending = 0;
        bool mismatch = false;
        std::cout << "module  version  name                      state\n";
        for (const auto& s : *st) {
            std::string state = s.checksum_mismatch ? "CHANGED after apply (checksum mismatch)"
                                : s.applied         ? "applied " + s.applied_at
                                                    : "pending";
            pending += s.applied ? 0 : 1;
            mismatch = mismatch || s.checksum_mismatch;
            std::printf("%-7s %04d     %-25s %s\n", s.file.module.c_str(), s.file.version, s.file.name.c_str(), state.c_str());
        }
        std::cout << st->size() << " migrations, " << pending << " pending\n";
        return mismatch ? exit_failure : 0;
    }
    auto applied = run_sync<core::result<int>>([&] { return m.apply(); });
    if (!applied) {
        std::cerr << "trader: migrate failed: " << applied.error().detail << "\n";
        return exit_failure;
    }
    std::cout << "applied " << *applied << " migration(s)\n";
    return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App cli{"trader: multi-vendor marketplace backend with live delivery"};
    cli.require_subcommand(1);
    cli.set_version_flag("--version", std::string{"trader "} + app::version);

    auto* serve_cmd = cli.add_subcommand("serve", "Serve the HTTP and WebSocket API (settings: docs/configuration.md)");
    auto* migrate_cmd = cli.add_subcommand("migrate", "Apply pending database migrations");
    auto* status_cmd = migrate_cmd->add_subcommand("status", "List migrations and whether each is applied");
    auto* openapi_cmd = cli.add_subcommand("openapi", "Print the OpenAPI document of the API");
    auto* config_cmd = cli.add_subcommand("config", "Print the effective configuration, secrets redacted");
    auto* version_cmd = cli.add_subcommand("version", "Print the version");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = cli.exit(e);
        return code == 0 ? 0 : exit_usage;
    }

    if (*version_cmd) {
        std::cout << "trader " << app::version << "\n";
        return 0;
    }
    if (*openapi_cmd) {
        std::cout << openapi_document();
        return 0;
    }
    auto c = load_or_report();
    if (!c) {
        return exit_usage;
    }
    int code = 0;
    if (*config_cmd) {
        std::cout << describe(*c);
    } else if (*migrate_cmd) {
        code = migrate(*c, static_cast<bool>(*status_cmd));
    } else if (*serve_cmd) {
        code = serve(*c);
    }
    core::log::flush();
    return code;
}

}  // namespace app
