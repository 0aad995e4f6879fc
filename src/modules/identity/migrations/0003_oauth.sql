-- Sign-ins started with a provider (Google, Facebook, another OpenID provider), waiting for its callback. Kept in the
-- database so any instance can finish what another started. A row works once (used_at_ms) and expires within minutes.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,                  -- hex SHA-256 of the `state` parameter
    provider TEXT NOT NULL,
    nonce TEXT,                                   -- OpenID nonce the ID token must carry; NULL for Facebook
    code_verifier TEXT NOT NULL,                  -- PKCE verifier (RFC 7636), sent with the code
    redirect_to TEXT,                             -- allow-listed app URL that gets the tokens; NULL = JSON answer
    browser_hash TEXT NOT NULL,                   -- hex SHA-256 of the cookie binding the sign-in to its browser
    created_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    used_at_ms BIGINT
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at_ms);

-- ID tokens that native apps exchanged, so each works once; kept until the token expires.
CREATE TABLE oauth_used_tokens (
    token_hash TEXT PRIMARY KEY,                  -- hex SHA-256 of the token
    provider TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
CREATE INDEX oauth_used_tokens_expiry ON oauth_used_tokens (expires_at_ms);
