#!/usr/bin/env bash
# Prints the path of an OpenTofu binary: the tofu on PATH when it is 1.12 or
# later (the first with import blocks by resource identity), else a pinned
# release built from the Go module proxy into a cache (built once, reused).
#
# OpenTofu cannot be `go install`ed: its go.mod replaces hashicorp/hcl/v2
# with OpenTofu's fork, and go install refuses a module with replacements.
# This builds ./cmd/tofu inside a copy of the module, where the replacement
# applies as it does in OpenTofu's own builds. The copy leaves out the
# cloud state backends and the cloud key providers of state encryption
# (local state is all the tests need): their SDKs are about 40% of the
# build's CPU time, which CI spends on every clean machine.
#
# OPENTOFU_VERSION picks the release; FORCE_PINNED=1 skips PATH. The cache is
# TERRAFORM_CACHE_DIR, as in terraform-path.sh.
set -euo pipefail

version="${OPENTOFU_VERSION:-1.12.6}"
cache="${TERRAFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-sentry}"
module=github.com/opentofu/opentofu
export CHECKPOINT_DISABLE=1
# shellcheck source=scripts/module-build.sh
. "$(dirname "${BASH_SOURCE[0]}")/module-build.sh"

# tofu_version prints the version the OpenTofu at $1 reports, or nothing
# when $1 is not OpenTofu. Warnings about the CLI configuration may come
# before the version line, on stdout too.
tofu_version() {
  "$1" version 2>/dev/null | sed -n 's/^OpenTofu v\([0-9][0-9.]*\).*/\1/p' || true
}

# recent_enough succeeds when the OpenTofu at $1 is 1.12 or later.
recent_enough() {
  local v
  v="$(tofu_version "$1")"
  [[ -n "$v" ]] || return 1
  local major="${v%%.*}" rest="${v#*.}"
  local minor="${rest%%.*}"
  ((major > 1 || (major == 1 && minor >= 12)))
}

if [[ "${FORCE_PINNED:-0}" != 1 ]] && tofu="$(command -v tofu 2>/dev/null)" && recent_enough "$tofu"; then
  echo "$tofu"
  exit 0
fi

dir="$cache/opentofu-$version-localstate"
bin="$dir/tofu"
print_if_built
copy_module OpenTofu

# The backends are named in one map of init.go, one line each with their
# import alias; the key providers are registered in default_registry.go, a
# three-line if each. A release laid out otherwise fails here, not later.
init="$src/internal/backend/init/init.go"
registry="$src/internal/encryption/default_registry.go"
[[ -f "$init" && -f "$registry" ]] || fail "$module@v$version has no $init or $registry; this script knows 1.12"
for alias in backendAzure backendConsul backendCos backendGCS backendKubernetes backendOSS backendPg backendS3; do
  grep -q "\b$alias\b" "$init" || fail "$module@v$version's init.go has no $alias; this script knows 1.12"
  sed -i "/\b$alias\b/d" "$init"
done
for provider in aws_kms gcp_kms azure_vault openbao; do
  grep -q "RegisterKeyProvider($provider\.New())" "$registry" ||
    fail "$module@v$version does not register the $provider key provider as this script expects; it knows 1.12"
  sed -i -e "\#/keyprovider/$provider\"\$#d" -e "/RegisterKeyProvider($provider\.New())/,+2d" "$registry"
done

# OpenTofu's go.mod names the Go it was released with; a newer one than the
# machine's fails here, and OPENTOFU_VERSION can pick an older release.
log="$work/build.log"
if ! (cd "$src" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-X $module/version.dev=no" -o "$work/tofu" ./cmd/tofu) >"$log" 2>&1; then
  cat "$log" >&2
  fail "building OpenTofu $version failed (go $(go env GOVERSION), $module needs go $(sed -n 's/^go //p' "$src/go.mod")); the output is above"
fi

got="$(tofu_version "$work/tofu")"
[[ "$got" == "$version" ]] || fail "the built binary says it is OpenTofu \"$got\", not $version"

install_built OpenTofu "$work/tofu"
