#!/usr/bin/env bash
# Fault test: schemathesis against the served OpenAPI document, as a platform admin and as
# a coop admin, on a release build with an embedded PostgreSQL cluster.
#
#   bench/faults/40-schemathesis.sh
#
# Environment: PORT (18140; the FX feed stub takes PORT+1), MAX_EXAMPLES per operation and
# phase (100: about 20,000 cases in 5 minutes on 2 cores), SEED (random),
# BIN (default: build and use target/release/coprocure), KEEP=1 keeps the work directory.
#
# Setup through the API: a cooperative with a coop admin, a member (with a user), a
# material, an open round with demand, a supplier (with a user), an RFQ whose deadline
# has passed with a quote, its award and purchase order, and a published RFQ still open.
# Every `{id}` path parameter is pinned to one of these, so operations reach real rows.
#
# Every check runs (`--checks all --continue-on-failure`). Prints
# `FAULTS schemathesis: cases=N server_errors=N schema_violations=N …` and exits non-zero
# unless both counts are 0 (and some cases ran). A server error is a 5xx answer; a schema
# violation is a failed status-code, content-type, response-header or response-schema
# conformance check. The other checks' failures are printed, not gated: they are almost
# all `positive_data_acceptance` — schema-valid bodies refused by rules a schema cannot
# state (check digits, ISO codes, dates in the future, a key reused for another request).
set -euo pipefail
cd "$(dirname "$0")/../.."
for t in st python3 curl; do command -v $t >/dev/null || { echo "40-schemathesis.sh needs $t" >&2; exit 1; }; done

PORT=${PORT:-18140}
MAX_EXAMPLES=${MAX_EXAMPLES:-100}
SEED=${SEED:-$RANDOM$RANDOM}
WORK=$(mktemp -d /tmp/coprocure-schemathesis-XXXXXX)
chmod 755 "$WORK" # as root the embedded server runs as `postgres` and must reach it
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=$PWD/target/release/coprocure
fi
BASE=http://127.0.0.1:$PORT

export COPROCURE_LISTEN=127.0.0.1:$PORT COPROCURE_DATA_DIR=$WORK/var RUST_LOG=warn
export COPROCURE_JWT_SECRET=schemathesis-secret-schemathesis-secret-0123
export COPROCURE_AUTH_RATE_PER_MINUTE=1000000 COPROCURE_FX_REFRESH_HOURS=0
# The FX feed is a local file server with the ECB fixture (no network in a fault test).
FEED_PORT=$((PORT + 1))
python3 -m http.server "$FEED_PORT" --bind 127.0.0.1 --directory tests/fixtures/fx >"$WORK/feed.log" 2>&1 &
FEED=$!
export COPROCURE_FX_URL=http://127.0.0.1:$FEED_PORT/ecb-daily.xml COPROCURE_FX_TIMEOUT_MS=2000
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill -INT $SERVER 2>/dev/null || true
  kill $FEED 2>/dev/null || true
  wait $SERVER 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
for _ in $(seq 1 600); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "$BASE/readyz" >/dev/null || { echo "the server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1; }

PASS="schemathesis-$(date +%s)"
echo "$PASS" | "$BIN" user create --role platform_admin --email "root@schemathesis.test" --name Root --password-stdin >/dev/null

# --- data to reach ----------------------------------------------------------------------
python3 - "$BASE" "$PASS" "$WORK" <<'PY'
import json, sys, time, datetime as dt, requests
base, password, work = sys.argv[1:]
s = requests.Session()
def call(method, path, token=None, body=None, expect=(200, 201)):
    h = {"authorization": f"Bearer {token}"} if token else {}
    r = s.request(method, base + path, json=body, headers=h)
    if r.status_code not in expect:
        sys.exit(f"setup: {method} {path} -> {r.status_code} {r.text}")
    return r.json() if r.content else None
def login(email):
    return call("POST", "/api/v1/auth/login", body={"email": email, "password": password})["access_token"]
def iso(seconds):
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)).isoformat()

root = login("root@schemathesis.test")
coop = call("POST", "/api/v1/cooperatives", root, {"name": "Fuzz Casting Cooperative", "business_number": "123-45-67891"})["id"]
admin_user = call("POST", f"/api/v1/cooperatives/{coop}/users", root, {"email": "admin@schemathesis.test", "name": "Coop Admin", "role": "coop_admin", "password": password})["id"]
admin = login("admin@schemathesis.test")
member = call("POST", f"/api/v1/cooperatives/{coop}/members", admin, {"name": "Member One", "business_number": "220-81-62517", "membership": "regular", "contact_email": "m1@member.test"})["id"]
member_user = call("POST", f"/api/v1/cooperatives/{coop}/users", admin, {"email": "user@member.test", "name": "Member User", "role": "member", "member_id": member, "password": password})["id"]
material = call("POST", f"/api/v1/cooperatives/{coop}/materials", admin, {"code": "CU-1", "name": "Copper cathode", "name_ko": "전기동", "kind": "raw", "hs_code": "7403.11", "unit": "TNE"})["id"]
supplier = call("POST", "/api/v1/suppliers", admin, {"name": "Korea Copper", "country": "KR", "business_number": "104-81-45007", "default_currency": "KRW", "contact_email": "sales@kcopper.test"})["id"]
supplier_user = call("POST", f"/api/v1/suppliers/{supplier}/users", root, {"email": "rep@kcopper.test", "name": "Rep", "password": password})["id"]
rep = login("rep@kcopper.test")

def closed_round(title):
    r = call("POST", f"/api/v1/cooperatives/{coop}/rounds", admin, {"title": title, "closes_at": iso(86400)})["id"]
    call("POST", f"/api/v1/rounds/{r}/open", admin, {})
    call("POST", f"/api/v1/rounds/{r}/demand", admin, {"member_id": member, "material_id": material, "quantity": "40", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Siheung plant"})
    call("POST", f"/api/v1/rounds/{r}/close", admin, {})
    return r
def quote(line, price):
    return {"currency": "KRW", "incoterm": "DAP", "named_place": "Siheung plant", "valid_until": "2027-12-31",
            "lead_time_days": 21, "payment_terms": "T/T 30 days",
            "lines": [{"rfq_line_id": line, "unit_price": price, "freight_per_unit": "12.5", "min_quantity": "1", "max_quantity": "100"}]}

# An RFQ whose deadline passes during setup: comparison, award, purchase order.
r1 = closed_round("Round past")
rfq_past = call("POST", f"/api/v1/rounds/{r1}/rfqs", admin, {"title": "Copper past", "deadline": iso(6), "supplier_ids": [supplier], "delivery_place": "Siheung plant"})
call("POST", f"/api/v1/rfqs/{rfq_past['id']}/publish", admin, {})
line_past = rfq_past["lines"][0]["id"]
quote_past = call("POST", f"/api/v1/rfqs/{rfq_past['id']}/quotes", rep, quote(line_past, "13450000"))["id"]
time.sleep(7)
award = call("POST", f"/api/v1/rfqs/{rfq_past['id']}/award", admin, {"lines": [{"rfq_line_id": line_past, "allocations": [{"quote_id": quote_past, "quantity": "40"}]}]})
po = award["purchase_orders"][0]["id"] if "purchase_orders" in award else None
if po is None:
    po = call("GET", "/api/v1/purchase-orders", admin)["items"][0]["id"]
# An RFQ still open, with a quote.
r2 = closed_round("Round open RFQ")
rfq_open = call("POST", f"/api/v1/rounds/{r2}/rfqs", admin, {"title": "Copper open", "deadline": iso(30 * 86400), "supplier_ids": [supplier], "delivery_place": "Siheung plant"})
call("POST", f"/api/v1/rfqs/{rfq_open['id']}/publish", admin, {})
quote_open = call("POST", f"/api/v1/rfqs/{rfq_open['id']}/quotes", rep, quote(rfq_open["lines"][0]["id"], "13250000"))["id"]
# An open round with a demand line.
r3 = call("POST", f"/api/v1/cooperatives/{coop}/rounds", admin, {"title": "Round open", "closes_at": iso(20 * 86400)})["id"]
call("POST", f"/api/v1/rounds/{r3}/open", admin, {})
demand = call("POST", f"/api/v1/rounds/{r3}/demand", admin, {"member_id": member, "material_id": material, "quantity": "12.5", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Siheung plant"})["id"]
outbox = call("GET", "/api/v1/admin/outbox?limit=1", root)["items"][0]["id"]

ids = {
    "/api/v1/cooperatives/{id}": coop, "/api/v1/cooperatives/{id}/members": coop,
    "/api/v1/cooperatives/{id}/users": coop, "/api/v1/cooperatives/{id}/materials": coop,
    "/api/v1/cooperatives/{id}/rounds": coop, "/api/v1/cooperatives/{id}/audit": coop,
    "/api/v1/cooperatives/{id}/audit/verify": coop,
    "/api/v1/members/{id}": member, "/api/v1/users/{id}": member_user,
    "/api/v1/suppliers/{id}": supplier, "/api/v1/suppliers/{id}/users": supplier,
    "/api/v1/materials/{id}": material,
    "/api/v1/rounds/{id}": r3, "/api/v1/rounds/{id}/open": r3, "/api/v1/rounds/{id}/close": r3,
    "/api/v1/rounds/{id}/cancel": r3, "/api/v1/rounds/{id}/demand": r3,
    "/api/v1/rounds/{id}/aggregate": r1, "/api/v1/rounds/{id}/rfqs": r2,
    "/api/v1/demand/{id}": demand,
    "/api/v1/rfqs/{id}": rfq_open["id"], "/api/v1/rfqs/{id}/publish": rfq_open["id"],
    "/api/v1/rfqs/{id}/cancel": rfq_open["id"], "/api/v1/rfqs/{id}/quotes": rfq_open["id"],
    "/api/v1/rfqs/{id}/comparison": rfq_past["id"], "/api/v1/rfqs/{id}/award": rfq_past["id"],
    "/api/v1/quotes/{id}": quote_past, "/api/v1/quotes/{id}/withdraw": quote_open,
    "/api/v1/quotes/{id}/revisions": quote_past,
    "/api/v1/purchase-orders/{id}": po, "/api/v1/purchase-orders/{id}/acknowledge": po,
    "/api/v1/admin/outbox/{id}/retry": outbox,
}
with open(f"{work}/schemathesis.toml", "w") as f:
    for path, value in ids.items():
        f.write(f'[[operations]]\ninclude-path = "{path}"\nparameters = {{ "path.id" = "{value}" }}\n\n')
with open(f"{work}/tokens", "w") as f:
    f.write(f"{root}\n{admin}\n")
PY

# --- the runs -----------------------------------------------------------------------------
run() { # name token
  local name=$1 token=$2
  (cd "$WORK" && st --config-file "$WORK/schemathesis.toml" run "$BASE/api/openapi.json" \
      --header "Authorization: Bearer $token" \
      --checks all --max-examples "$MAX_EXAMPLES" --seed "$SEED" \
      --workers 1 --request-timeout 20 --no-color --continue-on-failure \
      --report ndjson --report-ndjson-path "$WORK/$name.ndjson" >"$WORK/$name.out" 2>&1) || true
  grep -A3 "^Test cases:" "$WORK/$name.out" | sed "s/^/[$name] /" >&2 || true
}
{ read -r ROOT_TOKEN; read -r ADMIN_TOKEN; } <"$WORK/tokens"
run platform_admin "$ROOT_TOKEN"
run coop_admin "$ADMIN_TOKEN"

# --- figures ------------------------------------------------------------------------------
python3 - "$WORK" "$SEED" <<'PY'
import collections, json, sys
work, seed = sys.argv[1:]
SCHEMA = {"status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance"}
cases = server_errors = violations = errors = 0
other = collections.Counter()
examples = []
for name in ("platform_admin", "coop_admin"):
    seen_failures = set()
    try:
        lines = open(f"{work}/{name}.ndjson").read().splitlines()
    except FileNotFoundError:
        print(f"{name}: no report", file=sys.stderr)
        errors += 1
        continue
    for line in lines:
        event = json.loads(line)
        if "NonFatalError" in event or "FatalError" in event:
            errors += 1
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        for case_id, interaction in recorder.get("interactions", {}).items():
            cases += 1
            response = interaction.get("response") or {}
            if response.get("status_code", 0) >= 500:
                server_errors += 1
                examples.append(f"{name} {recorder['label']}: {response.get('status_code')}")
        for case_id, checks in recorder.get("checks", {}).items():
            for check in checks:
                if check["status"] != "failure":
                    continue
                key = (recorder["label"], case_id, check["name"])
                if key in seen_failures:
                    continue
                seen_failures.add(key)
                if check["name"] in SCHEMA:
                    violations += 1
                    message = check.get("failure_info", {}).get("failure", {}).get("title", "")
                    examples.append(f"{name} {recorder['label']}: {check['name']}: {message}")
                elif check["name"] != "not_a_server_error":
                    other[check["name"]] += 1
for e in examples[:40]:
    print("  " + e, file=sys.stderr)
others = ",".join(f"{k}:{v}" for k, v in sorted(other.items())) or "none"
print(f"FAULTS schemathesis: cases={cases} server_errors={server_errors} "
      f"schema_violations={violations} runtime_errors={errors} other_check_failures={others} seed={seed}")
sys.exit(0 if server_errors == 0 and violations == 0 and cases > 0 else 1)
PY
