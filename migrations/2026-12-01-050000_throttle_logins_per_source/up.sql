-- Password-guessing throttle per account *and source* (issue 12, defect 6). A failure
-- records the source it came from (an IPv4 address, or the /64 of an IPv6 address), and
-- the sources each account has logged in from are remembered, so a stranger's failures
-- delay the stranger and never lock the owner out.

ALTER TABLE login_failures ADD COLUMN source text;
UPDATE login_failures SET source = coalesce(ip, 'unknown');
ALTER TABLE login_failures ALTER COLUMN source SET NOT NULL;
-- "This source's failures on this account" (the per-source delay).
CREATE INDEX login_failures_by_email_source_at ON login_failures (email, source, at DESC);

CREATE TABLE login_sources (
    -- The throttle's account key: the normalised email as typed at login.
    email         text NOT NULL,
    source        text NOT NULL,
    last_login_at timestamptz NOT NULL,
    PRIMARY KEY (email, source)
);
CREATE INDEX login_sources_by_last_login ON login_sources (last_login_at);
