#!/usr/bin/env bash
# Prints the path of a terraform binary: the one on PATH, else a pinned
# release built from the Go module proxy into a cache (built once, reused).
# TERRAFORM_VERSION picks the pinned release; FORCE_PINNED=1 skips PATH so a
# specific version can be tested even where terraform is installed.
set -euo pipefail

version="${TERRAFORM_VERSION:-1.8.5}"
cache="${TERRAFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-sentry}"

if [[ "${FORCE_PINNED:-0}" != 1 ]] && command -v terraform >/dev/null 2>&1; then
  command -v terraform
  exit 0
fi

bin="$cache/terraform-$version/terraform"
if [[ ! -x "$bin" ]]; then
  echo "terraform not found on PATH: building terraform $version from the Go module proxy into $cache (a few minutes, once)" >&2
  mkdir -p "$cache/terraform-$version"
  # terraform's module carries its own toolchain line; build with what is here.
  GOBIN="$cache/terraform-$version" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
    go install -ldflags '-X github.com/hashicorp/terraform/version.dev=no' \
    "github.com/hashicorp/terraform@v$version" >&2
fi
echo "$bin"
