#!/usr/bin/env bash
# Prints a Terraform filesystem mirror directory holding the community Sentry
# provider (registry.terraform.io/jianyuan/sentry), for make test-move: the
# tests of migrating from it then run the real provider instead of its
# stand-in (internal/communitystandin). Terraform refuses to plan a state
# whose resources belong to a provider it cannot start, even when moved or
# removed blocks take them away. Built once into a cache, from
# the Go module proxy, or from a checkout named by COMMUNITY_PROVIDER_SRC
# where the proxy does not serve the module.
set -euo pipefail

version="${COMMUNITY_PROVIDER_VERSION:-0.15.4}"
cache="${TERRAFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-sentry}"
mirror="$cache/community-mirror"
platform="$(go env GOOS)_$(go env GOARCH)"
dir="$mirror/registry.terraform.io/jianyuan/sentry/$version/$platform"
bin="$dir/terraform-provider-sentry_v$version"

if [[ ! -x "$bin" ]]; then
  mkdir -p "$dir"
  if [[ -n "${COMMUNITY_PROVIDER_SRC:-}" ]]; then
    echo "building jianyuan/sentry $version from $COMMUNITY_PROVIDER_SRC into $mirror (once)" >&2
    (cd "$COMMUNITY_PROVIDER_SRC" && GOTOOLCHAIN=local go build -o "$bin" .) >&2
  else
    echo "building jianyuan/sentry $version from the Go module proxy into $mirror (a few minutes, once)" >&2
    tmp="$(mktemp -d)"
    GOBIN="$tmp" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
      go install "github.com/jianyuan/terraform-provider-sentry@v$version" >&2
    mv "$tmp/terraform-provider-sentry" "$bin"
    rmdir "$tmp"
  fi
fi
echo "$mirror"
