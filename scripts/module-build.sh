# Sourced by the scripts that build Terraform or OpenTofu without the cloud
# state backends from a copy of its module into the cache and print the
# binary's path (terraform-query-path.sh, opentofu-path.sh). The script sets
# cache, module, version, dir (the cache directory of this build) and bin
# (the binary in it) before it calls these.

# fail prints the script's name and its arguments on stderr and exits.
fail() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# print_if_built prints $bin and exits when it is already built. It then
# takes the build's lock, one build at a time, and checks again: a run that
# waited finds the binary the other made.
print_if_built() {
  if [[ -x "$bin" ]]; then
    echo "$bin"
    exit 0
  fi
  mkdir -p "$cache"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$cache/.$(basename "$dir").lock"
    flock 9
    if [[ -x "$bin" ]]; then
      echo "$bin"
      exit 0
    fi
  fi
}

# copy_module NAME downloads $module@v$version from the Go module proxy and
# sets src to a writable copy of it, in a new temporary directory work beside
# the cache that is removed on exit. NAME is the program, for the messages.
#
# The build happens in work and only a finished, checked binary is moved
# into place (install_built), so a run that is interrupted or races another
# never leaves a broken binary behind.
copy_module() {
  echo "building $1 $version without the cloud state backends into $dir (a few minutes, once)" >&2
  started=$SECONDS
  work="$(mktemp -d "$cache/.build-$(basename "$dir").XXXXXX")"
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

  local download moddir
  download="$(cd "$work" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "$module@v$version" 2>&1)" ||
    fail "cannot download $module@v$version from the Go module proxy: $download"
  moddir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$download")"
  [[ -d "$moddir" ]] || fail "go mod download gave no directory for $module@v$version: $download"

  src="$work/src"
  cp -R "$moddir" "$src"
  chmod -R u+w "$src"
}

# install_built NAME FILE moves the built and checked FILE to $bin and
# prints its path.
install_built() {
  mkdir -p "$dir"
  mv -f "$2" "$bin"
  echo "built $1 $version in $((SECONDS - started))s" >&2
  echo "$bin"
}
