-- Idempotency-Key records: the first response to a caller's key, replayed to retries of the same
-- request until it expires (infra/idempotency). Portable SQL: the same file serves both dialects.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,            -- whose key: user:<id>, or cart:<sha256 hex of the cart token>
    idem_key TEXT NOT NULL,         -- the Idempotency-Key header, 1-255 printable ASCII
    method TEXT NOT NULL,           -- the first request: method, path with query, body hash
    path TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    state TEXT NOT NULL,            -- running | done
    owner TEXT,                     -- the attempt that holds a running key
    locked_until_ms BIGINT,         -- a running key whose attempt died is taken over after this
    request_id TEXT NOT NULL,       -- of the attempt that ran (for logs)
    status INTEGER,                 -- the stored response, when done
    content_type TEXT,
    headers TEXT,                   -- JSON [[name, value], ...]: Location, ETag, Last-Modified, Link
    body TEXT,
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,  -- replayed until then; the purge job deletes it afterwards
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at_ms);
