#!/usr/bin/env bash
# Checks every example: terraform fmt -check, and terraform validate against
# the provider built from this checkout (through dev_overrides in a CLI
# config of its own; the user's ~/.terraformrc is never read).
set -euo pipefail
cd "$(dirname "$0")/.."

terraform_bin="${TERRAFORM:-$(./scripts/terraform-path.sh)}"
work="$(mktemp -d "${TMPDIR:-/tmp}/sentry-examples.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$terraform_bin" fmt -check -recursive examples/

go build -o "$work/bin/terraform-provider-sentry" .
cat >"$work/terraformrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/sentryrbac/sentry" = "$work/bin"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$work/terraformrc"

failed=0
while IFS= read -r dir; do
  copy="$work/examples/$dir"
  mkdir -p "$copy"
  cp "$dir"/*.tf "$copy/"
  # Examples without a terraform block get the provider's source address.
  if ! grep -qs 'required_providers' "$copy"/*.tf; then
    printf 'terraform {\n  required_providers {\n    sentry = { source = "sentryrbac/sentry" }\n  }\n}\n' >"$copy/zz_providers.tf"
  fi
  if out="$(cd "$copy" && "$terraform_bin" validate -no-color 2>&1)"; then
    echo "ok   $dir"
  else
    echo "FAIL $dir"
    echo "$out" | sed 's/^/     /'
    failed=1
  fi
done < <(find examples -name '*.tf' -exec dirname {} \; | sort -u)
exit "$failed"
