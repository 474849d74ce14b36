-- An idempotency key's row is now written in the same transaction as the request's effect,
-- with the response stored before COMMIT (src/api/idempotency.rs): a committed row always
-- holds its answer, and no "in flight" state is ever visible. Rows left in flight by the
-- earlier scheme never stored an answer; their retries run afresh, as they would have
-- after 60 s before.
DELETE FROM idempotency_keys WHERE state = 'in_flight';
ALTER TABLE idempotency_keys DROP COLUMN state;
