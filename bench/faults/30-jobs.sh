#!/usr/bin/env bash
# Background-job fault tests (issue 12), runnable alone or from bench/faults.sh:
#
#   bench/faults/30-jobs.sh      # COPROCURE_TEST_DATABASE_URL if set, else a private cluster
#
# Runs, with the injected clock (no real waiting):
#   - two instances (two servers and their job runners, one database, one clock) over six
#     days: FX refresh, housekeeping, reminders and sealing once per period across both;
#   - a claimer that dies holding a period: taken over once its lease runs out;
#   - sixteen racing claims of one period: one winner;
#   - SMTP down for 10 minutes while emails are enqueued: nothing lost, nothing sent twice,
#     the refused recipient dead-lettered and listed;
#   - webhook receivers answering 500 (one recovers after 2 h, one never): nothing lost,
#     nothing accepted twice, dead letters listed after 48 h and retried by hand.
# Prints the tests' `FAULTS <section>: key=value …` lines (smtp, webhooks, jobs) and a
# `FAULTS jobs-tests:` summary; exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

LOG=$(mktemp /tmp/coprocure-faults-jobs-XXXXXX)
trap 'rm -f "$LOG"' EXIT
status=0
cargo test --test it -- \
  jobs::periodic_jobs_run_once_per_period_across_two_instances \
  jobs::a_crashed_claimers_period_is_run_after_its_lease_expires \
  jobs::racing_claims_of_one_period_have_exactly_one_winner \
  jobs::webhook_receivers_answering_500_lose_nothing_and_get_nothing_twice \
  outbox::smtp_down_for_ten_minutes_loses_nothing_and_sends_nothing_twice \
  --test-threads 2 --nocapture >"$LOG" 2>&1 || status=$?

grep -o 'FAULTS [a-z-]*: .*' "$LOG" || true
passed=$(grep -c '^test .* ok$' "$LOG" || true)
failed=$(grep -c '^test .* FAILED$' "$LOG" || true)
echo "FAULTS jobs-tests: passed=$passed failed=$failed"
if [ "$status" -ne 0 ]; then
  grep -E '^test .* FAILED$|panicked' "$LOG" >&2 || tail -40 "$LOG" >&2
fi
exit "$status"
