#!/usr/bin/env bash
# Fault section "pg-restart": restart PostgreSQL (fast shutdown, down 5 s, start) 3 times
# under load — 16 clients posting demand (every other write with Idempotency-Key) and
# reading the round against the release server — without restarting the server.
#
#   bench/faults/20-pg-restart.sh     # RESTARTS=3 DOWN_S=5 CLIENTS=16 to change
#
# Prints `FAULTS pg-restart: requests= ok= status_5xx= status_500= recovery_ms_max= …` and
# fails on any 500, any 503 that is not problem+json with Retry-After, a dropped connection,
# an acknowledged write missing afterwards, or no recovery within 30 s of a restart.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/faults/lib/common.sh
RESTARTS=${RESTARTS:-3} DOWN_S=${DOWN_S:-5} CLIENTS=${CLIENTS:-16}

ACQUIRE_MS=${ACQUIRE_MS:-1000}
faults_setup pg-restart
faults_serve
faults_round
export WORK PGBIN PGHOME PGDATA_DIR PGPORT

python3 - "$PORT" "$TOKEN" "$ROUND" "$MATERIAL" "$RESTARTS" "$DOWN_S" "$CLIENTS" "$DB" <<'PY'
import http.client, json, subprocess, sys, threading, time
from collections import Counter

port, token, round_id, material, restarts, down_s, clients, db = sys.argv[1:]
port, restarts, down_s, clients = int(port), int(restarts), float(down_s), int(clients)
lock = threading.Lock()
seen = []               # (time, status, answered in ms, is problem 503 with Retry-After)
transport_errors = 0
acknowledged = []       # line ids of 201 answers
stop = False

def pg(action):
    subprocess.run(["bash", "-c", f"source bench/faults/lib/common.sh && faults_pg_{action}"], check=True)

def worker(c):
    global transport_errors
    conn, n = None, 0
    body = json.dumps({"material_id": material, "quantity": "2", "unit": "TNE",
                       "required_by": "2027-06-30", "delivery_site": "Restart plant"}).encode()
    while not stop:
        n += 1
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if n % 3 == 0:
            method, path, data = "GET", f"/api/v1/rounds/{round_id}", None
        else:
            method, path, data = "POST", f"/api/v1/rounds/{round_id}/demand", body
            if n % 3 == 1:
                headers["Idempotency-Key"] = f"restart-{c}-{n}"
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        t = time.time()
        try:
            conn.request(method, path, body=data, headers=headers)
            r = conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = None
            with lock:
                transport_errors += 1
            time.sleep(0.05)
            continue
        ms = (time.time() - t) * 1000
        good_503 = False
        if r.status == 503:
            try:
                good_503 = (r.getheader("Content-Type") == "application/problem+json"
                            and r.getheader("Retry-After") is not None
                            and json.loads(raw)["code"] == "database_unavailable")
            except ValueError:
                pass
        with lock:
            seen.append((time.time(), r.status, ms, good_503))
            if r.status == 201:
                acknowledged.append(json.loads(raw)["id"])
        if r.status == 503:
            time.sleep(0.05)  # a client honouring Retry-After would wait longer

threads = [threading.Thread(target=worker, args=(c,)) for c in range(clients)]
for t in threads:
    t.start()
time.sleep(3)
cycles = []
for _ in range(restarts):
    t_stop = time.time()
    pg("stop")
    t_down = time.time()
    time.sleep(down_s)
    pg("start")
    t_up = time.time()
    recovered = None
    while time.time() < t_up + 30:
        with lock:
            ok = [s[0] for s in seen if s[0] > t_up and 200 <= s[1] < 300]
        if ok:
            recovered = min(ok)
            break
        time.sleep(0.01)
    cycles.append((t_stop, t_down, t_up, recovered))
    time.sleep(3)
stop = True
for t in threads:
    t.join()

statuses = Counter(s[1] for s in seen)
five = {str(k): v for k, v in sorted(statuses.items()) if k >= 500}
bad_503 = sum(1 for s in seen if s[1] == 503 and not s[3])
while_down = [s for s in seen for (a, b, c, d) in cycles if b <= s[0] <= c]
down_ms = [s[2] for s in while_down]
recovery = [round((d - c) * 1000) if d else None for (a, b, c, d) in cycles]
stored = set(subprocess.run(["psql", db, "-qAtX", "-c", f"SELECT id FROM demand_lines WHERE round_id = '{round_id}'"],
                            check=True, capture_output=True, text=True).stdout.split())
lost = sum(1 for i in acknowledged if i not in stored)
print(f"FAULTS pg-restart: restarts={restarts} down_s={down_s:g} requests={len(seen)} "
      f"ok={sum(v for k, v in statuses.items() if k < 300)} status_5xx={json.dumps(five, separators=(',', ':'))} "
      f"status_500={statuses[500]} bad_503={bad_503} transport_errors={transport_errors} "
      f"answered_while_down={len(while_down)} max_ms_while_down={max(down_ms, default=0):.0f} "
      f"recovery_ms={'/'.join(str(r) for r in recovery)} "
      f"recovery_ms_max={max((r for r in recovery if r is not None), default=-1)} "
      f"acknowledged_writes={len(acknowledged)} lost={lost}")
ok = statuses[500] == 0 and bad_503 == 0 and transport_errors == 0 and lost == 0 \
    and all(r is not None for r in recovery) and all(k in (200, 201, 503) for k in statuses)
sys.exit(0 if ok else 1)
PY
