-- RFQs and sealed quotes (DESIGN rules 3 and 4).
-- An RFQ's stored status changes only on explicit transitions; "closed from the deadline on"
-- is derived from the clock in every request (and decided inside writing transactions).

CREATE TABLE rfqs (
    id               uuid PRIMARY KEY,
    cooperative_id   uuid NOT NULL,
    round_id         uuid NOT NULL,
    title            text NOT NULL,
    status           text NOT NULL DEFAULT 'draft',
    deadline         timestamptz NOT NULL,
    delivery_place   text NOT NULL,
    currencies       text[] NOT NULL,
    incoterms        text[] NOT NULL,
    weight_price     numeric NOT NULL DEFAULT 1,
    weight_lead_time numeric NOT NULL DEFAULT 0,
    published_at     timestamptz,
    cancelled_at     timestamptz,
    cancel_reason    text,
    created_by       uuid NOT NULL REFERENCES users (id),
    -- (no updated_at: every change is an audit event with its time)
    created_at       timestamptz NOT NULL,
    CONSTRAINT rfqs_status_known CHECK (status IN ('draft', 'published', 'cancelled', 'awarded')),
    CONSTRAINT rfqs_title_present CHECK (length(btrim(title)) > 0),
    CONSTRAINT rfqs_place_present CHECK (length(btrim(delivery_place)) > 0),
    CONSTRAINT rfqs_weights_valid CHECK (weight_price >= 0 AND weight_lead_time >= 0 AND weight_price + weight_lead_time > 0),
    CONSTRAINT rfqs_currencies_present CHECK (cardinality(currencies) > 0),
    CONSTRAINT rfqs_incoterms_present CHECK (cardinality(incoterms) > 0),
    CONSTRAINT rfqs_cancel_has_reason CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL)),
    CONSTRAINT rfqs_id_cooperative_key UNIQUE (id, cooperative_id),
    FOREIGN KEY (round_id, cooperative_id) REFERENCES demand_rounds (id, cooperative_id)
);
CREATE INDEX rfqs_list ON rfqs (cooperative_id, created_at DESC, id DESC);
CREATE INDEX rfqs_by_round ON rfqs (round_id);

-- Per-unit base-currency estimates of the costs the buyer bears under an Incoterm.
CREATE TABLE rfq_logistics_adders (
    rfq_id   uuid NOT NULL REFERENCES rfqs (id) ON DELETE CASCADE,
    incoterm text NOT NULL,
    amount   numeric NOT NULL,
    PRIMARY KEY (rfq_id, incoterm),
    CONSTRAINT rfq_logistics_adders_non_negative CHECK (amount >= 0)
);

CREATE TABLE rfq_lines (
    id             uuid PRIMARY KEY,
    rfq_id         uuid NOT NULL,
    cooperative_id uuid NOT NULL,
    round_id       uuid NOT NULL,
    material_id    uuid NOT NULL,
    position       integer NOT NULL,
    -- Snapshot of the round's aggregated base quantity and earliest required-by date.
    quantity       numeric NOT NULL,
    unit           text NOT NULL,
    required_by    date NOT NULL,
    duty_rate      numeric NOT NULL DEFAULT 0,
    -- False once the RFQ is cancelled: the material may then go into another RFQ.
    live           boolean NOT NULL DEFAULT true,
    CONSTRAINT rfq_lines_quantity_positive CHECK (quantity > 0),
    CONSTRAINT rfq_lines_duty_rate_range CHECK (duty_rate >= 0 AND duty_rate <= 100),
    CONSTRAINT rfq_lines_id_rfq_key UNIQUE (id, rfq_id),
    FOREIGN KEY (rfq_id, cooperative_id) REFERENCES rfqs (id, cooperative_id) ON DELETE CASCADE,
    FOREIGN KEY (round_id, material_id) REFERENCES round_materials (round_id, material_id)
);
-- A material is in at most one live RFQ of a round (races end in a unique violation).
CREATE UNIQUE INDEX rfq_lines_one_live_per_material ON rfq_lines (round_id, material_id) WHERE live;
CREATE INDEX rfq_lines_by_rfq ON rfq_lines (rfq_id, position);

CREATE TABLE rfq_suppliers (
    rfq_id         uuid NOT NULL REFERENCES rfqs (id) ON DELETE CASCADE,
    supplier_id    uuid NOT NULL REFERENCES suppliers (id),
    cooperative_id uuid NOT NULL,
    invited_at     timestamptz NOT NULL,
    PRIMARY KEY (rfq_id, supplier_id)
);
-- A supplier's RFQs.
CREATE INDEX rfq_suppliers_by_supplier ON rfq_suppliers (supplier_id, rfq_id);

-- The current revision of each supplier's quote; every revision is kept in quote_revisions.
CREATE TABLE quotes (
    id             uuid PRIMARY KEY,
    rfq_id         uuid NOT NULL,
    cooperative_id uuid NOT NULL,
    supplier_id    uuid NOT NULL,
    status         text NOT NULL DEFAULT 'submitted',
    revision       integer NOT NULL DEFAULT 1,
    currency       text NOT NULL,
    incoterm       text NOT NULL,
    named_place    text,
    valid_until    date NOT NULL,
    lead_time_days integer NOT NULL,
    payment_terms  text,
    notes          text,
    digest         text NOT NULL,
    submitted_at   timestamptz NOT NULL,
    -- (no created_at: revision 1 in quote_revisions has it; ids are time-ordered v7)
    withdrawn_at   timestamptz,
    CONSTRAINT quotes_status_known CHECK (status IN ('submitted', 'withdrawn')),
    CONSTRAINT quotes_withdrawn_has_time CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL)),
    CONSTRAINT quotes_revision_positive CHECK (revision >= 1),
    CONSTRAINT quotes_lead_time_range CHECK (lead_time_days BETWEEN 0 AND 365),
    CONSTRAINT quotes_digest_format CHECK (digest ~ '^sha256:[0-9a-f]{64}$'),
    -- One quote per supplier per RFQ (a second POST is 409 quote_exists).
    CONSTRAINT quotes_one_per_supplier UNIQUE (rfq_id, supplier_id),
    FOREIGN KEY (rfq_id, cooperative_id) REFERENCES rfqs (id, cooperative_id),
    FOREIGN KEY (rfq_id, supplier_id) REFERENCES rfq_suppliers (rfq_id, supplier_id)
);

CREATE TABLE quote_lines (
    quote_id           uuid NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    rfq_line_id        uuid NOT NULL,
    rfq_id             uuid NOT NULL,
    unit_price         numeric NOT NULL,
    freight_per_unit   numeric NOT NULL DEFAULT 0,
    insurance_per_unit numeric NOT NULL DEFAULT 0,
    min_quantity       numeric NOT NULL DEFAULT 0,
    max_quantity       numeric,
    PRIMARY KEY (quote_id, rfq_line_id),
    FOREIGN KEY (rfq_line_id, rfq_id) REFERENCES rfq_lines (id, rfq_id),
    CONSTRAINT quote_lines_price_positive CHECK (unit_price > 0),
    CONSTRAINT quote_lines_charges_non_negative CHECK (freight_per_unit >= 0 AND insurance_per_unit >= 0),
    CONSTRAINT quote_lines_quantities_valid CHECK (min_quantity >= 0 AND (max_quantity IS NULL OR (max_quantity > 0 AND max_quantity >= min_quantity)))
);
-- The comparison reads every offer of a line.
CREATE INDEX quote_lines_by_rfq_line ON quote_lines (rfq_line_id);

CREATE TABLE quote_price_breaks (
    quote_id     uuid NOT NULL,
    rfq_line_id  uuid NOT NULL,
    min_quantity numeric NOT NULL,
    unit_price   numeric NOT NULL,
    PRIMARY KEY (quote_id, rfq_line_id, min_quantity),
    FOREIGN KEY (quote_id, rfq_line_id) REFERENCES quote_lines (quote_id, rfq_line_id) ON DELETE CASCADE,
    CONSTRAINT quote_price_breaks_valid CHECK (min_quantity > 0 AND unit_price > 0)
);

-- Every submitted revision as the supplier's receipt describes it: the canonical document
-- whose SHA-256 is the digest. Append-only.
CREATE TABLE quote_revisions (
    quote_id     uuid NOT NULL REFERENCES quotes (id),
    revision     integer NOT NULL,
    document     text NOT NULL,
    digest       text NOT NULL,
    submitted_at timestamptz NOT NULL,
    submitted_by uuid NOT NULL REFERENCES users (id),
    PRIMARY KEY (quote_id, revision),
    CONSTRAINT quote_revisions_digest_format CHECK (digest ~ '^sha256:[0-9a-f]{64}$')
);
CREATE FUNCTION quote_revisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'quote_revisions is append-only';
END;
$$;
CREATE TRIGGER quote_revisions_no_update BEFORE UPDATE OR DELETE ON quote_revisions
    FOR EACH ROW EXECUTE FUNCTION quote_revisions_append_only();

-- Signed JSON POSTs to suppliers' webhooks, delivered like emails (outbox, retries).
CREATE TABLE outbox_webhooks (
    id              uuid PRIMARY KEY,
    supplier_id     uuid NOT NULL REFERENCES suppliers (id),
    url             text NOT NULL,
    event           text NOT NULL,
    body            text NOT NULL,
    dedupe_key      text,
    status          text NOT NULL DEFAULT 'pending',
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    response_status integer,
    created_at      timestamptz NOT NULL,
    retry_window_started_at timestamptz NOT NULL,
    sent_at         timestamptz,
    CONSTRAINT outbox_webhooks_status_known CHECK (status IN ('pending', 'sent', 'dead')),
    CONSTRAINT outbox_webhooks_sent_has_time CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE UNIQUE INDEX outbox_webhooks_dedupe_key ON outbox_webhooks (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX outbox_webhooks_due ON outbox_webhooks (next_attempt_at) WHERE status = 'pending';
