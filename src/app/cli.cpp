#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/version.hpp"

namespace app {

int run_cli(int argc, char** argv) {
    CLI::App cli{"trader: multi-vendor marketplace backend"};
    cli.require_subcommand(1);
    auto* version_cmd = cli.add_subcommand("version", "Print the version");
    version_cmd->callback([] { std::cout << "trader " << app::version << "\n"; });
    CLI11_PARSE(cli, argc, argv);
    return 0;
}

}  // namespace app
