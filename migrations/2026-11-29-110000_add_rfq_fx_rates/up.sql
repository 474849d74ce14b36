-- The FX rates an RFQ is compared and awarded at, fixed per currency at the first
-- buyer-side read of its quotes after the deadline: a rate entered or replaced later cannot
-- move a comparison someone has already seen prices for. A currency with no rate then is
-- fixed when its first rate appears.
CREATE TABLE rfq_fx_rates (
    rfq_id    uuid NOT NULL REFERENCES rfqs (id),
    currency  text NOT NULL,
    rate      numeric NOT NULL,
    rate_date date NOT NULL,
    source    text NOT NULL,
    locked_at timestamptz NOT NULL,
    PRIMARY KEY (rfq_id, currency),
    CONSTRAINT rfq_fx_rates_rate_positive CHECK (rate > 0)
);
