DROP TABLE password_resets;
DROP INDEX sessions_web_token_key;
ALTER TABLE sessions
    DROP CONSTRAINT sessions_web_token_seen,
    DROP CONSTRAINT sessions_web_token_hash_size,
    DROP COLUMN last_seen_at,
    DROP COLUMN web_token_hash;
