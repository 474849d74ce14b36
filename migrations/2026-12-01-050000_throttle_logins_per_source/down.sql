DROP TABLE login_sources;
DROP INDEX login_failures_by_email_source_at;
ALTER TABLE login_failures DROP COLUMN source;
