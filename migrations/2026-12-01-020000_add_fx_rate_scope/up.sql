-- FX rates get a scope (issue 12): a cooperative's manual rates are its own; feed rates and
-- the platform admins' manual rates are shared (cooperative_id NULL). A comparison reads its
-- cooperative's rates over the shared ones, so no cooperative can move another's figures.
ALTER TABLE fx_rates ADD COLUMN cooperative_id uuid REFERENCES cooperatives (id);

-- Existing manual rates entered by a cooperative's user (only coop admins could) move to
-- that cooperative; everything else stays shared. A manual row had replaced the feed's rate
-- of its day, so that day now has no shared rate and the shared view falls back to the
-- latest earlier one.
UPDATE fx_rates f
SET cooperative_id = u.cooperative_id
FROM users u
WHERE f.created_by = u.id
  AND f.source = 'manual'
  AND u.role <> 'platform_admin'
  AND u.cooperative_id IS NOT NULL;

-- One rate per scope, pair and day; NULL (shared) counts as one scope. Leading with the
-- pair and date keeps serving "the latest on or before a date", per currency.
ALTER TABLE fx_rates DROP CONSTRAINT fx_rates_one_per_day;
ALTER TABLE fx_rates ADD CONSTRAINT fx_rates_one_per_day
    UNIQUE NULLS NOT DISTINCT (base, currency, date, cooperative_id);

-- Feeds are shared by nature.
ALTER TABLE fx_rates ADD CONSTRAINT fx_rates_feed_shared
    CHECK (source = 'manual' OR cooperative_id IS NULL);
