#include "infra/db/sqlite_wal_vfs.hpp"

#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

// SQLite writes each WAL frame as two pwrite calls: its 24-byte header, then the page. A commit
// of 40 pages is 80 calls, each through the file system's write path, all while the single
// writer is held. This VFS gathers a connection's WAL appends and writes them with one call once
// the commit frame is complete, before SQLite publishes the commit in the WAL index: other
// connections see a commit only through that index, so no reader can look for a frame that is
// still in the buffer. The buffer is also written out before anything that reads, sizes, syncs
// or truncates the WAL, and at the shared-memory barrier that precedes every index update.
//
// Crash safety is unchanged: frames lost with the process were never part of a published
// commit, as when SQLite dies between its own pwrite calls.

namespace infra::db {
namespace {

constexpr int frame_header = 24;
// Under 128 KiB: the default VFS masks a write's length to 17 bits.
constexpr int buffer_capacity = 120 * 1024;

std::atomic<std::int64_t> writes_seen{0};
std::atomic<std::int64_t> flushes_done{0};

sqlite3_vfs* base_vfs = nullptr;  // the default VFS everything is passed to

struct shim_file {
    sqlite3_file base;   // first: SQLite sees a shim_file as an sqlite3_file
    sqlite3_file* real;  // the default VFS's file, stored right after this struct
    shim_file* wal;      // on a main database file: its connection's open WAL
    shim_file* db;       // on a WAL file: the main database file it belongs to
    char* buf;           // WAL appends not written yet, from file offset `start`
    int len;
    sqlite3_int64 start;
    bool commit_header;  // the last write was a commit frame's header: its page completes it
};
constexpr int shim_size = (static_cast<int>(sizeof(shim_file)) + 7) & ~7;

shim_file* self(sqlite3_file* f) { return reinterpret_cast<shim_file*>(f); }
const sqlite3_io_methods& io(const shim_file* f) { return *f->real->pMethods; }

int flush(shim_file* f) {
    if (f->len == 0) {
        return SQLITE_OK;
    }
    int rc = io(f).xWrite(f->real, f->buf, f->len, f->start);
    flushes_done.fetch_add(1, std::memory_order_relaxed);
    f->len = 0;  // written, or part of a commit that fails and is never published
    return rc;
}

std::uint32_t big_endian32(const void* p) {
    const auto* b = static_cast<const unsigned char*>(p);
    return (std::uint32_t{b[0]} << 24U) | (std::uint32_t{b[1]} << 16U) |
           (std::uint32_t{b[2]} << 8U) | std::uint32_t{b[3]};
}

// Methods of both wrapped kinds that only pass the call on.
int pass_read(sqlite3_file* f, void* out, int n, sqlite3_int64 at) {
    return io(self(f)).xRead(self(f)->real, out, n, at);
}
int pass_write(sqlite3_file* f, const void* in, int n, sqlite3_int64 at) {
    return io(self(f)).xWrite(self(f)->real, in, n, at);
}
int pass_truncate(sqlite3_file* f, sqlite3_int64 size) {
    return io(self(f)).xTruncate(self(f)->real, size);
}
int pass_sync(sqlite3_file* f, int flags) { return io(self(f)).xSync(self(f)->real, flags); }
int pass_file_size(sqlite3_file* f, sqlite3_int64* size) {
    return io(self(f)).xFileSize(self(f)->real, size);
}
int pass_lock(sqlite3_file* f, int level) { return io(self(f)).xLock(self(f)->real, level); }
int pass_unlock(sqlite3_file* f, int level) { return io(self(f)).xUnlock(self(f)->real, level); }
int pass_check_reserved(sqlite3_file* f, int* out) {
    return io(self(f)).xCheckReservedLock(self(f)->real, out);
}
int pass_file_control(sqlite3_file* f, int op, void* arg) {
    return io(self(f)).xFileControl(self(f)->real, op, arg);
}
int pass_sector_size(sqlite3_file* f) { return io(self(f)).xSectorSize(self(f)->real); }
int pass_device(sqlite3_file* f) { return io(self(f)).xDeviceCharacteristics(self(f)->real); }
int pass_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    const auto& m = io(self(f));
    return m.iVersion >= 2 ? m.xShmMap(self(f)->real, page, size, extend, out)
                           : SQLITE_IOERR_SHMMAP;
}
int pass_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    const auto& m = io(self(f));
    return m.iVersion >= 2 ? m.xShmLock(self(f)->real, offset, n, flags) : SQLITE_IOERR_SHMLOCK;
}
int pass_shm_unmap(sqlite3_file* f, int remove) {
    const auto& m = io(self(f));
    return m.iVersion >= 2 ? m.xShmUnmap(self(f)->real, remove) : SQLITE_OK;
}
int pass_fetch(sqlite3_file* f, sqlite3_int64 at, int n, void** out) {
    const auto& m = io(self(f));
    if (m.iVersion >= 3) {
        return m.xFetch(self(f)->real, at, n, out);
    }
    *out = nullptr;  // no memory map: SQLite reads instead
    return SQLITE_OK;
}
int pass_unfetch(sqlite3_file* f, sqlite3_int64 at, void* p) {
    const auto& m = io(self(f));
    return m.iVersion >= 3 ? m.xUnfetch(self(f)->real, at, p) : SQLITE_OK;
}

// The main database file: every index update passes the barrier, which first writes out
// whatever the connection's WAL still holds (nothing, normally: a commit is written as its last
// frame completes).
void shm_barrier(sqlite3_file* f) {
    auto* s = self(f);
    if (s->wal != nullptr) {
        (void)flush(s->wal);
    }
    const auto& m = io(s);
    if (m.iVersion >= 2) {
        m.xShmBarrier(s->real);
    }
}

int db_close(sqlite3_file* f) {
    auto* s = self(f);
    if (s->wal != nullptr) {
        s->wal->db = nullptr;
        s->wal = nullptr;
    }
    return io(s).xClose(s->real);
}

// The WAL file.
int wal_write(sqlite3_file* f, const void* in, int n, sqlite3_int64 at) {
    auto* s = self(f);
    writes_seen.fetch_add(1, std::memory_order_relaxed);
    const bool completes_commit = s->commit_header;
    s->commit_header = n == frame_header && big_endian32(static_cast<const char*>(in) + 4) != 0;

    // SQLite rewrites a frame of the open transaction in place when the page changes again.
    if (s->len > 0 && at >= s->start && at + n <= s->start + s->len) {
        std::memcpy(s->buf + (at - s->start), in, static_cast<std::size_t>(n));
        return completes_commit ? flush(s) : SQLITE_OK;
    }
    if (s->len > 0 && (at != s->start + s->len || s->len + n > buffer_capacity)) {
        if (int rc = flush(s); rc != SQLITE_OK) {
            return rc;
        }
    }
    if (n > buffer_capacity) {
        flushes_done.fetch_add(1, std::memory_order_relaxed);
        return io(s).xWrite(s->real, in, n, at);
    }
    if (s->buf == nullptr) {
        s->buf = static_cast<char*>(std::malloc(buffer_capacity));
        if (s->buf == nullptr) {
            return io(s).xWrite(s->real, in, n, at);
        }
    }
    if (s->len == 0) {
        s->start = at;
    }
    std::memcpy(s->buf + s->len, in, static_cast<std::size_t>(n));
    s->len += n;
    return completes_commit ? flush(s) : SQLITE_OK;
}

int wal_read(sqlite3_file* f, void* out, int n, sqlite3_int64 at) {
    if (int rc = flush(self(f)); rc != SQLITE_OK) {
        return rc;
    }
    return pass_read(f, out, n, at);
}

int wal_truncate(sqlite3_file* f, sqlite3_int64 size) {
    if (int rc = flush(self(f)); rc != SQLITE_OK) {
        return rc;
    }
    return pass_truncate(f, size);
}

int wal_sync(sqlite3_file* f, int flags) {
    if (int rc = flush(self(f)); rc != SQLITE_OK) {
        return rc;
    }
    return pass_sync(f, flags);
}

int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
    if (int rc = flush(self(f)); rc != SQLITE_OK) {
        return rc;
    }
    return pass_file_size(f, size);
}

int wal_close(sqlite3_file* f) {
    auto* s = self(f);
    int flushed = flush(s);
    if (s->db != nullptr) {
        s->db->wal = nullptr;
        s->db = nullptr;
    }
    std::free(s->buf);
    s->buf = nullptr;
    int closed = io(s).xClose(s->real);
    return flushed != SQLITE_OK ? flushed : closed;
}

// Both wrapped kinds pass everything on but the calls that touch the file's content.
constexpr sqlite3_io_methods methods_with(
    int (*close)(sqlite3_file*),
    int (*read)(sqlite3_file*, void*, int, sqlite3_int64),
    int (*write)(sqlite3_file*, const void*, int, sqlite3_int64),
    int (*truncate)(sqlite3_file*, sqlite3_int64),
    int (*sync)(sqlite3_file*, int),
    int (*file_size)(sqlite3_file*, sqlite3_int64*)
) {
    return {
        3,
        close,
        read,
        write,
        truncate,
        sync,
        file_size,
        pass_lock,
        pass_unlock,
        pass_check_reserved,
        pass_file_control,
        pass_sector_size,
        pass_device,
        pass_shm_map,
        pass_shm_lock,
        shm_barrier,
        pass_shm_unmap,
        pass_fetch,
        pass_unfetch,
    };
}

constexpr sqlite3_io_methods db_methods =
    methods_with(db_close, pass_read, pass_write, pass_truncate, pass_sync, pass_file_size);
constexpr sqlite3_io_methods wal_methods =
    methods_with(wal_close, wal_read, wal_write, wal_truncate, wal_sync, wal_file_size);

int shim_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    const bool main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
    const bool wal = (flags & SQLITE_OPEN_WAL) != 0;
    if (!main_db && !wal) {
        // Journals and temporary files are the default VFS's own, in the same storage.
        return base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
    }
    auto* s = self(file);
    std::memset(s, 0, sizeof(shim_file));
    s->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + shim_size);
    int rc = base_vfs->xOpen(base_vfs, name, s->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        // SQLite closes a file only when its methods are set: the default VFS cleaned up.
        s->base.pMethods = nullptr;
        return rc;
    }
    s->base.pMethods = main_db ? &db_methods : &wal_methods;
    if (wal) {
        auto* owner = sqlite3_database_file_object(name);
        if (owner != nullptr && owner->pMethods == &db_methods) {
            s->db = self(owner);
            s->db->wal = s;
        }
    }
    return SQLITE_OK;
}

// The rest of the VFS is the default one's.
int shim_delete(sqlite3_vfs*, const char* name, int sync_dir) {
    return base_vfs->xDelete(base_vfs, name, sync_dir);
}
int shim_access(sqlite3_vfs*, const char* name, int flags, int* out) {
    return base_vfs->xAccess(base_vfs, name, flags, out);
}
int shim_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
    return base_vfs->xFullPathname(base_vfs, name, n, out);
}
void* shim_dl_open(sqlite3_vfs*, const char* name) { return base_vfs->xDlOpen(base_vfs, name); }
void shim_dl_error(sqlite3_vfs*, int n, char* out) { base_vfs->xDlError(base_vfs, n, out); }
void (*shim_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
    return base_vfs->xDlSym(base_vfs, handle, symbol);
}
void shim_dl_close(sqlite3_vfs*, void* handle) { base_vfs->xDlClose(base_vfs, handle); }
int shim_randomness(sqlite3_vfs*, int n, char* out) {
    return base_vfs->xRandomness(base_vfs, n, out);
}
int shim_sleep(sqlite3_vfs*, int us) { return base_vfs->xSleep(base_vfs, us); }
int shim_current_time(sqlite3_vfs*, double* out) { return base_vfs->xCurrentTime(base_vfs, out); }
int shim_last_error(sqlite3_vfs*, int n, char* out) {
    return base_vfs->xGetLastError(base_vfs, n, out);
}
int shim_current_time64(sqlite3_vfs*, sqlite3_int64* out) {
    return base_vfs->xCurrentTimeInt64(base_vfs, out);
}

sqlite3_vfs shim_vfs{};

}  // namespace

const char* wal_batching_vfs() {
    static std::once_flag once;
    std::call_once(once, [] {
        base_vfs = sqlite3_vfs_find(nullptr);
        shim_vfs.iVersion = 2;  // no system-call overrides through this VFS
        shim_vfs.szOsFile = shim_size + base_vfs->szOsFile;
        shim_vfs.mxPathname = base_vfs->mxPathname;
        shim_vfs.zName = "trader-wal-batching";
        shim_vfs.xOpen = shim_open;
        shim_vfs.xDelete = shim_delete;
        shim_vfs.xAccess = shim_access;
        shim_vfs.xFullPathname = shim_full_pathname;
        shim_vfs.xDlOpen = shim_dl_open;
        shim_vfs.xDlError = shim_dl_error;
        shim_vfs.xDlSym = shim_dl_sym;
        shim_vfs.xDlClose = shim_dl_close;
        shim_vfs.xRandomness = shim_randomness;
        shim_vfs.xSleep = shim_sleep;
        shim_vfs.xCurrentTime = shim_current_time;
        shim_vfs.xGetLastError = shim_last_error;
        shim_vfs.xCurrentTimeInt64 = base_vfs->iVersion >= 2 ? shim_current_time64 : nullptr;
        sqlite3_vfs_register(&shim_vfs, 0);
    });
    return shim_vfs.zName;
}

wal_batching_counters wal_batching_stats() noexcept {
    return {
        writes_seen.load(std::memory_order_relaxed), flushes_done.load(std::memory_order_relaxed)};
}

}  // namespace infra::db
