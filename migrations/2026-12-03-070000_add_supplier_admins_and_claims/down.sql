DROP TABLE supplier_claims;
ALTER TABLE users DROP CONSTRAINT users_supplier_admin_is_supplier, DROP COLUMN supplier_admin;
