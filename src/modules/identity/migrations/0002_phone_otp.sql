-- One-time codes sent by SMS, one row per phone number: the newest code replaces the previous one. Codes are stored as
-- SHA-256 hashes (NULL when the provider keeps the code itself: Twilio Verify).
CREATE TABLE phone_otps (
    phone TEXT PRIMARY KEY,                       -- E.164
    user_id TEXT REFERENCES users (id),           -- set when a signed-in user verifies this phone; NULL = sign-in code
    code_hash TEXT,
    sent_at_ms BIGINT NOT NULL,                   -- the resend cooldown counts from here
    expires_at_ms BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,          -- checks made against this code; locked at the maximum
    consumed_at_ms BIGINT
);
