// A SQLite VFS that writes a commit's WAL frames with one system call.
#pragma once

#include <cstdint>

namespace infra::db {

// The name of a VFS that is SQLite's default one, except that the WAL appends of a connection
// opened with it are gathered in memory and written with one pwrite when the commit frame is
// complete (SQLite itself writes every frame as two: its 24-byte header, then the page). A
// failed write fails that COMMIT, as it would without the VFS. Registered on the first call;
// the process's default VFS is unchanged.
const char* wal_batching_vfs();

// Since the process started: WAL writes SQLite asked for, and the pwrite calls that carried them.
struct wal_batching_counters {
    std::int64_t writes = 0;
    std::int64_t flushes = 0;
};
wal_batching_counters wal_batching_stats() noexcept;

}  // namespace infra::db
