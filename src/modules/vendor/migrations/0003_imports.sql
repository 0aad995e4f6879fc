-- Catalog imports: the uploaded CSV is kept with its job, so an import survives a restart and any instance can run
-- it. A job is claimed with a lease (lease_owner, lease_until_ms): a crashed worker's import is taken over once the
-- lease expired, and a worker that lost its lease can no longer write progress.
CREATE TABLE vendor_imports (
    id TEXT PRIMARY KEY,                          -- imp_..., time-sortable
    vendor_id TEXT NOT NULL REFERENCES vendors (id),
    user_id TEXT NOT NULL,                        -- usr_... who uploaded it
    mode TEXT NOT NULL CHECK (mode IN ('all_or_nothing', 'skip_bad_rows')),
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    filename TEXT,
    content TEXT NOT NULL,                        -- the CSV, UTF-8 without BOM
    size_bytes BIGINT NOT NULL,
    total_rows BIGINT NOT NULL DEFAULT 0,
    processed_rows BIGINT NOT NULL DEFAULT 0,
    created BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    unchanged BIGINT NOT NULL DEFAULT 0,
    failed_rows BIGINT NOT NULL DEFAULT 0,
    error_count BIGINT NOT NULL DEFAULT 0,
    next_product BIGINT NOT NULL DEFAULT 0,       -- products (in file order) already written: a resumed job skips them
    failure TEXT,                                 -- why a failed import failed, for the client
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until_ms BIGINT,
    started_at_ms BIGINT,
    finished_at_ms BIGINT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE INDEX vendor_imports_vendor ON vendor_imports (vendor_id, id);
CREATE INDEX vendor_imports_pending ON vendor_imports (status, id);

-- The error report of an import: one line per problem, in file order.
CREATE TABLE vendor_import_errors (
    import_id TEXT NOT NULL REFERENCES vendor_imports (id),
    position BIGINT NOT NULL,                     -- order in the report
    row_number BIGINT NOT NULL,                   -- 1 is the header
    column_name TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (import_id, position)
);
