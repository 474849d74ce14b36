DROP INDEX quotes_by_rfq;
-- (quote_revisions refuses UPDATE and DELETE of rows, not a change of its schema.)
ALTER TABLE quote_revisions DROP COLUMN nonce;
