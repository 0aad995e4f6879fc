// `trader seed`: a deterministic demo marketplace (category tree, vendors with users and pickup
// points in Berlin, products with variants, prices and stock) written through the modules' bulk
// paths, announced with one catalog.reindex_requested event.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "infra/db/database.hpp"

namespace app {

struct seed_options {
    int vendors = 200;
    int products = 100000;
    std::uint64_t seed = 1;  // same seed and sizes = same handles, SKUs, texts, prices and stock
};

struct seed_report {
    int categories = 0;
    int vendors = 0;
    int users = 0;
    int products = 0;
    int variants = 0;
    int prices = 0;
    double seconds = 0;
    std::string sample_email;  // a seeded vendor owner, to sign in with
    std::string password;      // shared by every seeded account
};

// Fills an empty catalog; `conflict` when it holds stores, products or categories already. Runs
// its transactions one after another on a private event loop (call it from the CLI).
core::result<seed_report> seed_marketplace(
    infra::db::database& db, const core::clock& clock, const seed_options& options
);

}  // namespace app
