DROP INDEX outbox_webhooks_by_status;
DROP TABLE job_runs;
