#!/usr/bin/env bash
# make demo: builds the provider and the Sentry emulator, starts the emulator
# on 127.0.0.1, and applies examples/demo against it. Everything lives in a
# temporary directory; the user's ~/.terraformrc is never read or written.
# TERRAFORM names the program: Terraform, or OpenTofu's tofu.
set -euo pipefail
cd "$(dirname "$0")/.."

terraform_bin="${TERRAFORM:-$(./scripts/terraform-path.sh)}"
# OpenTofu reads the demo's source = "sentryrbac/sentry" as a provider of
# its own registry, so the overrides and the mirror name that host.
cli=terraform
registry=registry.terraform.io
# (A warning about the CLI configuration may come before its version line.)
product="$(CHECKPOINT_DISABLE=1 "$terraform_bin" version 2>/dev/null | sed -n 's/^\(OpenTofu\|Terraform\) v.*/\1/p')" || true
if [[ "$product" == OpenTofu* ]]; then
  cli=tofu
  registry=registry.opentofu.org
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/sentry-demo.XXXXXX")"
# shellcheck source=scripts/emulator.sh
. ./scripts/emulator.sh
cleanup() {
  stop_emulator
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "==> Building the provider and the Sentry emulator"
mkdir -p "$work/bin"
go build -o "$work/bin/terraform-provider-sentry" .

echo "==> Starting the Sentry emulator"
start_emulator "$work" -org acme -seed examples/demo/seed.json
echo "    Sentry emulator at $SENTRY_BASE_URL, organization $SENTRY_ORG"

# dev_overrides points Terraform at the binary just built, through a CLI
# config of the demo's own. terraform init ignores dev_overrides and would ask
# the registry, so the same binary also sits in a local filesystem mirror that
# init resolves offline.
mirror="$work/mirror/$registry/sentryrbac/sentry/0.0.1/$(go env GOOS)_$(go env GOARCH)"
mkdir -p "$mirror"
cp "$work/bin/terraform-provider-sentry" "$mirror/terraform-provider-sentry_v0.0.1"
cat >"$work/terraformrc" <<CFG
provider_installation {
  dev_overrides {
    "$registry/sentryrbac/sentry" = "$work/bin"
  }
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["$registry/sentryrbac/sentry"]
  }
}
CFG
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1
cp -R examples/demo "$work/config"
cd "$work/config"

echo "==> $cli init"
"$terraform_bin" init -input=false -no-color >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; exit 1; }
echo "==> $cli apply"
"$terraform_bin" apply -input=false -auto-approve -compact-warnings

echo "==> $cli plan, again"
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
