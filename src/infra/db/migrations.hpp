// Numbered SQL migrations per module and dialect, applied in order and recorded with checksums.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "infra/db/database.hpp"

namespace infra::db {

// A migration file compiled into the binary: path relative to src/ and its SQL.
struct embedded_file {
    std::string_view path;
    std::string_view sql;
};
const std::vector<embedded_file>& embedded_migration_files();

// `src/<...>/<module>/migrations/0001_name[.sqlite|.pg].sql` for one dialect.
struct migration {
    std::string module;
    int version = 0;
    std::string name;
    std::string sql;
    std::string checksum;  // sha256 hex of the SQL
};

struct migration_status {
    migration file;
    bool applied = false;
    std::string applied_at;
    bool checksum_mismatch = false;
};

// The migrations for `kind`, sorted by (module order, version). A module's files apply in version
// order; modules apply in the order of the `modules` list (core first), unknown modules after, by
// name.
core::result<std::vector<migration>> load_migrations(
    const std::vector<embedded_file>& files, dialect kind
);

class migrator {
public:
    migrator(database& db, std::vector<migration> all) : db_(db), all_(std::move(all)) {}

    // Applies every pending migration, each in its own transaction. Fails with `conflict` when an
    // applied migration's checksum differs from its file.
    core::task<core::result<int>> apply();
    core::task<core::result<std::vector<migration_status>>> status();
    // Number of pending migrations, or `conflict` on a checksum mismatch.
    core::task<core::result<int>> pending();

private:
    core::task<core::result<void>> ensure_table();
    database& db_;
    std::vector<migration> all_;
};

}  // namespace infra::db
