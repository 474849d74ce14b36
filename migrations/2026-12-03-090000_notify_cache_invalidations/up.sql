-- Per-instance caches (live API sessions, computed comparisons) are invalidated through
-- NOTIFY on one channel. Triggers rather than application code, so that no write path --
-- a service, the CLI, a migration, an operator's psql -- can change what a cache holds
-- without telling every instance. A notification is delivered when its transaction commits.
-- Payloads: 's:<session id>', 'u:<user id>', 'r:<rfq id>', '*' (drop every entry).

CREATE FUNCTION coprocure_notify_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('coprocure_cache', 's:' || OLD.id::text);
    RETURN NULL;
END $$;

-- Browser sessions update last_seen_at on every page: only what decides validity notifies.
CREATE TRIGGER sessions_notify_update AFTER UPDATE ON sessions FOR EACH ROW
    WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
          OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
          OR OLD.user_id IS DISTINCT FROM NEW.user_id)
    EXECUTE FUNCTION coprocure_notify_session();
CREATE TRIGGER sessions_notify_delete AFTER DELETE ON sessions FOR EACH ROW
    EXECUTE FUNCTION coprocure_notify_session();

CREATE FUNCTION coprocure_notify_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('coprocure_cache', 'u:' || OLD.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER users_notify AFTER UPDATE OR DELETE ON users FOR EACH ROW
    EXECUTE FUNCTION coprocure_notify_user();

-- Anything a comparison reads, per RFQ.
CREATE FUNCTION coprocure_notify_rfq() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_rfq uuid;
BEGIN
    IF TG_TABLE_NAME = 'rfqs' THEN
        row_rfq := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
    ELSIF TG_OP = 'DELETE' THEN
        row_rfq := OLD.rfq_id;
    ELSE
        row_rfq := NEW.rfq_id;
    END IF;
    PERFORM pg_notify('coprocure_cache', 'r:' || row_rfq::text);
    RETURN NULL;
END $$;

CREATE TRIGGER rfqs_notify AFTER UPDATE OR DELETE ON rfqs FOR EACH ROW
    EXECUTE FUNCTION coprocure_notify_rfq();
CREATE TRIGGER quotes_notify AFTER INSERT OR UPDATE OR DELETE ON quotes FOR EACH ROW
    EXECUTE FUNCTION coprocure_notify_rfq();
CREATE TRIGGER rfq_lines_notify AFTER INSERT OR UPDATE OR DELETE ON rfq_lines FOR EACH ROW
    EXECUTE FUNCTION coprocure_notify_rfq();
CREATE TRIGGER rfq_logistics_adders_notify AFTER INSERT OR UPDATE OR DELETE ON rfq_logistics_adders
    FOR EACH ROW EXECUTE FUNCTION coprocure_notify_rfq();
CREATE TRIGGER rfq_fx_rates_notify AFTER INSERT OR UPDATE OR DELETE ON rfq_fx_rates FOR EACH ROW
    EXECUTE FUNCTION coprocure_notify_rfq();

-- Rarely changed tables whose rows many comparisons show: drop everything.
CREATE FUNCTION coprocure_notify_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('coprocure_cache', '*');
    RETURN NULL;
END $$;

CREATE TRIGGER fx_rates_notify AFTER INSERT OR UPDATE OR DELETE ON fx_rates
    FOR EACH STATEMENT EXECUTE FUNCTION coprocure_notify_all();
CREATE TRIGGER suppliers_notify AFTER UPDATE OR DELETE ON suppliers
    FOR EACH STATEMENT EXECUTE FUNCTION coprocure_notify_all();
CREATE TRIGGER materials_notify AFTER UPDATE OR DELETE ON materials
    FOR EACH STATEMENT EXECUTE FUNCTION coprocure_notify_all();
CREATE TRIGGER cooperatives_notify AFTER UPDATE OR DELETE ON cooperatives
    FOR EACH STATEMENT EXECUTE FUNCTION coprocure_notify_all();
