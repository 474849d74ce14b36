#!/usr/bin/env bash
# National-scale demand round benchmark (issue: demand rounds).
#
#   bench/rounds.sh        # DATABASE_URL if set, else the embedded cluster in a temp dir
#
# Loads 2,000 members, 200 materials and 1,000,000 demand lines into one round, then prints
# side by side:
#   1. baseline: pgbench inserting a demand-line row (same table, foreign keys, indexes),
#      8 clients, 20 s — TPS, p50, p99;
#   2. POST /api/v1/rounds/{id}/demand over HTTP (release build, JWT, keep-alive), wrk with
#      8 connections (pgbench's concurrency, for the ratios) and 32, 20 s each — requests/s,
#      p50, p99, errors;
#   3. the aggregation SQL in psql vs GET /api/v1/rounds/{id}/aggregate, median of 5 each,
#      with the query plans (no external sort; which index);
#   4. server RSS idle and peak (VmHWM);
# and the ratios against the targets. Needs: wrk, pgbench, psql, python3, curl.
# PERF=1 also records the server's CPU profile during the 8-connection POST run (perf).
set -euo pipefail
cd "$(dirname "$0")/.."
for t in wrk pgbench psql python3 curl; do command -v $t >/dev/null || { echo "bench/rounds.sh needs $t" >&2; exit 1; }; done

PORT=${PORT:-18090}
WORK=$(mktemp -d /tmp/coprocure-rounds-XXXXXX)
chmod 755 "$WORK" # as root the embedded server runs as `postgres` and must reach it
cargo build --release --quiet
BIN=$PWD/target/release/coprocure

export COPROCURE_LISTEN=127.0.0.1:$PORT COPROCURE_DATA_DIR=$WORK/var RUST_LOG=warn COPROCURE_DB_POOL_SIZE=${POOL:-16}
# A fixed secret, so this script can verify nothing and the server needs no file.
export COPROCURE_JWT_SECRET=bench-secret-bench-secret-bench-secret-0123
$BIN serve >"$WORK/server.log" 2>&1 &
SERVER=$!
cleanup() {
  local status=$?
  if [ $status -ne 0 ]; then
    echo "bench/rounds.sh failed ($status); the server's last lines:" >&2
    tail -5 "$WORK/server.log" >&2
    for f in "$WORK"/pgbench.out "$WORK"/wrk8.out; do [ -f "$f" ] && tail -5 "$f" >&2; done
  fi
  kill -INT $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

if [ -n "${DATABASE_URL:-}" ]; then
  DB=$DATABASE_URL
else
  PGPORT=$(sed -n 4p "$WORK/var/postgres/postmaster.pid")
  DB="postgres://postgres:$(cat "$WORK/var/postgres.password")@127.0.0.1:$PGPORT/coprocure"
fi
q() { psql "$DB" -v ON_ERROR_STOP=1 -qAtX "$@"; }

# --- accounts through the API ---------------------------------------------------------
PASS="bench-password-$(date +%s)"
echo "$PASS" | $BIN user create --role platform_admin --email "root-$$@bench.coop" --name Root --password-stdin >/dev/null
login() { curl -sf -H 'content-type: application/json' -d "{\"email\":\"$1\",\"password\":\"$PASS\"}" "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'; }
ROOT=$(login "root-$$@bench.coop")
COOP=$(curl -sf -H "authorization: Bearer $ROOT" -H 'content-type: application/json' -d '{"name":"National Casting Cooperative","business_number":"123-45-67891"}' "http://127.0.0.1:$PORT/api/v1/cooperatives" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sf -H "authorization: Bearer $ROOT" -H 'content-type: application/json' -d "{\"email\":\"buyer-$$@bench.coop\",\"name\":\"Buyer\",\"role\":\"coop_admin\",\"password\":\"$PASS\"}" "http://127.0.0.1:$PORT/api/v1/cooperatives/$COOP/users" >/dev/null
ADMIN_ID=$(q -c "SELECT id FROM users WHERE email = 'buyer-$$@bench.coop'")

# --- bulk load: 2,000 members, 200 materials, one open round, 1,000,000 lines ----------
echo "loading 2,000 members, 200 materials and 1,000,000 demand lines…" >&2
LOAD_START=$(date +%s.%N)
ROUND=$(q <<SQL
CREATE TABLE bench_members (n int PRIMARY KEY, id uuid NOT NULL);
CREATE TABLE bench_materials (n int PRIMARY KEY, id uuid NOT NULL);
INSERT INTO bench_members SELECT n, gen_random_uuid() FROM generate_series(1, 2000) n;
INSERT INTO bench_materials SELECT n, gen_random_uuid() FROM generate_series(1, 200) n;
INSERT INTO members (id, cooperative_id, name, business_number, membership, contact_email, created_at, updated_at)
  SELECT id, '$COOP', 'Member ' || n, lpad(n::text, 10, '0'), CASE WHEN n % 5 = 0 THEN 'associate' ELSE 'regular' END,
         'm' || n || '@members.kr', now(), now() FROM bench_members;
INSERT INTO materials (id, cooperative_id, code, name, kind, unit, created_at, updated_at)
  SELECT id, '$COOP', 'MAT-' || n, 'Material ' || n, CASE WHEN n % 4 = 0 THEN 'subsidiary' ELSE 'raw' END, 'KGM', now(), now() FROM bench_materials;
INSERT INTO demand_rounds (id, cooperative_id, title, status, closes_at, opened_at, created_by, created_at, updated_at)
  VALUES ('00000000-0000-7000-8000-000000000001', '$COOP', 'National round', 'open', now() + interval '30 days', now(), '$ADMIN_ID', now(), now());
INSERT INTO round_materials SELECT '00000000-0000-7000-8000-000000000001', id, '$COOP' FROM bench_materials;
INSERT INTO demand_lines (id, round_id, cooperative_id, member_id, material_id, quantity, unit, quantity_base, required_by, delivery_site, created_by, created_at, updated_at)
  SELECT gen_random_uuid(), '00000000-0000-7000-8000-000000000001', '$COOP', mb.id, mt.id,
         q, 'KGM', q, date '2027-01-15' + (i % 120)::int, 'Site ' || (i % 40), '$ADMIN_ID', now(), now()
  FROM generate_series(0::bigint, 999999) i
  JOIN bench_members mb ON mb.n = 1 + (i * 7919) % 2000
  JOIN bench_materials mt ON mt.n = 1 + (i / 5000 + i * 31) % 200
  CROSS JOIN LATERAL (SELECT ((i % 997) + 1) * 12.5 AS q) v;
VACUUM ANALYZE demand_lines;
VACUUM ANALYZE members;
SELECT '00000000-0000-7000-8000-000000000001';
SQL
)
ROUND=$(echo "$ROUND" | tail -1)
LOAD_END=$(date +%s.%N)
LINES=$(q -c "SELECT count(*) FROM demand_lines WHERE round_id = '$ROUND'")
echo "loaded $LINES lines in $(python3 -c "print(round($LOAD_END - $LOAD_START, 1))") s" >&2
ADMIN=$(login "buyer-$$@bench.coop")

rss() { awk "/$1/ {print \$2}" /proc/$SERVER/status; }
IDLE_RSS=$(rss VmRSS)

# --- 1. baseline: pgbench single-row insert into demand_lines ----------------------------
cat >"$WORK/insert.sql" <<SQL
\set m random(1, 2000)
\set t random(1, 200)
INSERT INTO demand_lines (id, round_id, cooperative_id, member_id, material_id, quantity, unit, quantity_base, required_by, delivery_site, created_by, created_at, updated_at)
  SELECT gen_random_uuid(), '$ROUND', '$COOP', mb.id, mt.id, 12.5, 'KGM', 12.5, date '2027-03-31', 'Site 7', '$ADMIN_ID', now(), now()
  FROM bench_members mb, bench_materials mt WHERE mb.n = :m AND mt.n = :t;
SQL
(cd "$WORK" && pgbench "$DB" -n -c 8 -j 2 -T 20 -f insert.sql --log --log-prefix=pgb >"$WORK/pgbench.out" 2>&1)
PG_TPS=$(grep -E '^tps' "$WORK/pgbench.out" | head -1 | sed -E 's/tps = ([0-9.]+).*/\1/')
read -r PG_P50 PG_P99 < <(cat "$WORK"/pgb.* | python3 -c '
import sys
lat = sorted(int(l.split()[2]) for l in sys.stdin if l.strip())
print(lat[len(lat)//2] / 1000, lat[len(lat)*99//100] / 1000)')

# --- 2. POST /rounds/{id}/demand over HTTP ----------------------------------------------
python3 - "$WORK/post.lua" "$ADMIN" "$(q -c "SELECT string_agg(id::text, ',' ORDER BY n) FROM bench_members")" "$(q -c "SELECT string_agg(id::text, ',' ORDER BY n) FROM bench_materials")" <<'PY'
import sys
path, token, members, materials = sys.argv[1:]
with open(path, "w") as f:
    f.write('members = {"' + '","'.join(members.split(',')) + '"}\n')
    f.write('materials = {"' + '","'.join(materials.split(',')) + '"}\n')
    f.write('wrk.method = "POST"\n')
    f.write('wrk.headers["Content-Type"] = "application/json"\n')
    f.write('wrk.headers["Authorization"] = "Bearer ' + token + '"\n')
    f.write('''request = function()
  local body = string.format('{"member_id":"%s","material_id":"%s","quantity":"%d.5","unit":"KGM","required_by":"2027-03-31","delivery_site":"Site %d"}',
    members[math.random(#members)], materials[math.random(#materials)], math.random(1, 999), math.random(0, 39))
  return wrk.format(nil, nil, nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d %d\\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status, summary.requests))
end
''')
PY
# At pgbench's concurrency (8) for the ratio, then at 32 connections.
if [ -n "${PERF:-}" ]; then
  # PERF=1: the server's CPU profile during the 8-connection run (perf from linux-perf).
  perf record -e cpu-clock -F 999 -o "$WORK/perf.data" -p $SERVER -- sleep 18 >/dev/null 2>&1 &
  PERF_PID=$!
  # …and the whole machine's, to see the CPU split between wrk, the server and PostgreSQL.
  perf record -a -e cpu-clock -F 199 -o "$WORK/perf-all.data" -- sleep 18 >/dev/null 2>&1 &
  PERF_ALL_PID=$!
fi
wrk -t2 -c8 -d20s --latency -s "$WORK/post.lua" "http://127.0.0.1:$PORT/api/v1/rounds/$ROUND/demand" >"$WORK/wrk8.out"
if [ -n "${PERF:-}" ]; then
  wait $PERF_PID $PERF_ALL_PID || true
  perf report -i "$WORK/perf-all.data" --sort comm --stdio >"$WORK/perf.comm" 2>/dev/null || true
  OUT=${PERF_OUT:-/tmp/coprocure-post-perf.txt}
  perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio >"$WORK/perf.sym" 2>/dev/null || true
  perf report -i "$WORK/perf.data" --sort dso --stdio >"$WORK/perf.dso" 2>/dev/null || true
  # (perf pads its columns to the terminal's width: the trailing blanks and dashes go.)
  { grep -E '^ +[0-9.]+%' "$WORK/perf.sym" | sed -n 1,40p; echo; grep -E '^ +[0-9.]+%' "$WORK/perf.dso" | sed -n 1,12p; echo; echo "whole machine, by command:"; grep -E '^ +[0-9.]+%' "$WORK/perf.comm" | sed -n 1,12p; } | sed -E 's/( +-)* *$//' >"$OUT" || true
  echo "perf top frames of the server during the 8-connection POST run: $OUT" >&2
fi
read -r _ API_RPS API_P50 API_P99 API_SOCKERR API_STATUSERR API_N < <(grep '^RESULT' "$WORK/wrk8.out")
wrk -t2 -c32 -d20s --latency -s "$WORK/post.lua" "http://127.0.0.1:$PORT/api/v1/rounds/$ROUND/demand" >"$WORK/wrk32.out"
read -r _ API32_RPS API32_P50 API32_P99 API32_SOCKERR API32_STATUSERR API32_N < <(grep '^RESULT' "$WORK/wrk32.out")
RSS_AFTER_POST=$(rss VmHWM)
q -c "VACUUM ANALYZE demand_lines" >/dev/null

# --- 3. aggregation: psql vs GET ----------------------------------------------------------
# The statements the endpoint runs: sites per (material, site), member names, the round's
# materials, then per material (in code order) the per-member sums.
AGG_SQL="SELECT material_id, delivery_site, sum(quantity_base) FROM demand_lines WHERE round_id = '$ROUND' GROUP BY material_id, delivery_site;
SELECT id, name FROM members WHERE cooperative_id = '$COOP';
SELECT m.id, m.code, m.name, m.unit FROM round_materials r JOIN materials m ON m.id = r.material_id WHERE r.round_id = '$ROUND' ORDER BY m.code;
$(q -c "SELECT string_agg(format('SELECT member_id, sum(quantity_base), count(*), min(required_by) FROM demand_lines WHERE round_id = %L AND material_id = %L GROUP BY member_id ORDER BY member_id;', '$ROUND', m.id), E'\n' ORDER BY m.code) FROM round_materials r JOIN materials m ON m.id = r.material_id WHERE r.round_id = '$ROUND'")"
PSQL_TIMES=()
for _ in 1 2 3 4 5; do
  t=$( { echo '\timing on'; echo "$AGG_SQL"; } | psql "$DB" -qAtX -o /dev/null | python3 -c '
import sys, re
print(sum(float(m.group(1)) for m in re.finditer(r"Time: ([0-9.]+) ms", sys.stdin.read())))')
  PSQL_TIMES+=("$t")
done
API_TIMES=()
for _ in 1 2 3 4 5; do
  t=$(curl -sf -o "$WORK/agg.json" -w '%{time_total}' -H "authorization: Bearer $ADMIN" "http://127.0.0.1:$PORT/api/v1/rounds/$ROUND/aggregate")
  API_TIMES+=("$(python3 -c "print($t * 1000)")")
done
PEAK_RSS=$(rss VmHWM)
median() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
PSQL_MED=$(median "${PSQL_TIMES[@]}")
API_MED=$(median "${API_TIMES[@]}")
AGG_BYTES=$(stat -c %s "$WORK/agg.json")
ONE_MATERIAL=$(q -c "SELECT material_id FROM round_materials WHERE round_id = '$ROUND' LIMIT 1")
PLAN=$(q -c "EXPLAIN (ANALYZE, BUFFERS) SELECT member_id, sum(quantity_base), count(*), min(required_by) FROM demand_lines WHERE round_id = '$ROUND' AND material_id = '$ONE_MATERIAL' GROUP BY member_id ORDER BY member_id")
PLAN2=$(q -c "EXPLAIN (ANALYZE) SELECT material_id, delivery_site, sum(quantity_base) FROM demand_lines WHERE round_id = '$ROUND' GROUP BY material_id, delivery_site")
TOTAL_LINES=$(q -c "SELECT count(*) FROM demand_lines WHERE round_id = '$ROUND'")

echo
echo "== national-scale round: 2,000 members, 200 materials, $TOTAL_LINES demand lines at aggregation time"
printf '%-46s %10s %9s %9s %8s\n' "" "per s" "p50 ms" "p99 ms" "errors"
printf '%-46s %10s %9s %9s %8s\n' "1. pgbench INSERT demand_lines (8 clients, 20 s)" "$PG_TPS" "$PG_P50" "$PG_P99" "0"
printf '%-46s %10s %9s %9s %8s\n' "2. POST /rounds/{id}/demand (wrk 8 conns, 20 s)" "$API_RPS" "$API_P50" "$API_P99" "$((API_SOCKERR + API_STATUSERR))"
printf '%-46s %10s %9s %9s %8s\n' "   POST /rounds/{id}/demand (wrk 32 conns, 20 s)" "$API32_RPS" "$API32_P50" "$API32_P99" "$((API32_SOCKERR + API32_STATUSERR))"
echo
printf '%-46s %10s ms  (runs: %s)\n' "3. aggregation SQL in psql, median of 5" "$PSQL_MED" "${PSQL_TIMES[*]}"
printf '%-46s %10s ms  (runs: %s; %s bytes of JSON)\n' "   GET /rounds/{id}/aggregate, median of 5" "$API_MED" "${API_TIMES[*]}" "$AGG_BYTES"
echo
echo "4. server RSS: idle $((IDLE_RSS / 1024)) MiB, peak (VmHWM) $((PEAK_RSS / 1024)) MiB (after the POST run: $((RSS_AFTER_POST / 1024)) MiB)"
echo
python3 - "$API_RPS" "$PG_TPS" "$API_P99" "$PG_P99" "$API_MED" "$PSQL_MED" "$PEAK_RSS" "$IDLE_RSS" "$((API_SOCKERR + API_STATUSERR + API32_SOCKERR + API32_STATUSERR))" <<'PY'
import sys
rps, tps, p99, pg_p99, api, sql, peak, idle, errors = map(float, sys.argv[1:])
def verdict(ok): return "met" if ok else "MISSED"
print(f"POST / pgbench TPS      = {rps / tps:.2f}  (both at 8 connections; target >= 0.50: {verdict(rps / tps >= 0.50)})")
print(f"POST p99 / pgbench p99  = {p99 / pg_p99:.2f}  ({p99:.2f} / {pg_p99:.2f} ms; target <= 4: {verdict(p99 / pg_p99 <= 4)})")
print(f"POST errors             = {int(errors)}     (target 0: {verdict(errors == 0)})")
print(f"aggregate GET / psql    = {api / sql:.2f}  (target <= 1.10: {verdict(api / sql <= 1.10)})")
print(f"peak RSS                = {peak / 1024:.0f} MiB (target <= 100 MB: {verdict(peak / 1024 <= 95.4)})")
print(f"idle RSS                = {idle / 1024:.0f} MiB (target <= 30 MB: {verdict(idle / 1024 <= 28.6)})")
PY
echo
echo "plan of the per-member query of one material (run once per material):"
echo "$PLAN" | grep -E "Scan|Aggregate|Sort|Execution" | sed 's/^/  /'
echo "plan of the per-(material, site) query:"
echo "$PLAN2" | grep -E "Scan|Aggregate|Sort|Batches|Execution" | sed 's/^/  /'
if echo "$PLAN$PLAN2" | grep -q "external"; then echo "  !! an external sort appears in the plans"; else echo "  no external sort in either plan"; fi
