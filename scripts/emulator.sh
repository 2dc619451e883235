# Sourced by scripts that run against the Sentry emulator (demo.sh,
# testacc-live-sim.sh). start_emulator WORK [FLAGS...] builds
# internal/cmd/sentrysim into WORK, starts it on a free port of 127.0.0.1
# with the flags, and exports SENTRY_BASE_URL, SENTRY_ORG,
# SENTRY_AUTH_TOKEN (the owner's) and SENTRY_SCIM_TOKEN from the line it
# prints. stop_emulator stops it; call it from the script's EXIT trap.

sim_pid=""

start_emulator() {
  local work="$1"
  shift
  go build -o "$work/sentrysim" ./internal/cmd/sentrysim
  "$work/sentrysim" -addr 127.0.0.1:0 "$@" >"$work/sim.json" 2>"$work/sim.log" &
  sim_pid=$!
  for _ in $(seq 1 100); do
    [[ -s "$work/sim.json" ]] && break
    kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.log" >&2; echo "the emulator exited" >&2; return 1; }
    sleep 0.1
  done
  local line
  line="$(head -n 1 "$work/sim.json")"
  json_field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" <<<"$line"; }
  export SENTRY_BASE_URL SENTRY_ORG SENTRY_AUTH_TOKEN SENTRY_SCIM_TOKEN
  SENTRY_BASE_URL="$(json_field base_url)"
  SENTRY_ORG="$(json_field organization)"
  SENTRY_AUTH_TOKEN="$(json_field owner)"
  SENTRY_SCIM_TOKEN="$(json_field scim)"
  [[ -n "$SENTRY_BASE_URL" && -n "$SENTRY_AUTH_TOKEN" && -n "$SENTRY_SCIM_TOKEN" ]] ||
    { echo "could not read the emulator's address and tokens from its first line" >&2; return 1; }
}

stop_emulator() {
  if [[ -n "$sim_pid" ]]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
    sim_pid=""
  fi
}
