#!/usr/bin/env bash
# make demo: builds the provider and the Sentry emulator, starts the emulator
# on 127.0.0.1, and applies examples/demo against it. Everything lives in a
# temporary directory; the user's ~/.terraformrc is never read or written.
set -euo pipefail
cd "$(dirname "$0")/.."

terraform_bin="${TERRAFORM:-$(./scripts/terraform-path.sh)}"
work="$(mktemp -d "${TMPDIR:-/tmp}/sentry-demo.XXXXXX")"
sim_pid=""
cleanup() {
  if [[ -n "$sim_pid" ]]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "==> Building the provider and the Sentry emulator"
mkdir -p "$work/bin"
go build -o "$work/bin/terraform-provider-sentry" .
go build -o "$work/sentrysim" ./internal/cmd/sentrysim

echo "==> Starting the Sentry emulator"
"$work/sentrysim" -addr 127.0.0.1:0 -org acme -seed examples/demo/seed.json >"$work/sim.json" 2>"$work/sim.log" &
sim_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$work/sim.json" ]] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.log" >&2; echo "the emulator exited" >&2; exit 1; }
  sleep 0.1
done
line="$(head -n 1 "$work/sim.json")"
json_field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" <<<"$line"; }
export SENTRY_BASE_URL SENTRY_ORG SENTRY_AUTH_TOKEN SENTRY_SCIM_TOKEN
SENTRY_BASE_URL="$(json_field base_url)"
SENTRY_ORG="$(json_field organization)"
SENTRY_AUTH_TOKEN="$(json_field owner)"
SENTRY_SCIM_TOKEN="$(json_field scim)"
[[ -n "$SENTRY_BASE_URL" && -n "$SENTRY_AUTH_TOKEN" && -n "$SENTRY_SCIM_TOKEN" ]] ||
  { echo "could not read the emulator's address and tokens from its first line" >&2; exit 1; }
echo "    Sentry emulator at $SENTRY_BASE_URL, organization $SENTRY_ORG"

# dev_overrides points Terraform at the binary just built, through a CLI
# config of the demo's own. terraform init ignores dev_overrides and would ask
# the registry, so the same binary also sits in a local filesystem mirror that
# init resolves offline.
mirror="$work/mirror/registry.terraform.io/sentryrbac/sentry/0.0.1/$(go env GOOS)_$(go env GOARCH)"
mkdir -p "$mirror"
cp "$work/bin/terraform-provider-sentry" "$mirror/terraform-provider-sentry_v0.0.1"
cat >"$work/terraformrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/sentryrbac/sentry" = "$work/bin"
  }
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/sentryrbac/sentry"]
  }
}
CFG
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1
cp -R examples/demo "$work/config"
cd "$work/config"

echo "==> terraform init"
"$terraform_bin" init -input=false -no-color >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; exit 1; }
echo "==> terraform apply"
"$terraform_bin" apply -input=false -auto-approve -compact-warnings

echo "==> terraform plan, again"
set +e
"$terraform_bin" plan -input=false -detailed-exitcode -compact-warnings >"$work/plan.log" 2>&1
plan_status=$?
set -e
case "$plan_status" in
  0) echo "    No changes: Sentry matches the configuration." ;;
  2) cat "$work/plan.log" >&2; echo "the second plan is not empty" >&2; exit 1 ;;
  *) cat "$work/plan.log" >&2; echo "the second plan failed" >&2; exit 1 ;;
esac

echo "==> Summary"
"$terraform_bin" output summary
