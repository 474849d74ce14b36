-- Supplier admins: a supplier user who may invite colleagues and manage the company's
-- webhook. Until now every supplier user could create colleagues, so the supplier users
-- that exist keep that power (they were each set up by a platform admin as the company's
-- account); users invited by a supplier admin are colleagues unless made admins.
ALTER TABLE users
    ADD COLUMN supplier_admin boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT users_supplier_admin_is_supplier CHECK (NOT supplier_admin OR role = 'supplier');
UPDATE users SET supplier_admin = true WHERE role = 'supplier';

-- Self-onboarding: when an RFQ is published to a supplier without an active user, its
-- contact address gets a one-time link to claim an account for that address. Stored only
-- as the SHA-256 of the 256-bit token; it expires with the RFQ's deadline.
CREATE TABLE supplier_claims (
    token_hash  bytea PRIMARY KEY,
    supplier_id uuid NOT NULL REFERENCES suppliers (id) ON DELETE CASCADE,
    rfq_id      uuid NOT NULL REFERENCES rfqs (id) ON DELETE CASCADE,
    email       text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT supplier_claims_hash_size CHECK (octet_length(token_hash) = 32),
    CONSTRAINT supplier_claims_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX supplier_claims_by_supplier ON supplier_claims (supplier_id);
