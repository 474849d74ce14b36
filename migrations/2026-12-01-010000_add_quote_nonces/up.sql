-- Commit–reveal receipts (DESIGN rule 3): each submitted revision's canonical document
-- includes a secret random nonce (32 bytes from the OS CSPRNG, lower-case hex), so its
-- digest cannot be used to confirm a guess of the quote. Only the supplier sees the nonce
-- before the deadline; the buyer side gets it with the canonical documents afterwards.
-- NULL only on revisions sealed before nonces existed (their documents have none); else it
-- is the document's first member (keys are sorted: "nonce" < "quote").
ALTER TABLE quote_revisions ADD COLUMN nonce text
    CONSTRAINT quote_revisions_nonce_format CHECK (nonce ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT quote_revisions_nonce_in_document CHECK (
        CASE WHEN nonce IS NULL THEN document NOT LIKE '{"nonce":%'
             ELSE starts_with(document, '{"nonce":"' || nonce || '",') END);

-- The buyer side's audit list withholds the events of quotes whose RFQ is before its
-- deadline; it reads the ids of those quotes from the cooperative's open RFQs through this
-- index (index-only, instead of a scan of every quote).
CREATE INDEX quotes_by_rfq ON quotes (rfq_id) INCLUDE (id);
