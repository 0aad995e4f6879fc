-- A user's request to delete their account. The account keeps working (sign in again to cancel) until
-- purge_after; then the purge job anonymises it and writes user.deleted so other modules do the same.
CREATE TABLE account_deletions (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    requested_at_ms BIGINT NOT NULL,
    purge_after_ms BIGINT NOT NULL,
    completed_at_ms BIGINT                        -- set by the purge; the row stays as the record of it
);
CREATE INDEX account_deletions_due ON account_deletions (purge_after_ms) WHERE completed_at_ms IS NULL;
