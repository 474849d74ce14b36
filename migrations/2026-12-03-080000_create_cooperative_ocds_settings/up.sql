-- A cooperative's choice for its OCDS export: public (no sign-in) or for its members only
-- (the default), and whether a public export withholds the prices of offers not awarded.
CREATE TABLE cooperative_ocds_settings (
    cooperative_id uuid PRIMARY KEY REFERENCES cooperatives (id),
    public boolean NOT NULL DEFAULT false,
    withhold_losing_prices boolean NOT NULL DEFAULT true,
    updated_by uuid NOT NULL REFERENCES users (id),
    updated_at timestamptz NOT NULL
);
