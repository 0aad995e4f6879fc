-- Dispatch state moves out of `events` into a narrow queue of the events not dispatched yet. A
-- claim and a dispatch then write a few small rows instead of rewriting event rows whose payloads
-- are kilobytes, and `events` is written once. A trigger enqueues every event, however it is
-- inserted (outbox code, migrations, tools).
CREATE TABLE event_queue (
    id TEXT PRIMARY KEY,                -- events.id
    claimed_until_ms BIGINT NOT NULL,   -- a dispatcher owns the event until then; free once past
    attempts INTEGER NOT NULL DEFAULT 0 -- claims so far
) WITHOUT ROWID;

INSERT INTO event_queue (id, claimed_until_ms, attempts)
SELECT id, COALESCE(claimed_until_ms, created_at_ms), attempts FROM events
WHERE dispatched_at_ms IS NULL;

CREATE TRIGGER events_enqueue AFTER INSERT ON events
BEGIN
    INSERT INTO event_queue (id, claimed_until_ms) VALUES (NEW.id, NEW.created_at_ms);
END;

DROP INDEX events_undispatched;
ALTER TABLE events DROP COLUMN claimed_until_ms;
ALTER TABLE events DROP COLUMN dispatched_at_ms;
ALTER TABLE events DROP COLUMN attempts;
