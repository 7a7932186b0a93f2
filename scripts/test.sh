#!/usr/bin/env bash
# make test: everything, on a fresh machine.
#
# The keyring tests need a real Secret Service: gnome-keyring on a D-Bus
# session bus (docs/keyring.md, "Test keyring"). This script installs
# gnome-keyring, dbus and libsecret-tools when they are missing and it can
# (root with apt-get). The tests then start their own private bus and
# unlocked keyring over a throw-away HOME, one per test script, so nothing
# touches the user's real keyring. Where the packages cannot be had, those
# tests skip and say so.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dbus-daemon >/dev/null || need+=(dbus)
command -v dbus-send >/dev/null || need+=(dbus)
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v secret-tool >/dev/null || need+=(libsecret-tools)
command -v git >/dev/null || need+=(git)
command -v zsh >/dev/null || need+=(zsh)   # the zsh completion test

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "make test: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends gnome-keyring dbus dbus-bin libsecret-tools git zsh >/dev/null
  else
    echo "make test: missing ${need[*]} and cannot install them (needs root and apt-get)." >&2
  fi
fi

if command -v gnome-keyring-daemon >/dev/null && command -v dbus-daemon >/dev/null \
   && command -v dbus-send >/dev/null && command -v secret-tool >/dev/null; then
  # The packages are here: a keyring test that cannot run is a failure.
  export MONITOR_TOKEN_REQUIRE_KEYRING=1
else
  echo "make test: SKIPPING the real-keyring tests (store/, integration/): no gnome-keyring, dbus-daemon or secret-tool on this machine." >&2
fi

echo "== gofmt" >&2
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
echo "== go vet" >&2
go vet ./...
echo "== go test -race (unit, real keyring, and the binary in scripts)" >&2
go test -race -count=1 ./...
