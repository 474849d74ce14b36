-- Awards, joint purchase orders and their member allocations (DESIGN rules 8–10).

CREATE TABLE awards (
    id                   uuid PRIMARY KEY,
    rfq_id               uuid NOT NULL,
    cooperative_id       uuid NOT NULL,
    partial              boolean NOT NULL,
    rationale            text,
    total_base           numeric NOT NULL,
    -- The optimum for the same quantities (rule 7); the award may exceed it by 1 base
    -- unit only with a rationale.
    optimum_base         numeric NOT NULL,
    fx_date              date NOT NULL,
    decided_by           uuid NOT NULL REFERENCES users (id),
    decided_at           timestamptz NOT NULL,
    -- One award per RFQ: a concurrent second one fails here even past the row lock.
    CONSTRAINT awards_one_per_rfq UNIQUE (rfq_id),
    FOREIGN KEY (rfq_id, cooperative_id) REFERENCES rfqs (id, cooperative_id)
);

CREATE TABLE award_allocations (
    award_id          uuid NOT NULL REFERENCES awards (id),
    rfq_line_id       uuid NOT NULL REFERENCES rfq_lines (id),
    quote_id          uuid NOT NULL REFERENCES quotes (id),
    quantity          numeric NOT NULL,
    landed_total_base numeric NOT NULL,
    PRIMARY KEY (award_id, rfq_line_id, quote_id),
    CONSTRAINT award_allocations_quantity_positive CHECK (quantity > 0)
);

-- Rule 10: the next PO number per cooperative and year. The award takes this row's lock,
-- so numbers are unique and gap-free (a rolled-back award returns its number).
CREATE TABLE po_counters (
    cooperative_id uuid NOT NULL REFERENCES cooperatives (id),
    year           integer NOT NULL,
    last           integer NOT NULL,
    PRIMARY KEY (cooperative_id, year)
);

CREATE TABLE purchase_orders (
    id              uuid PRIMARY KEY,
    cooperative_id  uuid NOT NULL REFERENCES cooperatives (id),
    supplier_id     uuid NOT NULL REFERENCES suppliers (id),
    rfq_id          uuid NOT NULL REFERENCES rfqs (id),
    quote_id        uuid NOT NULL REFERENCES quotes (id),
    -- PO-<year>-<seq>, seq from po_counters.
    number          text NOT NULL,
    status          text NOT NULL DEFAULT 'issued',
    currency        text NOT NULL,
    incoterm        text NOT NULL,
    named_place     text,
    fx_rate         numeric NOT NULL,
    fx_date         date NOT NULL,
    total           numeric NOT NULL,
    total_base      numeric NOT NULL,
    issued_at       timestamptz NOT NULL,
    acknowledged_at timestamptz,
    CONSTRAINT purchase_orders_status_known CHECK (status IN ('issued', 'acknowledged', 'delivered', 'cancelled')),
    CONSTRAINT purchase_orders_number_format CHECK (number ~ '^PO-[0-9]{4}-[0-9]{4,}$'),
    CONSTRAINT purchase_orders_number_key UNIQUE (cooperative_id, number),
    CONSTRAINT purchase_orders_fx_positive CHECK (fx_rate > 0)
);
CREATE INDEX purchase_orders_list ON purchase_orders (cooperative_id, issued_at DESC, id DESC);
CREATE INDEX purchase_orders_by_supplier ON purchase_orders (supplier_id, issued_at DESC, id DESC);

CREATE TABLE po_lines (
    id                 uuid PRIMARY KEY,
    po_id              uuid NOT NULL REFERENCES purchase_orders (id),
    rfq_line_id        uuid NOT NULL REFERENCES rfq_lines (id),
    material_id        uuid NOT NULL REFERENCES materials (id),
    position           integer NOT NULL,
    quantity           numeric NOT NULL,
    unit               text NOT NULL,
    -- The tier price for the awarded quantity, and the per-unit charges, in `currency`.
    unit_price         numeric NOT NULL,
    freight_per_unit   numeric NOT NULL,
    insurance_per_unit numeric NOT NULL,
    -- (unit_price + freight + insurance) × quantity, rounded to the currency's minor unit.
    amount             numeric NOT NULL,
    -- amount × fx_rate, rounded to the base currency's minor unit.
    amount_base        numeric NOT NULL,
    required_by        date NOT NULL,
    CONSTRAINT po_lines_quantity_positive CHECK (quantity > 0)
);
CREATE INDEX po_lines_by_po ON po_lines (po_id, position);

-- Rule 9: each PO line split across the members who demanded the material.
CREATE TABLE po_member_allocations (
    po_line_id     uuid NOT NULL REFERENCES po_lines (id),
    member_id      uuid NOT NULL REFERENCES members (id),
    po_id          uuid NOT NULL REFERENCES purchase_orders (id),
    cooperative_id uuid NOT NULL,
    quantity       numeric NOT NULL,
    amount_base    numeric NOT NULL,
    PRIMARY KEY (po_line_id, member_id),
    CONSTRAINT po_member_allocations_non_negative CHECK (quantity >= 0 AND amount_base >= 0)
);
-- A member's POs.
CREATE INDEX po_member_allocations_by_member ON po_member_allocations (member_id, po_id);
