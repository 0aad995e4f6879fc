// The `trader` command line: serve, migrate, seed, openapi, config, version.
#pragma once

namespace app {

int run_cli(int argc, char** argv);

}  // namespace app
