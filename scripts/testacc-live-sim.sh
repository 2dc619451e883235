#!/usr/bin/env bash
# make testacc-live-sim: make testacc-live against the standalone emulator
# used as if it were real Sentry: only the owner's token and the SCIM token,
# no test controls. It runs the live suite twice on the same organization,
# as a real one would be used, then runs the sweepers and fails if they
# find anything a test left behind. Test names pass through TESTARGS.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d "${TMPDIR:-/tmp}/sentry-live.XXXXXX")"
# shellcheck source=scripts/emulator.sh
. ./scripts/emulator.sh
cleanup() {
  stop_emulator
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_emulator "$work" -org acme -legacy-org-tokens
export SENTRY_TEST_ORGANIZATION="$SENTRY_ORG"
echo "==> live mode against the emulator at $SENTRY_BASE_URL, organization $SENTRY_ORG"

for run in 1 2; do
  log="$work/live-$run.log"
  if ! make --no-print-directory testacc-live TESTARGS="-v ${TESTARGS:-}" >"$log" 2>&1; then
    grep -E '^(--- FAIL|FAIL|panic)|_test\.go:[0-9]+:' "$log" | head -n 60 >&2 || true
    echo "live run $run failed" >&2
    exit 1
  fi
  passed="$(grep -cE '^--- PASS: TestAcc' "$log" || true)"
  skipped="$(grep -cE '^--- SKIP: TestAcc' "$log" || true)"
  echo "    run $run: $passed acceptance tests passed, $skipped skipped"
done

# The sweepers log "sweeping <what> <name>" for each object they remove;
# after two clean runs there must be none.
if ! make --no-print-directory sweep >"$work/sweep.log" 2>&1; then
  tail -n 30 "$work/sweep.log" >&2
  echo "the sweepers failed" >&2
  exit 1
fi
if grep -q '\[INFO\] sweeping ' "$work/sweep.log"; then
  grep '\[INFO\] sweeping ' "$work/sweep.log" >&2
  echo "the live runs left the objects above behind" >&2
  exit 1
fi
echo "    nothing left behind (the sweepers found nothing named tf-acc-*)"
