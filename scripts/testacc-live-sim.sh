#!/usr/bin/env bash
# make testacc-live-sim: make testacc-live against the standalone emulator
# used as if it were real Sentry: only the owner's token and the SCIM token,
# no test controls. It runs the live suite twice on the same organization,
# as a real one would be used, against an emulator that behaves as today's
# Sentry (organization auth tokens only through a browser session). The
# tests that manage tokens with an auth token skip there, saying why; they
# then run against a second emulator started with -legacy-org-tokens, as a
# self-hosted release before 25.10. After each emulator's runs the sweepers
# must find nothing a test left behind. Test names pass through TESTARGS.
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

# The reason newAccEnv gives when a test needs the legacy token API.
legacy_reason='lets only a browser session manage organization auth tokens'

# live_run NAME TESTARGS: one run of the live suite, logged to $work/NAME.log.
live_run() {
  local name="$1" args="$2" log="$work/$1.log"
  if ! make --no-print-directory testacc-live TESTARGS="-v $args" >"$log" 2>&1; then
    grep -E '^(--- FAIL|FAIL|panic)|_test\.go:[0-9]+:' "$log" | head -n 60 >&2 ||
      tail -n 30 "$log" >&2
    echo "live run $name failed" >&2
    exit 1
  fi
  passed="$(grep -cE '^--- PASS: TestAcc' "$log" || true)"
  skipped="$(grep -cE '^--- SKIP: TestAcc' "$log" || true)"
  echo "    $name: $passed acceptance tests passed, $skipped skipped"
}

# sweep_clean: the sweepers log "sweeping <what> <name>" for each object
# they remove; after clean runs there must be none.
sweep_clean() {
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
}

mkdir -p "$work/today" "$work/legacy"
start_emulator "$work/today" -org acme
export SENTRY_TEST_ORGANIZATION="$SENTRY_ORG"
echo "==> live mode against the emulator at $SENTRY_BASE_URL, organization $SENTRY_ORG (today's Sentry)"
for run in 1 2; do
  live_run "run-$run" "${TESTARGS:-}"
done
sweep_clean
stop_emulator

# The tests the first run skipped because they manage organization auth
# tokens with an auth token, as a regular expression for -run.
# go test -v prints a skip's reason just before its --- SKIP line, or just
# after it for output it held back.
legacy_tests="$(awk -v reason="$legacy_reason" '
  /^ *--- SKIP: TestAcc/ {
    split($3, name, "/")
    if (said) tests[name[1]] = 1
    pending = name[1]; said = 0; next
  }
  index($0, reason) { if (pending != "") tests[pending] = 1; said = 1; pending = ""; next }
  { pending = ""; said = 0 }
  END { for (t in tests) { printf "%s%s", sep, t; sep = "|" } }' "$work/run-1.log")"
legacy_tests="$(tr -d '\n' <<<"$legacy_tests")"
if [[ -z "$legacy_tests" ]]; then
  echo "    no test needed the legacy token API"
  exit 0
fi

start_emulator "$work/legacy" -org acme -legacy-org-tokens
export SENTRY_TEST_ORGANIZATION="$SENTRY_ORG"
echo "==> live mode against the emulator at $SENTRY_BASE_URL with -legacy-org-tokens (self-hosted before 25.10)"
# Quoted for the shell of make's recipe; $$ is make's $.
live_run "legacy" "-run '^($legacy_tests)\$\$'"
sweep_clean
