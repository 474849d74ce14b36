-- Browser sessions of the portal ride on the existing sessions (same revocation, expiry,
-- disabled-account and password-change rules as the API's): a session started by the
-- portal's sign-in also has an opaque cookie token, stored only as its SHA-256, and the
-- time it was last used (for the idle timeout).
ALTER TABLE sessions
    ADD COLUMN web_token_hash bytea,
    ADD COLUMN last_seen_at   timestamptz,
    ADD CONSTRAINT sessions_web_token_hash_size CHECK (octet_length(web_token_hash) = 32),
    ADD CONSTRAINT sessions_web_token_seen CHECK ((web_token_hash IS NULL) = (last_seen_at IS NULL));
CREATE UNIQUE INDEX sessions_web_token_key ON sessions (web_token_hash) WHERE web_token_hash IS NOT NULL;

-- "Forgot password": one-time links, stored only as the SHA-256 of their 256-bit token.
CREATE TABLE password_resets (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT password_resets_hash_size CHECK (octet_length(token_hash) = 32),
    CONSTRAINT password_resets_expiry_after_creation CHECK (expires_at > created_at)
);
-- Recent requests per user (the per-account cap) and "spend every other link".
CREATE INDEX password_resets_by_user ON password_resets (user_id, created_at DESC);
