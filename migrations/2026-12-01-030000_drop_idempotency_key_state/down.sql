ALTER TABLE idempotency_keys ADD COLUMN state text NOT NULL DEFAULT 'done'
    CONSTRAINT idempotency_keys_state_known CHECK (state IN ('in_flight', 'done'));
ALTER TABLE idempotency_keys ALTER COLUMN state SET DEFAULT 'in_flight';
