-- Transactional outbox: events are written in the same transaction as the change they describe.
CREATE TABLE events (
    id TEXT PRIMARY KEY,                 -- evt_..., time-sortable
    type TEXT NOT NULL,                  -- order.placed, ...
    aggregate_id TEXT NOT NULL,          -- the object the event is about
    data TEXT NOT NULL,                  -- JSON
    created_at_ms BIGINT NOT NULL,
    claimed_until_ms BIGINT,             -- a dispatcher owns the event until then
    dispatched_at_ms BIGINT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_undispatched ON events (id) WHERE dispatched_at_ms IS NULL;

-- One row per (handler, event) that a handler has applied: makes at-least-once delivery idempotent.
CREATE TABLE processed_events (
    handler TEXT NOT NULL,
    event_id TEXT NOT NULL,
    processed_at_ms BIGINT NOT NULL,
    PRIMARY KEY (handler, event_id)
);
