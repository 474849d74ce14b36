-- The email outbox (DESIGN rule 11): use cases insert rows inside their own transaction;
-- the worker claims due rows with FOR UPDATE SKIP LOCKED, sends, and records the outcome.

CREATE TABLE outbox_emails (
    id              uuid PRIMARY KEY,
    recipient       text NOT NULL,
    locale          text NOT NULL,
    template        text NOT NULL,
    payload         jsonb NOT NULL,
    -- Enqueuing the same logical email twice (same key) keeps the first row only.
    dedupe_key      text,
    -- `<row id@sender domain>`, set on the first attempt and reused on every retry, so a
    -- resend after a crash carries the same Message-ID.
    message_id      text,
    status          text NOT NULL DEFAULT 'pending',
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    -- The SMTP server's final reply (or the file written) for a sent email.
    smtp_response   text,
    created_at      timestamptz NOT NULL,
    -- Transient failures are retried for 48 h from here (reset by a manual retry).
    retry_window_started_at timestamptz NOT NULL,
    sent_at         timestamptz,
    CONSTRAINT outbox_emails_status_known CHECK (status IN ('pending', 'sent', 'dead')),
    CONSTRAINT outbox_emails_locale_known CHECK (locale IN ('ko', 'en')),
    CONSTRAINT outbox_emails_attempts_non_negative CHECK (attempts >= 0),
    CONSTRAINT outbox_emails_sent_has_time CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE UNIQUE INDEX outbox_emails_dedupe_key ON outbox_emails (dedupe_key) WHERE dedupe_key IS NOT NULL;
-- The worker's claim query: due pending rows in order.
CREATE INDEX outbox_emails_due ON outbox_emails (next_attempt_at) WHERE status = 'pending';
-- The operations list: by status, newest first.
CREATE INDEX outbox_emails_by_status ON outbox_emails (status, created_at DESC, id DESC);
