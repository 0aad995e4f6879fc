#include "infra/db/migrations.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>

#include "core/clock.hpp"

namespace infra::db {
namespace {

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(hex[digest[i] >> 4U]);
        out.push_back(hex[digest[i] & 0xFU]);
    }
    return out;
}

// The platform's own tables come first; modules follow by name.
// Platform tables first, then the modules in dependency order; unknown modules last, by name.
int module_rank(const std::string& module) {
    static const std::array<std::string_view, 9> order = {
        "db",       "identity", "admin",    "vendor",   "customer",
        "shopping", "delivery", "payments", "notifications"};
    auto it = std::find(order.begin(), order.end(), module);
    return static_cast<int>(it - order.begin());
}

}  // namespace

core::result<std::vector<migration>> load_migrations(
    const std::vector<embedded_file>& files, dialect kind
) {
    // (module, version) -> (specific to this dialect?, migration)
    std::map<std::pair<std::string, int>, std::pair<bool, migration>> chosen;
    for (const auto& f : files) {
        std::filesystem::path p{std::string{f.path}};
        auto module = p.parent_path().parent_path().filename().string();
        auto file = p.filename().string();  // 0001_name[.sqlite|.pg].sql
        if (!file.ends_with(".sql") || file.size() < 6 ||
            !std::isdigit(static_cast<unsigned char>(file[0]))) {
            return core::fail(
                core::errc::internal,
                "migration file name must be NNNN_name.sql: " + std::string{f.path}
            );
        }
        auto stem = file.substr(0, file.size() - 4);
        bool specific = false;
        if (stem.ends_with(".sqlite")) {
            if (kind != dialect::sqlite) {
                continue;
            }
            stem.resize(stem.size() - 7);
            specific = true;
        } else if (stem.ends_with(".pg")) {
            if (kind != dialect::postgres) {
                continue;
            }
            stem.resize(stem.size() - 3);
            specific = true;
        }
        auto underscore = stem.find('_');
        if (underscore == std::string::npos) {
            return core::fail(
                core::errc::internal,
                "migration file name must be NNNN_name.sql: " + std::string{f.path}
            );
        }
        int version = std::stoi(stem.substr(0, underscore));
        migration m{
            module, version, stem.substr(underscore + 1), std::string{f.sql}, sha256_hex(f.sql)};
        auto key = std::make_pair(module, version);
        auto it = chosen.find(key);
        if (it != chosen.end()) {
            if (it->second.first == specific) {
                return core::fail(
                    core::errc::internal,
                    "two migrations with version " + std::to_string(version) + " in " + module
                );
            }
            if (!specific) {
                continue;  // the dialect-specific file wins
            }
        }
        chosen[key] = {specific, std::move(m)};
    }
    std::vector<migration> out;
    for (auto& [key, value] : chosen) {
        out.push_back(std::move(value.second));
    }
    std::stable_sort(out.begin(), out.end(), [](const migration& a, const migration& b) {
        return std::tuple{module_rank(a.module), a.module, a.version} <
               std::tuple{module_rank(b.module), b.module, b.version};
    });
    return out;
}

core::task<core::result<void>> migrator::ensure_table() {
    auto made = co_await db_.write(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, checksum TEXT NOT "
        "NULL,"
        " applied_at TEXT NOT NULL, PRIMARY KEY (module, version))"
    );
    if (!made) {
        co_return std::move(made).error();
    }
    co_return core::ok();
}

core::task<core::result<std::vector<migration_status>>> migrator::status() {
    auto made = co_await ensure_table();
    if (!made) {
        co_return std::move(made).error();
    }
    auto applied =
        co_await db_.read("SELECT module, version, checksum, applied_at FROM schema_migrations");
    if (!applied) {
        co_return std::move(applied).error();
    }
    std::vector<migration_status> out;
    for (const auto& m : all_) {
        migration_status s{m};
        for (auto r : *applied) {
            if (r.get<std::string>(0) == m.module && r.get<int>(1) == m.version) {
                s.applied = true;
                s.applied_at = r.get<std::string>(3);
                s.checksum_mismatch = r.get<std::string>(2) != m.checksum;
            }
        }
        out.push_back(std::move(s));
    }
    co_return out;
}

core::task<core::result<int>> migrator::pending() {
    auto st = co_await status();
    if (!st) {
        co_return std::move(st).error();
    }
    int n = 0;
    for (const auto& s : *st) {
        if (s.checksum_mismatch) {
            co_return core::fail(
                core::errc::conflict, "applied migration " + s.file.module + "/" +
                                          std::to_string(s.file.version) + "_" + s.file.name +
                                          " was changed after it was applied (checksum mismatch)"
            );
        }
        n += s.applied ? 0 : 1;
    }
    co_return n;
}

core::task<core::result<int>> migrator::apply() {
    auto waiting = co_await pending();
    if (!waiting) {
        co_return std::move(waiting).error();
    }
    int applied = 0;
    for (const auto& m : all_) {
        auto tx = co_await db_.begin(tx_mode::write);
        if (!tx) {
            co_return std::move(tx).error();
        }
        auto& t = **tx;
        if (db_.kind() == dialect::postgres) {
            // Several instances may start at once: one applies, the others wait and then see it
            // applied.
            auto locked = co_await t.run("SELECT pg_advisory_xact_lock(7270001)");
            if (!locked) {
                co_return std::move(locked).error();
            }
        }
        auto done = co_await t.query(
            "SELECT checksum FROM schema_migrations WHERE module = $1 AND version = $2", m.module,
            m.version
        );
        if (!done) {
            co_return std::move(done).error();
        }
        if (!done->empty()) {
            (void)co_await t.rollback();
            continue;
        }
        auto ran = co_await t.run_script(m.sql);
        if (!ran) {
            co_return core::fail(
                core::errc::internal, "migration " + m.module + "/" + std::to_string(m.version) +
                                          "_" + m.name + " failed: " + ran.error().detail
            );
        }
        auto recorded = co_await t.query(
            "INSERT INTO schema_migrations (module, version, name, checksum, applied_at) VALUES "
            "($1, $2, $3, $4, $5)",
            m.module, m.version, m.name, m.checksum,
            core::format_rfc3339(std::chrono::system_clock::now())
        );
        if (!recorded) {
            co_return std::move(recorded).error();
        }
        auto committed = co_await t.commit();
        if (!committed) {
            co_return std::move(committed).error();
        }
        ++applied;
    }
    co_return applied;
}

}  // namespace infra::db
