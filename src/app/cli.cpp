#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "app/config.hpp"
#include "app/modules.hpp"
#include "app/runtime.hpp"
#include "app/seed.hpp"
#include "app/version.hpp"
#include "core/log.hpp"
#include "infra/crypto/jwt.hpp"
#include "infra/db/migrations.hpp"
#include "modules/identity/account_service.hpp"
#include "modules/shopping/module.hpp"

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
        auto st = run_sync<core::result<std::vector<infra::db::migration_status>>>([&] {
            return m.status();
        });
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
            std::printf(
                "%-7s %04d     %-25s %s\n", s.file.module.c_str(), s.file.version,
                s.file.name.c_str(), state.c_str()
            );
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

// Pending migrations are applied on SQLite (as `serve` does); PostgreSQL needs `trader migrate`
// first unless TRADER_AUTO_MIGRATE is set.
bool ensure_schema(const config& c, infra::db::database& db) {
    auto files = infra::db::load_migrations(infra::db::embedded_migration_files(), db.kind());
    if (!files) {
        std::cerr << "trader: " << files.error().detail << "\n";
        return false;
    }
    infra::db::migrator m{db, *files};
    auto pending = run_sync<core::result<int>>([&] { return m.pending(); });
    if (!pending) {
        std::cerr << "trader: " << pending.error().detail << "\n";
        return false;
    }
    if (*pending == 0) {
        return true;
    }
    if (db.kind() == infra::db::dialect::postgres && !c.auto_migrate) {
        std::cerr << "trader: " << *pending
                  << " pending migration(s): run `trader migrate` first\n";
        return false;
    }
    auto applied = run_sync<core::result<int>>([&] { return m.apply(); });
    if (!applied) {
        std::cerr << "trader: migrate failed: " << applied.error().detail << "\n";
        return false;
    }
    return true;
}

int create_admin(const config& c, identity::admin_request request) {
    core::worker_pool pool{worker_threads(c)};
    auto opened = open_database(c, pool);
    if (!opened) {
        std::cerr << "trader: cannot open the database: " << opened.error().detail << "\n";
        return exit_failure;
    }
    auto& db = **opened;
    if (!ensure_schema(c, db)) {
        return exit_failure;
    }
    core::system_clock clock;
    bool password_given = request.password.has_value();
    auto made = run_sync<core::result<identity::admin_outcome>>([&] {
        return identity::create_admin(db, pool, clock, std::move(request));
    });
    if (!made) {
        std::cerr << "trader: create-admin failed: " << made.error().detail;
        for (const auto& f : made.error().fields) {
            std::cerr << "; " << (f.pointer.size() > 1 ? "--" + f.pointer.substr(1) : f.pointer)
                      << " " << f.message;
        }
        std::cerr << "\n";
        return made.error().code == core::errc::invalid ? exit_usage : exit_failure;
    }
    if (made->created) {
        std::cout << "created admin " << made->user_id << "\n";
    } else if (made->granted) {
        std::cout << "granted the admin role to " << made->user_id
                  << (password_given ? " (password unchanged)" : "") << "\n";
    } else {
        std::cout << made->user_id << " already is an admin"
                  << (password_given ? " (password unchanged)" : "") << "\n";
    }
    return 0;
}

// `trader keys [rotate]`: works on the key directory, so running servers pick a rotation up at
// their next key check (TRADER_JWT_KEY_CHECK_INTERVAL).
int manage_keys(const config& c, bool rotate) {
    core::system_clock clock;
    auto ring = infra::crypto::key_ring::open(std::filesystem::path{c.data_dir} / "keys", clock);
    if (!ring) {
        std::cerr << "trader: cannot open the signing keys: " << ring.error().detail << "\n";
        return exit_failure;
    }
    if (rotate) {
        auto kid = (*ring)->rotate();
        if (!kid) {
            std::cerr << "trader: rotation failed: " << kid.error().detail << "\n";
            return exit_failure;
        }
        std::cout << "rotated: new active key " << *kid << "\n";
    }
    for (const auto& kid : (*ring)->kids()) {
        std::cout << kid << (kid == (*ring)->active_kid() ? "  active" : "") << "\n";
    }
    return 0;
}

int seed(const config& c, const seed_options& options) {
    core::worker_pool pool{worker_threads(c)};
    auto opened = open_database(c, pool);
    if (!opened) {
        std::cerr << "trader: cannot open the database: " << opened.error().detail << "\n";
        return exit_failure;
    }
    auto& db = **opened;
    if (!ensure_schema(c, db)) {
        return exit_failure;
    }
    core::system_clock clock;
    auto seeded = seed_marketplace(db, clock, options);
    if (!seeded) {
        std::cerr << "trader: seed failed: " << seeded.error().detail << "\n";
        return exit_failure;
    }
    std::printf(
        "seeded %d categories, %d vendors (%d users), %d products, %d variants, %d prices "
        "in %.2f s (seed %llu)\n",
        seeded->categories, seeded->vendors, seeded->users, seeded->products, seeded->variants,
        seeded->prices, seeded->seconds, static_cast<unsigned long long>(options.seed)
    );
    if (!seeded->sample_email.empty()) {
        std::printf(
            "store owners sign in as %s (and the next numbers) with the password %s\n",
            seeded->sample_email.c_str(), seeded->password.c_str()
        );
    }
    return 0;
}

// `trader reindex`: the storefront index rebuilt from the catalog in one transaction (what the
// catalog.reindex_requested event does); serving instances drop their cached pages when they see
// the shopping.index_rebuilt event it writes.
int reindex(const config& c) {
    core::worker_pool pool{worker_threads(c)};
    auto opened = open_database(c, pool);
    if (!opened) {
        std::cerr << "trader: cannot open the database: " << opened.error().detail << "\n";
        return exit_failure;
    }
    auto& db = **opened;
    if (!ensure_schema(c, db)) {
        return exit_failure;
    }
    core::system_clock clock;
    core::metrics::registry metrics;
    infra::bus::dispatcher events{db, clock, metrics, {}};
    std::unique_ptr<modules> product;
    try {
        product = std::make_unique<modules>(platform{c, clock, metrics, pool, db, events});
    } catch (const std::exception& e) {
        std::cerr << "trader: cannot start the modules: " << e.what() << "\n";
        return exit_failure;
    }
    auto rebuilt = run_sync<core::result<shopping::rebuild_report>>([&] {
        return product->shopping().rebuild();
    });
    if (!rebuilt) {
        std::cerr << "trader: reindex failed: " << rebuilt.error().detail << "\n";
        return exit_failure;
    }
    std::printf(
        "indexed %lld visible products of %lld in %.2f s\n",
        static_cast<long long>(rebuilt->products_indexed),
        static_cast<long long>(rebuilt->products_read),
        static_cast<double>(rebuilt->took.count()) / 1000.0
    );
    return 0;
}

int print_routes(const config& c) {
    core::log::set_level(core::log::level::warn);  // keep stdout to the table
    auto routes = list_routes(c);
    if (!routes) {
        std::cerr << "trader: " << routes.error().detail << "\n";
        return exit_failure;
    }
    for (const auto& r : *routes) {
        std::string who;
        switch (r.options.who) {
            case core::http::access::anyone:
                who = "anyone";
                break;
            case core::http::access::user:
                who = "user";
                break;
            case core::http::access::role:
                for (const auto& role : r.options.roles) {
                    who += who.empty() ? role : "," + role;
                }
                break;
        }
        std::printf(
            "%-7s %-50s %s\n", std::string{core::http::to_string(r.verb)}.c_str(),
            r.path_template.c_str(), who.c_str()
        );
    }
    return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App cli{"trader: multi-vendor marketplace backend with live delivery"};
    cli.require_subcommand(1);
    cli.set_version_flag("--version", std::string{"trader "} + app::version);

    auto* serve_cmd = cli.add_subcommand(
        "serve", "Serve the HTTP and WebSocket API (settings: docs/configuration.md)"
    );
    auto* migrate_cmd = cli.add_subcommand("migrate", "Apply pending database migrations");
    auto* status_cmd =
        migrate_cmd->add_subcommand("status", "List migrations and whether each is applied");
    auto* openapi_cmd = cli.add_subcommand("openapi", "Print the OpenAPI document of the API");
    auto* config_cmd =
        cli.add_subcommand("config", "Print the effective configuration, secrets redacted");
    auto* version_cmd = cli.add_subcommand("version", "Print the version");
    auto* routes_cmd = cli.add_subcommand(
        "routes", "List the HTTP routes: method, path template, who may call it"
    );
    auto* admin_cmd = cli.add_subcommand(
        "create-admin", "Create an admin account, or grant the admin role to an existing one"
    );
    auto* keys_cmd = cli.add_subcommand("keys", "List the access-token signing keys");
    auto* rotate_cmd = keys_cmd->add_subcommand(
        "rotate", "Make a new signing key active; tokens signed by older keys stay valid"
    );
    identity::admin_request admin;
    std::string admin_password;
    admin_cmd->add_option("--email", admin.email, "Email address of the account")->required();
    auto* password_opt = admin_cmd->add_option(
        "--password", admin_password, "Password of a new account (an existing one keeps its own)"
    );
    admin_cmd->add_option("--name", admin.name, "Name of a new account")->capture_default_str();
    auto* seed_cmd = cli.add_subcommand(
        "seed", "Fill an empty database with a deterministic demo marketplace"
    );
    auto* reindex_cmd = cli.add_subcommand(
        "reindex", "Rebuild the storefront's product index and search index from the catalog"
    );
    seed_options seeding;
    seed_cmd->add_option("--vendors", seeding.vendors, "Stores, each with an owner account")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    seed_cmd->add_option("--products", seeding.products, "Products, with 1-5 variants each")
        ->check(CLI::Range(0, 10000000))
        ->capture_default_str();
    seed_cmd->add_option("--seed", seeding.seed, "Random seed: same seed, same marketplace")
        ->capture_default_str();

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
    if (*routes_cmd) {
        code = print_routes(*c);
    } else if (*config_cmd) {
        std::cout << describe(*c);
    } else if (*migrate_cmd) {
        code = migrate(*c, static_cast<bool>(*status_cmd));
    } else if (*serve_cmd) {
        code = serve(*c);
    } else if (*keys_cmd) {
        code = manage_keys(*c, static_cast<bool>(*rotate_cmd));
    } else if (*seed_cmd) {
        code = seed(*c, seeding);
    } else if (*reindex_cmd) {
        code = reindex(*c);
    } else if (*admin_cmd) {
        if (password_opt->count() > 0) {
            admin.password = std::move(admin_password);
        }
        code = create_admin(*c, std::move(admin));
    }
    core::log::flush();
    return code;
}

}  // namespace app
