-- Periodic background jobs (FX refresh, housekeeping) run once per period across all
-- instances: an instance runs a period only after inserting (or taking over) its row here.
-- The primary key makes the claim exclusive; a claim whose lease ran out before it finished
-- (a crashed instance) is taken over by the next instance that asks.

CREATE TABLE job_runs (
    job          text NOT NULL,
    -- Start of the period (periods are aligned on the Unix epoch: 00:00 UTC for a day).
    period_start timestamptz NOT NULL,
    -- The instance holding (or that held) the claim: `host:pid:random`.
    instance     text NOT NULL,
    claimed_at   timestamptz NOT NULL,
    -- Until then no other instance takes the period over; after a failed run, the time
    -- from which it is retried.
    lease_until  timestamptz NOT NULL,
    attempts     integer NOT NULL DEFAULT 1,
    finished_at  timestamptz,
    -- What the run handled (rows fetched, deleted…), once finished.
    items        integer,
    last_error   text,
    PRIMARY KEY (job, period_start),
    CONSTRAINT job_runs_attempts_positive CHECK (attempts >= 1),
    CONSTRAINT job_runs_finished_has_items CHECK ((finished_at IS NULL) = (items IS NULL)),
    CONSTRAINT job_runs_items_non_negative CHECK (items >= 0)
);
-- Housekeeping deletes old rows by period.
CREATE INDEX job_runs_period_start ON job_runs (period_start);

-- The webhook operations list (`GET /admin/webhooks`): by status, newest first.
CREATE INDEX outbox_webhooks_by_status ON outbox_webhooks (status, created_at DESC, id DESC);
