#!/usr/bin/env bash
# Latency of POST /api/v1/auth/login and GET /api/v1/me against a release build, with
# GET /healthz (no database, no auth) as the baseline measured in the same run.
#
#   bench/auth.sh            # uses DATABASE_URL if set, else the embedded cluster in a temp dir
#
# Needs wrk (Debian: apt install wrk). Prints requests/s and p50/p99 per endpoint, the idle
# and peak RSS of the server, and the ratios to the baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "bench/auth.sh needs wrk (apt install wrk)" >&2; exit 1; }

DURATION=${DURATION:-15s}
CONNS=${CONNS:-8}
PORT=${PORT:-18080}
WORK=$(mktemp -d /tmp/coprocure-bench-XXXXXX)
chmod 755 "$WORK" # as root, the embedded server runs as `postgres` and must reach it
cargo build --release --quiet
BIN=target/release/coprocure

export COPROCURE_LISTEN=127.0.0.1:$PORT COPROCURE_DATA_DIR=$WORK/var COPROCURE_AUTH_RATE_PER_MINUTE=1000000 RUST_LOG=warn
$BIN serve >"$WORK/server.log" 2>&1 &
SERVER=$!
cleanup() { kill -INT $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

# Eight accounts: logins of one account are serialised on purpose (the failed-login limit),
# so the login run rotates over several users, as real traffic does.
STAMP=$(date +%s%N)
PASSWORD="bench-password-$(date +%s)"
for i in 1 2 3 4 5 6 7 8; do
  echo "$PASSWORD" | $BIN user create --role platform_admin --email "bench-$STAMP-$i@example.coop" --name "Bench $i" --password-stdin >/dev/null
done
EMAIL="bench-$STAMP-1@example.coop"
LOGIN_BODY="{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}"
TOKEN=$(curl -sf -H 'content-type: application/json' -d "$LOGIN_BODY" "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

rss_kb() { awk '/VmRSS/ {print $2}' /proc/$SERVER/status; }
IDLE_RSS=$(rss_kb)
PEAK_RSS=$IDLE_RSS

cat >"$WORK/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"email":"bench-$STAMP-%d@example.coop","password":"$PASSWORD"}', (counter % 8) + 1)
  return wrk.format(nil, nil, nil, body)
end
LUA
cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
LUA

run() { # name, conns, extra wrk args...
  local name=$1 conns=$2; shift 2
  ( while kill -0 $SERVER 2>/dev/null; do r=$(rss_kb); echo "$r"; sleep 0.2; done ) >"$WORK/rss.$name" &
  local sampler=$!
  local line
  line=$(wrk -t2 -c"$conns" -d"$DURATION" --latency "$@" | grep '^RESULT' || true)
  kill $sampler 2>/dev/null || true
  echo "$name $line"
}

BASE=$(run healthz "$CONNS" -s "$WORK/report.lua" "http://127.0.0.1:$PORT/healthz")
ME=$(run me "$CONNS" -s "$WORK/report.lua" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/me")
# login is argon2id-bound (CPU): 4 connections on 2 cores.
LOGIN=$(cat "$WORK/login.lua" "$WORK/report.lua" > "$WORK/login_report.lua"; run login 4 -s "$WORK/login_report.lua" "http://127.0.0.1:$PORT/api/v1/auth/login")

printf '\n%-34s %10s %9s %9s %7s %9s\n' endpoint "req/s" "p50 ms" "p99 ms" errors requests
for row in "$BASE" "$ME" "$LOGIN"; do
  set -- $row
  printf '%-34s %10s %9s %9s %7s %9s\n' "$1" "$3" "$4" "$5" "$6" "$7"
done
set -- $BASE; B_RPS=$3; B_P50=$4
set -- $ME; M_RPS=$3; M_P50=$4
python3 - "$B_RPS" "$B_P50" "$M_RPS" "$M_P50" <<'PY'
import sys
b_rps, b_p50, m_rps, m_p50 = map(float, sys.argv[1:])
print(f"\nGET /me vs baseline: {m_rps / b_rps:.2f}x throughput, p50 +{m_p50 - b_p50:.2f} ms (JWT verify + session lookup)")
PY
PEAK_RSS=$(cat "$WORK"/rss.* | sort -n | tail -1)
echo "server RSS: idle $((IDLE_RSS / 1024)) MiB, peak $((PEAK_RSS / 1024)) MiB"
