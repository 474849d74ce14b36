#!/usr/bin/env bash
# Fault section "crash": kill -9 the release server 5 times during 10,000 concurrent demand
# writes carrying Idempotency-Key; clients retry every request whose answer never arrived
# with the same key (as a careful client would) until each is answered.
#
#   bench/faults/10-crash.sh          # WRITES=10000 KILLS=5 CLIENTS=64 to change
#
# Prints `FAULTS crash: writes= kills= acknowledged= lost= duplicated= …` and fails when an
# acknowledged write is missing, a key has two lines, a retry was told to wait (409) or a
# key never got its answer. Needs python3, curl, psql and the PostgreSQL server binaries.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/faults/lib/common.sh
WRITES=${WRITES:-10000} KILLS=${KILLS:-5} CLIENTS=${CLIENTS:-64}

faults_setup crash
faults_serve
faults_round
export COPROCURE_LISTEN=127.0.0.1:$PORT COPROCURE_DATA_DIR=$WORK/var DATABASE_URL=$DB RUST_LOG=${RUST_LOG:-warn} \
  COPROCURE_JWT_SECRET=faults-secret-faults-secret-faults-secret-01 COPROCURE_FX_REFRESH_HOURS=0 \
  COPROCURE_DB_POOL_SIZE=${POOL:-16}

python3 - "$BIN" "$SERVER" "$PORT" "$TOKEN" "$ROUND" "$MATERIAL" "$WRITES" "$KILLS" "$CLIENTS" "$DB" "$WORK/server.log" <<'PY'
import http.client, json, os, signal, socket, subprocess, sys, threading, time
from collections import Counter

BIN, pid, port, token, round_id, material, writes, kills, clients, db, log = sys.argv[1:]
pid, port, writes, kills, clients = int(pid), int(port), int(writes), int(kills), int(clients)
path = f"/api/v1/rounds/{round_id}/demand"

lock = threading.Lock()
answers = {}            # key index -> line id of its 201
replayed = 0            # answers that came from the stored response
no_answer = Counter()   # key index -> attempts that got no answer
statuses = Counter()    # every HTTP status received
in_flight = 0
in_flight_at_kills = []
next_key = 0
server = {"pid": pid, "proc": None}

def body(i):
    return json.dumps({"material_id": material, "quantity": "1.5", "unit": "TNE",
                       "required_by": "2027-03-31", "delivery_site": f"Fault site {i}"}).encode()

def client():
    global next_key, replayed, in_flight
    conn = None
    while True:
        with lock:
            if next_key >= writes:
                return
            i = next_key
            next_key += 1
        attempts = 0
        while True:
            attempts += 1
            if attempts > 600:
                print(f"key {i}: no answer after 600 attempts", file=sys.stderr)
                return
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                with lock:
                    in_flight += 1
                conn.request("POST", path, body=body(i), headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json",
                    "Idempotency-Key": f"crash-{i}"})
                r = conn.getresponse()
                data = r.read()
                status, replay = r.status, r.getheader("Idempotent-Replayed") is not None
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = None
                with lock:
                    in_flight -= 1
                    no_answer[i] += 1
                time.sleep(0.05)
                continue
            with lock:
                in_flight -= 1
                statuses[status] += 1
            if status == 201:
                with lock:
                    answers[i] = json.loads(data)["id"]
                    replayed += replay
                break
            # 409 would be "in flight": a careful client waits and retries; 503: retry later.
            time.sleep(1.0 if status == 409 else 0.2)

def ready():
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False

def killer():
    for k in range(1, kills + 1):
        target = writes * k // (kills + 1)
        while True:
            with lock:
                done = len(answers)
            if done >= target:
                break
            time.sleep(0.005)
        with lock:
            in_flight_at_kills.append(in_flight)
        os.kill(server["pid"], signal.SIGKILL)
        if server["proc"] is not None:
            server["proc"].wait()
        else:
            for _ in range(200):  # not our child: wait until it is gone
                try:
                    os.kill(server["pid"], 0)
                    time.sleep(0.01)
                except ProcessLookupError:
                    break
        p = subprocess.Popen([BIN, "serve"], stdout=subprocess.DEVNULL, stderr=open(log, "a"))
        server["pid"], server["proc"] = p.pid, p
        if not ready():
            print("the server did not come back", file=sys.stderr)
            os._exit(1)

start = time.time()
threads = [threading.Thread(target=client) for _ in range(clients)]
k = threading.Thread(target=killer)
for t in threads + [k]:
    t.start()
for t in threads + [k]:
    t.join()
elapsed = time.time() - start

rows = subprocess.run(["psql", db, "-qAtX", "-F", "\t", "-c",
    f"SELECT delivery_site, string_agg(id::text, ',') FROM demand_lines WHERE round_id = '{round_id}' "
    "AND delivery_site LIKE 'Fault site %' GROUP BY delivery_site"],
    check=True, capture_output=True, text=True).stdout.splitlines()
stored = {}
for row in rows:
    site, ids = row.split("\t")
    stored[int(site.rsplit(" ", 1)[1])] = ids.split(",")
lost = sum(1 for i, line in answers.items() if line not in stored.get(i, []))
duplicated = sum(1 for ids in stored.values() if len(ids) > 1)
lines = sum(len(ids) for ids in stored.values())
unanswered_keys = len(no_answer)
other = {s: n for s, n in sorted(statuses.items()) if s != 201}
print(f"FAULTS crash: writes={writes} kills={len(in_flight_at_kills)} acknowledged={len(answers)} lost={lost} "
      f"duplicated={duplicated} lines={lines} in_flight_at_kills={sum(in_flight_at_kills)} "
      f"unanswered_keys={unanswered_keys} retries_without_answer={sum(no_answer.values())} "
      f"replayed={replayed} status_409={statuses[409]} other_statuses={json.dumps(other, separators=(',', ':'))} "
      f"elapsed_s={elapsed:.1f} writes_per_s={writes / elapsed:.0f}")
if server["proc"] is not None:
    server["proc"].send_signal(signal.SIGINT)
    server["proc"].wait()
ok = lost == 0 and duplicated == 0 and len(answers) == writes and lines == writes and statuses[409] == 0
sys.exit(0 if ok else 1)
PY
