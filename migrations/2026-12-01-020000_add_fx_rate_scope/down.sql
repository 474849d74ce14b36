-- Back to one rate per pair and day: where a day has several scopes, the shared rate is
-- kept, else the most recently entered cooperative rate (the others are lost).
ALTER TABLE fx_rates DROP CONSTRAINT fx_rates_feed_shared;
ALTER TABLE fx_rates DROP CONSTRAINT fx_rates_one_per_day;
DELETE FROM fx_rates f
USING fx_rates k
WHERE f.cooperative_id IS NOT NULL
  AND (k.base, k.currency, k.date) = (f.base, f.currency, f.date)
  AND k.id <> f.id
  AND (k.cooperative_id IS NULL OR (k.created_at, k.id) > (f.created_at, f.id));
ALTER TABLE fx_rates DROP COLUMN cooperative_id;
ALTER TABLE fx_rates ADD CONSTRAINT fx_rates_one_per_day UNIQUE (base, currency, date);
