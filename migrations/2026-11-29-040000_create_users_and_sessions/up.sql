-- Accounts, login sessions (each a family of rotating refresh tokens), and the failed-login
-- log that drives per-account throttling.

CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    email               text NOT NULL,
    name                text NOT NULL,
    -- argon2id PHC string; NULL until an invited user sets a password.
    password_hash       text,
    role                text NOT NULL,
    cooperative_id      uuid,
    member_id           uuid,
    supplier_id         uuid,
    locale              text NOT NULL DEFAULT 'ko',
    disabled            boolean NOT NULL DEFAULT false,
    password_changed_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%'),
    CONSTRAINT users_role_known CHECK (role IN ('platform_admin', 'coop_admin', 'member', 'supplier')),
    CONSTRAINT users_locale_known CHECK (locale IN ('ko', 'en')),
    CONSTRAINT users_name_present CHECK (length(btrim(name)) > 0),
    -- Each role belongs to exactly the organisation its kind implies.
    CONSTRAINT users_role_scope CHECK (
        (role = 'platform_admin' AND cooperative_id IS NULL AND member_id IS NULL AND supplier_id IS NULL)
        OR (role = 'coop_admin' AND cooperative_id IS NOT NULL AND member_id IS NULL AND supplier_id IS NULL)
        OR (role = 'member' AND cooperative_id IS NOT NULL AND member_id IS NOT NULL AND supplier_id IS NULL)
        OR (role = 'supplier' AND cooperative_id IS NULL AND member_id IS NULL AND supplier_id IS NOT NULL)
    )
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE sessions (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL,
    -- Absolute end of the session, however often it is refreshed.
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoked_reason text,
    ip             text,
    user_agent     text,
    CONSTRAINT sessions_expiry_after_creation CHECK (expires_at > created_at),
    CONSTRAINT sessions_revocation_has_reason CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
-- "Revoke every other live session of this user" (password change, disable).
CREATE INDEX sessions_live_by_user ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    -- SHA-256 of the 256-bit random token; the token itself is never stored.
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at  timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    -- Set when the token is rotated; presenting it again afterwards is reuse.
    used_at    timestamptz,
    CONSTRAINT refresh_tokens_hash_size CHECK (octet_length(token_hash) = 32)
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

CREATE TABLE login_failures (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Normalised email as typed (the account may not exist).
    email text NOT NULL,
    at    timestamptz NOT NULL,
    ip    text
);
CREATE INDEX login_failures_by_email_at ON login_failures (email, at DESC);
