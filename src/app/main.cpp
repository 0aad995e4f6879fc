#include <unistd.h>

#include <cstdlib>

#include "app/cli.hpp"

namespace {

// glibc keeps 7 freed chunks of each small size per thread (tcache); a request that builds a page
// frees more than that, and the rest take the arena's slow path (and its consolidations). glibc
// reads the count only when a process starts, from GLIBC_TUNABLES, so the binary starts itself
// once more with it set (docs/architecture.md, "One binary", has the measurements). A
// GLIBC_TUNABLES set by the operator is left as it is. (Sanitizer builds ignore the setting but
// take the same path, so the tests see it.)
void start_with_malloc_tuning(char** argv) {
#ifdef TRADER_TCMALLOC
    // Linked with tcmalloc, which glibc's tunables do not touch.
    (void)argv;
    return;
#endif
    if (std::getenv("GLIBC_TUNABLES") != nullptr) {
        return;
    }
    if (::setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=256", 1) != 0) {
        return;
    }
    ::execv("/proc/self/exe", argv);
    // Not possible here (no /proc, say): go on with the defaults.
    ::unsetenv("GLIBC_TUNABLES");
}

}  // namespace

int main(int argc, char** argv) {
    start_with_malloc_tuning(argv);
    return app::run_cli(argc, argv);
}
