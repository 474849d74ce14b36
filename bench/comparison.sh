#!/usr/bin/env bash
# Comparison benchmark (issue: FX rates, landed-cost comparison, optimal award).
#
#   bench/comparison.sh    # DATABASE_URL if set, else the embedded cluster in a temp dir
#
# Loads an RFQ past its deadline with 20 lines × 50 offers (every offer: 5 price tiers,
# half in USD from overseas suppliers with duty and adders), then prints side by side:
#   1. baseline: the SQL that fetches the same rows (quotes, lines, price breaks) in
#      pgbench, 1 client, 15 s — p50 and p99 from its per-transaction log;
#   2. GET /api/v1/rfqs/{id}/comparison over HTTP (release build), wrk with 1 connection,
#      15 s — p50 and p99 of repeated reads (computed once, then cached) and their ratio to
#      the SQL, whether every line's suggestion is proven optimal, and one computation
#      after an invalidation;
#   3. the optimiser alone: `cargo bench --bench optimise` (20 and 50 offers × 5 tiers,
#      against a greedy allocation in the same process).
# Needs: wrk, pgbench, psql, python3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in wrk pgbench psql python3 curl; do command -v $t >/dev/null || { echo "bench/comparison.sh needs $t" >&2; exit 1; }; done

PORT=${PORT:-18091}
WORK=$(mktemp -d /tmp/coprocure-comparison-XXXXXX)
chmod 755 "$WORK"
cargo build --release --quiet
BIN=$PWD/target/release/coprocure
export COPROCURE_LISTEN=127.0.0.1:$PORT COPROCURE_DATA_DIR=$WORK/var RUST_LOG=warn COPROCURE_FX_REFRESH_HOURS=0
export COPROCURE_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
$BIN serve >"$WORK/server.log" 2>&1 &
SERVER=$!
cleanup() { kill -INT $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
if [ -n "${DATABASE_URL:-}" ]; then
  DB=$DATABASE_URL
else
  PGPORT=$(sed -n 4p "$WORK/var/postgres/postmaster.pid")
  DB="postgres://postgres:$(cat "$WORK/var/postgres.password")@127.0.0.1:$PGPORT/coprocure"
fi
q() { psql "$DB" -v ON_ERROR_STOP=1 -qAtX "$@"; }

PASS="bench-password-$(date +%s)"
echo "$PASS" | $BIN user create --role platform_admin --email "root-$$@bench.coop" --name Root --password-stdin >/dev/null
login() { curl -sf -H 'content-type: application/json' -d "{\"email\":\"$1\",\"password\":\"$PASS\"}" "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'; }
ROOT=$(login "root-$$@bench.coop")
COOP=$(curl -sf -H "authorization: Bearer $ROOT" -H 'content-type: application/json' -d '{"name":"Bench Casting Cooperative","business_number":"123-45-67891"}' "http://127.0.0.1:$PORT/api/v1/cooperatives" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sf -H "authorization: Bearer $ROOT" -H 'content-type: application/json' -d "{\"email\":\"buyer-$$@bench.coop\",\"name\":\"Buyer\",\"role\":\"coop_admin\",\"password\":\"$PASS\"}" "http://127.0.0.1:$PORT/api/v1/cooperatives/$COOP/users" >/dev/null
ADMIN_ID=$(q -c "SELECT id FROM users WHERE email = 'buyer-$$@bench.coop'")
RFQ=00000000-0000-7000-8000-0000000000f1
ROUND=00000000-0000-7000-8000-0000000000e1
echo "loading 20 lines × 50 offers × 5 tiers…" >&2
q <<SQL
CREATE TABLE bench_mat (n int PRIMARY KEY, id uuid NOT NULL, line uuid NOT NULL);
INSERT INTO bench_mat SELECT n, gen_random_uuid(), gen_random_uuid() FROM generate_series(1, 20) n;
CREATE TABLE bench_sup (n int PRIMARY KEY, id uuid NOT NULL, quote uuid NOT NULL);
INSERT INTO bench_sup SELECT n, gen_random_uuid(), gen_random_uuid() FROM generate_series(1, 50) n;
INSERT INTO materials (id, cooperative_id, code, name, kind, unit, created_at, updated_at)
  SELECT id, '$COOP', 'MAT-' || n, 'Material ' || n, 'raw', 'TNE', now(), now() FROM bench_mat;
INSERT INTO demand_rounds (id, cooperative_id, title, status, closes_at, opened_at, closed_at, created_by, created_at, updated_at)
  VALUES ('$ROUND', '$COOP', 'Bench round', 'closed', now() - interval '10 days', now() - interval '20 days', now() - interval '10 days', '$ADMIN_ID', now(), now());
INSERT INTO round_materials SELECT '$ROUND', id, '$COOP' FROM bench_mat;
INSERT INTO rfqs (id, cooperative_id, round_id, title, status, deadline, delivery_place, currencies, incoterms, weight_price, weight_lead_time, published_at, created_by, created_at)
  VALUES ('$RFQ', '$COOP', '$ROUND', 'Bench RFQ', 'published', now() - interval '1 day', 'Ansan', '{KRW,USD}', '{EXW,FCA,CPT,CIP,DAP,DPU,DDP,FAS,FOB,CFR,CIF}', 0.8, 0.2, now() - interval '8 days', '$ADMIN_ID', now() - interval '9 days');
INSERT INTO rfq_logistics_adders VALUES ('$RFQ', 'FOB', 20000), ('$RFQ', 'CIF', 8000);
INSERT INTO rfq_lines (id, rfq_id, cooperative_id, round_id, material_id, position, quantity, unit, required_by, duty_rate)
  SELECT line, '$RFQ', '$COOP', '$ROUND', id, n, 1000 + n * 150, 'TNE', current_date + 60, 3 FROM bench_mat;
INSERT INTO suppliers (id, name, country, business_number, tax_id, default_currency, contact_email, locale, webhook_secret, created_at, updated_at)
  SELECT id, 'Supplier ' || n, CASE WHEN n % 2 = 0 THEN 'US' ELSE 'KR' END, CASE WHEN n % 2 = 1 THEN lpad(n::text, 10, '0') END,
         CASE WHEN n % 2 = 0 THEN 'US' || lpad(n::text, 9, '0') END, CASE WHEN n % 2 = 0 THEN 'USD' ELSE 'KRW' END,
         's' || n || '@bench.example', 'en', '\\x00', now(), now() FROM bench_sup;
INSERT INTO rfq_suppliers SELECT '$RFQ', id, '$COOP', now() - interval '8 days' FROM bench_sup;
INSERT INTO quotes (id, rfq_id, cooperative_id, supplier_id, status, revision, currency, incoterm, named_place, valid_until, lead_time_days, digest, submitted_at)
  SELECT quote, '$RFQ', '$COOP', id, 'submitted', 1, CASE WHEN n % 2 = 0 THEN 'USD' ELSE 'KRW' END,
         CASE WHEN n % 2 = 0 THEN (CASE WHEN n % 4 = 0 THEN 'FOB' ELSE 'CIF' END) ELSE 'DAP' END, 'Busan', current_date + 365,
         5 + n % 40, 'sha256:' || encode(sha256(quote::text::bytea), 'hex'), now() - interval '2 days' + n * interval '1 minute'
  FROM bench_sup;
INSERT INTO quote_lines (quote_id, rfq_line_id, rfq_id, unit_price, freight_per_unit, insurance_per_unit, min_quantity, max_quantity)
  SELECT s.quote, m.line, '$RFQ',
         CASE WHEN s.n % 2 = 0 THEN 9000 + ((s.n * 37 + m.n * 11) % 900) ELSE 12600000 + ((s.n * 7919 + m.n * 104729) % 1200000) END,
         CASE WHEN s.n % 2 = 0 THEN 150 ELSE 0 END, CASE WHEN s.n % 2 = 0 THEN 10 ELSE 0 END,
         ((s.n + m.n) % 6) * 50, CASE WHEN (s.n + m.n) % 3 = 0 THEN NULL ELSE 300 + ((s.n * 13 + m.n * 17) % 10) * 250 END
  FROM bench_sup s CROSS JOIN bench_mat m;
INSERT INTO quote_price_breaks (quote_id, rfq_line_id, min_quantity, unit_price)
  SELECT ql.quote_id, ql.rfq_line_id, t * 250, round(ql.unit_price * (1 - t * 0.015), 2)
  FROM quote_lines ql CROSS JOIN generate_series(1, 4) t WHERE ql.rfq_id = '$RFQ';
INSERT INTO fx_rates (id, date, base, currency, rate, source, created_at)
  VALUES (gen_random_uuid(), current_date - 30, 'KRW', 'USD', 1386.8, 'manual', now());
VACUUM ANALYZE;
SQL
ADMIN=$(login "buyer-$$@bench.coop")
URL="http://127.0.0.1:$PORT/api/v1/rfqs/$RFQ/comparison"
curl -sf -H "authorization: Bearer $ADMIN" "$URL" >"$WORK/comparison.json"
python3 - "$WORK/comparison.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
lines = c["lines"]
offers = sum(len(l["offers"]) for l in lines)
optimal = sum(1 for l in lines if l["suggestion"]["optimal"])
print(f"comparison: {len(lines)} lines, {offers} offers, suggestions proven optimal: {optimal}/{len(lines)}")
PY

cat >"$WORK/fetch.sql" <<SQL
SELECT q.id, q.supplier_id, q.currency, q.incoterm, q.lead_time_days, q.valid_until, q.submitted_at,
       ql.rfq_line_id, ql.unit_price, ql.freight_per_unit, ql.insurance_per_unit, ql.min_quantity, ql.max_quantity,
       (SELECT array_agg(b.min_quantity || ':' || b.unit_price ORDER BY b.min_quantity) FROM quote_price_breaks b
         WHERE b.quote_id = ql.quote_id AND b.rfq_line_id = ql.rfq_line_id)
FROM quotes q JOIN quote_lines ql ON ql.quote_id = q.id
WHERE q.rfq_id = '$RFQ' AND q.status = 'submitted';
SQL
pct() { python3 -c '
import sys
v = sorted(float(l.split()[2]) / 1000 for l in open(sys.argv[1]) if l.strip())
p = lambda q: v[min(len(v) - 1, int(q * len(v)))]
print(f"{len(v)} {p(0.5):.3f} {p(0.99):.3f}")' "$1"; }
echo "1. baseline — the same rows in SQL (pgbench, 1 client, 15 s):"
(cd "$WORK" && pgbench -n -f fetch.sql -c 1 -T 15 -l --log-prefix=sql "$DB" >/dev/null 2>&1)
read -r SQL_N SQL_P50 SQL_P99 < <(pct "$(ls "$WORK"/sql.* | head -1)")
echo "   $SQL_N runs  p50 $SQL_P50 ms  p99 $SQL_P99 ms"
cat >"$WORK/get.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.3f %.3f %d\n", summary.requests, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status))
end
LUA
echo "2. GET /rfqs/{id}/comparison, repeated (wrk, 1 connection, 15 s; the first read computed it):"
wrk -t1 -c1 -d15s --latency -s "$WORK/get.lua" -H "authorization: Bearer $ADMIN" "$URL" >"$WORK/wrk.out"
read -r _ API_N API_P50 API_P99 API_ERR < <(grep '^RESULT' "$WORK/wrk.out")
echo "   $API_N runs  p50 $API_P50 ms  p99 $API_P99 ms  non-2xx $API_ERR"
python3 -c "import sys; a, s = float(sys.argv[1]), float(sys.argv[2]); print(f'repeated comparison read / SQL p50 = {a / s:.2f}  (target <= 1.20: {\"met\" if a / s <= 1.2 else \"MISSED\"})')" "$API_P50" "$SQL_P50"
# The first computation, for scale: a rate entered for the RFQ's fixing drops the entry.
q -c "INSERT INTO fx_rates (id, date, base, currency, rate, source, created_at) VALUES (gen_random_uuid(), current_date - 400, 'KRW', 'JPY', 9.1, 'manual', now())" >/dev/null
sleep 0.2
COLD=$(curl -sf -o /dev/null -w '%{time_total}' -H "authorization: Bearer $ADMIN" "$URL")
echo "   a computation after invalidation: $(python3 -c "print(round($COLD * 1000, 1))") ms"
echo "3. the optimiser alone:"
cargo bench --quiet --bench optimise 2>/dev/null | sed 's/^/   /'
