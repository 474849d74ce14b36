#!/usr/bin/env bash
# Fault tests that stay in the project (issue 12): runs every bench/faults/*.sh in name
# order against the release build, then prints a summary of what each measured.
#
#   bench/faults.sh                 # all sections
#   bench/faults.sh crash           # only the sections whose file name contains "crash"
#   COPROCURE_BIN=path bench/faults.sh   # another build of the server (no cargo build)
#
# A section is a script that prints lines starting `FAULTS <section>:` followed by
# `key=value` figures, and exits non-zero when what it checks does not hold. Shared helpers
# (a private PostgreSQL cluster, the release server, a demand round) are in
# bench/faults/lib/common.sh. Exit status: non-zero when any section failed.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${COPROCURE_BIN:-}" ]; then # set it to test another build
  cargo build --release --quiet || exit 1
  export COPROCURE_BIN=$PWD/target/release/coprocure
fi

summary=()
failed=0
for f in bench/faults/*.sh; do
  name=$(basename "$f" .sh)
  if [ $# -gt 0 ] && [[ "$name" != *"$1"* ]]; then continue; fi
  echo "== $name" >&2
  out=$(mktemp)
  start=$(date +%s)
  bash "$f" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  while IFS= read -r line; do summary+=("$line"); done < <(grep '^FAULTS ' "$out")
  if [ "$rc" -ne 0 ]; then
    failed=1
    summary+=("FAULTS $name: FAILED exit=$rc")
  fi
  summary+=("FAULTS $name: seconds=$(($(date +%s) - start)) status=$([ "$rc" -eq 0 ] && echo ok || echo FAILED)")
  rm -f "$out"
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $failed
