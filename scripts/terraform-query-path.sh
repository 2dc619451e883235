#!/usr/bin/env bash
# Prints the path of a Terraform 1.14 binary, which has `terraform query`:
# the one on PATH when it is 1.14 or later, else a pinned release built from
# the Go module proxy into a cache (built once, reused).
#
# Terraform 1.9 and later cannot be `go install`ed: their go.mod replaces the
# cloud remote-state backends and internal/legacy with nested modules that are
# not published, so the module zip lacks them. This builds a copy of the
# module without those backends (local state is all the tests need).
#
# TERRAFORM_QUERY_VERSION picks the release (the proxy serves the 1.14 tags by
# version although `go list -m -versions` does not list them); FORCE_PINNED=1
# skips PATH. The cache is TERRAFORM_CACHE_DIR, as in terraform-path.sh.
set -euo pipefail

version="${TERRAFORM_QUERY_VERSION:-1.14.9}"
cache="${TERRAFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-sentry}"
module=github.com/hashicorp/terraform
export CHECKPOINT_DISABLE=1
# shellcheck source=scripts/module-build.sh
. "$(dirname "${BASH_SOURCE[0]}")/module-build.sh"

# query_capable succeeds when the terraform at $1 is 1.14 or later.
query_capable() {
  local v
  v="$("$1" version -json 2>/dev/null | sed -n 's/^ *"terraform_version": "\([0-9]*\.[0-9]*\).*/\1/p')" || true
  [[ -n "$v" ]] || return 1
  local major="${v%%.*}" minor="${v#*.}"
  ((major > 1 || (major == 1 && minor >= 14)))
}

if [[ "${FORCE_PINNED:-0}" != 1 ]] && tf="$(command -v terraform 2>/dev/null)" && query_capable "$tf"; then
  echo "$tf"
  exit 0
fi

# Not terraform-$version: terraform-path.sh owns that name.
dir="$cache/terraform-$version-localstate"
bin="$dir/terraform"
print_if_built
copy_module terraform

# The nested modules are the go.mod's replacements by a local directory.
nested="$(sed -n 's#^replace \(github\.com/hashicorp/terraform/[^ ]*\) => \./\(.*\)$#\1 \2#p' "$src/go.mod")"
init="$src/internal/backend/init/init.go"
[[ -f "$init" ]] || fail "$module@v$version has no internal/backend/init/init.go; this script knows 1.9 to 1.14"
while read -r path local; do
  [[ -n "$path" ]] || continue
  (cd "$src" && go mod edit -dropreplace="$path" -droprequire="$path") ||
    fail "cannot drop $path from go.mod"
  rm -rf "${src:?}/$local"
  # The backend's import names it; drop the import and every use of the name.
  alias="$(sed -n "s#^[[:space:]]*\([A-Za-z0-9_]*\) \"$path\"\$#\1#p" "$init")"
  if [[ -n "$alias" ]]; then
    sed -i -e "\#\"$path\"\$#d" -e "/\b$alias\./d" "$init"
  fi
done <<<"$nested"
if grep -q 'internal/backend/remote-state/\(azure\|consul\|cos\|gcs\|kubernetes\|oci\|oss\|pg\|s3\)"' "$init"; then
  fail "init.go still imports an unpublished backend; see $init"
fi

log="$work/build.log"
if ! (cd "$src" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-X $module/version.dev=no" -o "$work/terraform" .) >"$log" 2>&1; then
  cat "$log" >&2
  fail "building terraform $version failed (go $(go env GOVERSION)); the output is above"
fi

got="$("$work/terraform" version -json 2>/dev/null | sed -n 's/^ *"terraform_version": "\(.*\)",$/\1/p')" || true
[[ "$got" == "$version" ]] || fail "the built binary says it is terraform \"$got\", not $version"
"$work/terraform" query -h >/dev/null 2>&1 || fail "the built terraform $version has no working query command"

install_built terraform "$work/terraform"
