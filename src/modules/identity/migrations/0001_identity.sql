-- Accounts. A user signs in with an email and password, or (later steps of issue 4) with a phone verified by OTP or
-- an external identity (Google, Facebook), so email, phone and password are each optional here.
CREATE TABLE users (
    id TEXT PRIMARY KEY,                          -- usr_...
    email TEXT UNIQUE,                            -- normalised: trimmed, lower-case
    email_verified_at_ms BIGINT,
    phone TEXT UNIQUE,                            -- E.164, set once verified by OTP
    phone_verified_at_ms BIGINT,
    password_hash TEXT,                           -- argon2id string (libsodium crypto_pwhash_str); NULL = no password
    name TEXT NOT NULL,
    locale TEXT,                                  -- BCP 47 tag
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    status_changed_at_ms BIGINT,
    marketing_email INTEGER NOT NULL DEFAULT 0,   -- opt-ins, 0 or 1
    marketing_sms INTEGER NOT NULL DEFAULT 0,
    marketing_push INTEGER NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

-- Roles of a user. Vendor and courier roles start pending until an admin approves them; only active roles are
-- put into access tokens.
CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('customer', 'vendor', 'courier', 'admin')),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending')),
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- External identities linked to a user (Google, Facebook, any OpenID provider): filled by the social login step.
CREATE TABLE user_identities (
    id TEXT PRIMARY KEY,                          -- idn_...
    user_id TEXT NOT NULL REFERENCES users (id),
    provider TEXT NOT NULL,                       -- google | facebook | an OpenID issuer URL
    subject TEXT NOT NULL,                        -- the provider's stable user id
    email TEXT,                                   -- as the provider asserted it
    created_at_ms BIGINT NOT NULL,
    last_used_at_ms BIGINT,
    UNIQUE (provider, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

-- A session is one sign-in and the family of refresh tokens rotated from it.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,                          -- ses_..., the `sid` claim of its access tokens
    user_id TEXT NOT NULL REFERENCES users (id),
    method TEXT NOT NULL,                         -- password (later otp, google, facebook)
    user_agent TEXT,
    ip TEXT,
    created_at_ms BIGINT NOT NULL,
    last_used_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,                -- expiry of its newest refresh token
    revoked_at_ms BIGINT,
    revoked_reason TEXT                           -- logout | revoked | reuse | password_changed | password_reset
);
CREATE INDEX sessions_user ON sessions (user_id, id);
CREATE INDEX sessions_revoked ON sessions (revoked_at_ms) WHERE revoked_at_ms IS NOT NULL;

-- Refresh tokens, stored as SHA-256 hashes. A token is used once; presenting a used one revokes its session.
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,                  -- hex SHA-256 of the token
    session_id TEXT NOT NULL REFERENCES sessions (id),
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    used_at_ms BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Single-use tokens sent by email (verification, password reset), stored as SHA-256 hashes.
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    email TEXT NOT NULL,                          -- the address it was sent to
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    used_at_ms BIGINT
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

-- Messages handed to the notification log sender (embedded profile): what would have been emailed or texted.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,                          -- ntf_...
    channel TEXT NOT NULL,                        -- email | sms
    recipient TEXT NOT NULL,
    template TEXT NOT NULL,                       -- verify_email | reset_password | ...
    subject TEXT,
    body TEXT NOT NULL,
    data TEXT NOT NULL,                           -- JSON: the template's values
    user_id TEXT,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX notifications_recipient ON notifications (recipient, id);

-- Security events, readable by admins.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,                          -- aud_..., time-sortable
    type TEXT NOT NULL,                           -- login.succeeded, session.revoked, ...
    user_id TEXT,                                 -- whom it concerns, when known
    actor_id TEXT,                                -- who acted, when not the user (an admin)
    ip TEXT,
    user_agent TEXT,
    data TEXT NOT NULL,                           -- JSON
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX audit_events_type ON audit_events (type, id);
CREATE INDEX audit_events_user ON audit_events (user_id, id);
