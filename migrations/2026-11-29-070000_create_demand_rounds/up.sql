-- Demand rounds: a cooperative collects its members' demand per material until closes_at.
-- The stored status changes only on explicit transitions; "closed from closes_at on" is
-- derived from the clock in every request, so it is never late and needs no job.

CREATE TABLE demand_rounds (
    id               uuid PRIMARY KEY,
    cooperative_id   uuid NOT NULL REFERENCES cooperatives (id),
    title            text NOT NULL,
    status           text NOT NULL DEFAULT 'draft',
    closes_at        timestamptz NOT NULL,
    opened_at        timestamptz,
    closed_at        timestamptz,
    cancelled_at     timestamptz,
    reminder_sent_at timestamptz,
    created_by       uuid NOT NULL REFERENCES users (id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT demand_rounds_status_known CHECK (status IN ('draft', 'open', 'closed', 'cancelled')),
    CONSTRAINT demand_rounds_title_present CHECK (length(btrim(title)) > 0),
    CONSTRAINT demand_rounds_id_cooperative_key UNIQUE (id, cooperative_id)
);
CREATE INDEX demand_rounds_list ON demand_rounds (cooperative_id, created_at DESC, id DESC);
-- The reminder job: open rounds by closing time.
CREATE INDEX demand_rounds_open_by_close ON demand_rounds (closes_at) WHERE status = 'open' AND reminder_sent_at IS NULL;

CREATE TABLE round_materials (
    round_id       uuid NOT NULL,
    material_id    uuid NOT NULL,
    cooperative_id uuid NOT NULL,
    PRIMARY KEY (round_id, material_id),
    FOREIGN KEY (round_id, cooperative_id) REFERENCES demand_rounds (id, cooperative_id) ON DELETE CASCADE,
    FOREIGN KEY (material_id, cooperative_id) REFERENCES materials (id, cooperative_id)
);

CREATE TABLE demand_lines (
    id             uuid PRIMARY KEY,
    round_id       uuid NOT NULL,
    cooperative_id uuid NOT NULL,
    member_id      uuid NOT NULL,
    material_id    uuid NOT NULL,
    quantity       numeric NOT NULL,
    unit           text NOT NULL,
    -- quantity converted exactly to the material's base unit.
    quantity_base  numeric NOT NULL,
    required_by    date NOT NULL,
    delivery_site  text NOT NULL,
    created_by     uuid NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CONSTRAINT demand_lines_quantity_positive CHECK (quantity > 0 AND quantity_base > 0),
    CONSTRAINT demand_lines_site_present CHECK (length(btrim(delivery_site)) > 0),
    -- The material must be one of the round's, and the member one of the cooperative's.
    FOREIGN KEY (round_id, material_id) REFERENCES round_materials (round_id, material_id),
    FOREIGN KEY (round_id, cooperative_id) REFERENCES demand_rounds (id, cooperative_id),
    FOREIGN KEY (member_id, cooperative_id) REFERENCES members (id, cooperative_id)
);
-- Serves the aggregate: per (material, member) sums stream out of this index in order
-- (index-only scan + GroupAggregate, no sort), and per (material, site) sums hash over it.
CREATE INDEX demand_lines_aggregate ON demand_lines (round_id, material_id, member_id)
    INCLUDE (quantity_base, required_by, delivery_site);
-- A member's own lines, newest first.
CREATE INDEX demand_lines_by_member ON demand_lines (round_id, member_id, created_at DESC, id DESC);

-- DESIGN rule 13: a replayed creating POST returns the stored response.
CREATE TABLE idempotency_keys (
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key             text NOT NULL,
    request_hash    bytea NOT NULL,
    state           text NOT NULL DEFAULT 'in_flight',
    response_status integer,
    response_body   bytea,
    response_location text,
    response_content_type text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (user_id, key),
    CONSTRAINT idempotency_keys_state_known CHECK (state IN ('in_flight', 'done'))
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
