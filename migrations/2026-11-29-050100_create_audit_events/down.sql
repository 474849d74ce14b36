DROP TABLE audit_heads;
DROP TABLE audit_pending;
DROP TABLE audit_chain;
DROP TABLE audit_events;
DROP FUNCTION audit_refuse_change();
