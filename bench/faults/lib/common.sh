# Shared by the bench/faults/*.sh sections (sourced, not run): a private PostgreSQL cluster
# the section can stop and start (trust auth on 127.0.0.1 only, fsync off: a bench, not a
# deployment), the release server against it, and the accounts of a demand round.
#
# After `faults_setup <name>`: $WORK (removed on exit), $BIN, $PGPORT, $PGHOME, $PGDATA_DIR,
# $DB (URL), $PORT.
# `faults_serve` starts the server and sets $SERVER (its pid); `faults_round` creates a
# cooperative, a member with a user, a material and an open round, and sets $TOKEN (the
# member user's access token), $ROUND, $MATERIAL.

faults_need() {
  for t in "$@"; do command -v "$t" >/dev/null || { echo "bench/faults needs $t" >&2; exit 1; }; done
}

faults_setup() {
  faults_need python3 curl psql
  local name=$1
  WORK=$(mktemp -d "/tmp/coprocure-faults-$name-XXXXXX")
  chmod 755 "$WORK" # as root the server runs as `postgres` and must reach it
  trap faults_cleanup EXIT
  if [ -z "${COPROCURE_BIN:-}" ]; then
    (cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && cargo build --release --quiet) || exit 1
    COPROCURE_BIN=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/target/release/coprocure
  fi
  BIN=$COPROCURE_BIN
  PGBIN=${PGBIN:-}
  if [ -z "$PGBIN" ]; then
    if command -v initdb >/dev/null; then PGBIN=$(dirname "$(readlink -f "$(command -v initdb)")")
    elif command -v pg_config >/dev/null; then PGBIN=$(pg_config --bindir)
    else PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    fi
  fi
  [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ] || { echo "no PostgreSQL server binaries (initdb, pg_ctl) found; set PGBIN" >&2; exit 1; }
  PGPORT=$(faults_free_port)
  PORT=$(faults_free_port)
  PGHOME=$WORK/pg # data directory and log, owned by the user the server runs as
  mkdir -p "$PGHOME"
  [ "$(id -u)" = 0 ] && chown postgres: "$PGHOME"
  PGDATA_DIR=$PGHOME/data
  faults_pg initdb -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 --locale=C --no-instructions >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; exit 1; }
  faults_pg_start
  DB="postgres://postgres@127.0.0.1:$PGPORT/coprocure"
  psql "postgres://postgres@127.0.0.1:$PGPORT/postgres" -qAtX -c "CREATE DATABASE coprocure" >/dev/null
  DATABASE_URL=$DB "$BIN" migrate >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; exit 1; }
}

faults_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a server binary as the `postgres` user when we are root (initdb refuses root).
faults_pg() {
  local prog=$1; shift
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid="$(id -u postgres)" --regid="$(id -g postgres)" --init-groups -- "$PGBIN/$prog" "$@"
  else
    "$PGBIN/$prog" "$@"
  fi
}

faults_pg_start() {
  faults_pg pg_ctl -D "$PGDATA_DIR" -l "$PGHOME/postgres.log" -w -t 60 \
    -o "-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=300 -c fsync=off -c full_page_writes=off" \
    start >/dev/null || { tail -5 "$PGHOME/postgres.log" >&2; return 1; }
}

# Fast shutdown: sessions are disconnected, queries in flight fail, committed data is kept.
faults_pg_stop() {
  faults_pg pg_ctl -D "$PGDATA_DIR" -m fast -w -t 60 stop >/dev/null
}

faults_serve() {
  COPROCURE_LISTEN=127.0.0.1:$PORT COPROCURE_DATA_DIR=$WORK/var DATABASE_URL=$DB RUST_LOG=${RUST_LOG:-warn} \
    COPROCURE_JWT_SECRET=faults-secret-faults-secret-faults-secret-01 COPROCURE_FX_REFRESH_HOURS=0 \
    COPROCURE_DB_POOL_SIZE=${POOL:-16} COPROCURE_DB_ACQUIRE_TIMEOUT_MS=${ACQUIRE_MS:-2000} \
    "$BIN" serve >>"$WORK/server.log" 2>&1 &
  SERVER=$!
  disown "$SERVER" # a section may kill -9 it: no job-control notice
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return 0; sleep 0.1; done
  echo "the server did not become ready" >&2; tail -5 "$WORK/server.log" >&2; return 1
}

faults_cleanup() {
  local rc=$? # the section's own status: cleaning up must not change it
  if [ -n "${SERVER:-}" ]; then kill -KILL "$SERVER" 2>/dev/null || true; fi
  if [ -n "${PGDATA_DIR:-}" ]; then faults_pg pg_ctl -D "$PGDATA_DIR" -m immediate stop >/dev/null 2>&1 || true; fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$rc"
}

faults_api() { # METHOD PATH TOKEN [BODY]
  curl -sf -X "$1" -H "authorization: Bearer $3" -H 'content-type: application/json' ${4:+-d "$4"} "http://127.0.0.1:$PORT/api/v1$2"
}

faults_json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

faults_round() {
  local pass="faults-password-$$-$(date +%s)"
  echo "$pass" | DATABASE_URL=$DB "$BIN" user create --role platform_admin --email root@faults.coop --name Root --password-stdin >/dev/null
  login() { curl -sf -H 'content-type: application/json' -d "{\"email\":\"$1\",\"password\":\"$pass\"}" "http://127.0.0.1:$PORT/api/v1/auth/login" | faults_json '["access_token"]'; }
  local root coop admin member closes
  root=$(login root@faults.coop)
  coop=$(faults_api POST /cooperatives "$root" '{"name":"Fault Cooperative","business_number":"123-45-67891"}' | faults_json '["id"]')
  faults_api POST "/cooperatives/$coop/users" "$root" "{\"email\":\"buyer@faults.coop\",\"name\":\"Buyer\",\"role\":\"coop_admin\",\"password\":\"$pass\"}" >/dev/null
  admin=$(login buyer@faults.coop)
  member=$(faults_api POST "/cooperatives/$coop/members" "$admin" '{"name":"Member","business_number":"220-81-62517","membership":"regular","contact_email":"m@member.kr"}' | faults_json '["id"]')
  faults_api POST "/cooperatives/$coop/users" "$admin" "{\"email\":\"user@member.kr\",\"name\":\"User\",\"role\":\"member\",\"member_id\":\"$member\",\"password\":\"$pass\"}" >/dev/null
  MATERIAL=$(faults_api POST "/cooperatives/$coop/materials" "$admin" '{"code":"CU","name":"Copper cathode","kind":"raw","unit":"TNE"}' | faults_json '["id"]')
  closes=$(python3 -c 'import datetime; print((datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=20)).isoformat())')
  ROUND=$(faults_api POST "/cooperatives/$coop/rounds" "$admin" "{\"title\":\"Fault round\",\"closes_at\":\"$closes\"}" | faults_json '["id"]')
  faults_api POST "/rounds/$ROUND/open" "$admin" '{}' >/dev/null
  TOKEN=$(login user@member.kr)
}
