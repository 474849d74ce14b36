-- The audit trail (DESIGN rule 12), in two append-only tables:
--   audit_events  what happened, inserted by the use case in its own transaction;
--   audit_chain   the hash chain over committed events, appended by the background sealer.
-- A request therefore never waits on a chain-wide lock; the sealer chains events per chain
-- (one per cooperative, one for the platform) in a fixed order after they commit.
-- audit_pending is the sealer's work queue (event ids not yet chained); audit_heads is its
-- cursor per chain. Neither is evidence: verification recomputes everything from
-- audit_events and audit_chain.

CREATE TABLE audit_events (
    id             uuid PRIMARY KEY,
    cooperative_id uuid,
    -- 'platform' or the cooperative id: the chain this event belongs to.
    chain          text NOT NULL,
    actor_kind     text NOT NULL,
    actor_id       uuid,
    action         text NOT NULL,
    entity         text NOT NULL,
    entity_id      text,
    at             timestamptz NOT NULL,
    data           jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT audit_events_actor_kind_known CHECK (actor_kind IN ('user', 'system')),
    CONSTRAINT audit_events_user_actor_has_id CHECK (actor_kind = 'system' OR actor_id IS NOT NULL),
    CONSTRAINT audit_events_chain_matches CHECK (chain = coalesce(cooperative_id::text, 'platform')),
    CONSTRAINT audit_events_action_shape CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$')
);
CREATE INDEX audit_events_by_entity ON audit_events (chain, entity, entity_id, at);
CREATE INDEX audit_events_by_chain_at ON audit_events (chain, at, id);

CREATE TABLE audit_chain (
    event_id  uuid PRIMARY KEY REFERENCES audit_events (id),
    chain     text NOT NULL,
    position  bigint NOT NULL,
    prev_hash bytea NOT NULL,
    hash      bytea NOT NULL,
    sealed_at timestamptz NOT NULL,
    CONSTRAINT audit_chain_position_positive CHECK (position > 0),
    CONSTRAINT audit_chain_hash_sizes CHECK (octet_length(prev_hash) = 32 AND octet_length(hash) = 32)
);
CREATE UNIQUE INDEX audit_chain_position ON audit_chain (chain, position);

CREATE TABLE audit_pending (
    event_id uuid PRIMARY KEY REFERENCES audit_events (id),
    chain    text NOT NULL
);
CREATE INDEX audit_pending_by_chain ON audit_pending (chain);

CREATE TABLE audit_heads (
    chain    text PRIMARY KEY,
    position bigint NOT NULL,
    hash     bytea NOT NULL
);

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
