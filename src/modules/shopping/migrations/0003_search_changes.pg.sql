-- What changed in the read model, in order: every instance's in-process search engine
-- (search_sync.cpp) follows it to stay equal to the tables. product_id '*' means "everything"
-- (a full rebuild). Sequence numbers of concurrent transactions can commit out of order; the
-- engine re-reads from the oldest gap it has seen. Rows older than an hour are pruned; an engine
-- that fell further behind reloads everything.
CREATE TABLE shop_changes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id TEXT COLLATE "C" NOT NULL,
    changed_at_ms BIGINT NOT NULL
);
CREATE INDEX shop_changes_by_time ON shop_changes (changed_at_ms);
