-- FX rates (DESIGN rule 5): units of `base` per 1 unit of `currency`, per date, with source.
-- One rate per (base, currency, date): a manual entry replaces a feed's for that date, and
-- a feed refresh never overwrites a manual one.
CREATE TABLE fx_rates (
    id         uuid PRIMARY KEY,
    date       date NOT NULL,
    base       text NOT NULL,
    currency   text NOT NULL,
    rate       numeric NOT NULL,
    source     text NOT NULL,
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL,
    CONSTRAINT fx_rates_rate_positive CHECK (rate > 0),
    CONSTRAINT fx_rates_pair_distinct CHECK (base <> currency),
    CONSTRAINT fx_rates_codes CHECK (base ~ '^[A-Z]{3}$' AND currency ~ '^[A-Z]{3}$'),
    CONSTRAINT fx_rates_source_known CHECK (source IN ('manual', 'ecb', 'koreaexim')),
    -- Also serves "the rate in force on a date": the latest on or before it, per currency.
    CONSTRAINT fx_rates_one_per_day UNIQUE (base, currency, date)
);
