#!/usr/bin/env bash
# make test: everything, on a fresh machine.
#
# The keyring tests need a real Secret Service: gnome-keyring on a D-Bus
# session bus (docs/keyring.md, "Test keyring"). scripts/deps/ installs it,
# and what other groups of tests need, when it can (root with apt-get). The
# tests then start their own private bus and unlocked keyring over a
# throw-away HOME, one per test script, so nothing touches the user's real
# keyring. Where the packages cannot be had, those tests skip and say so.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests need, one file per group of tests (scripts/deps/): each
# installs its packages when it can and makes its tests required, or says
# what it skips and why.
for deps in scripts/deps/*.sh; do
  # shellcheck source=/dev/null
  . "$deps"
done

echo "== gofmt" >&2
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
echo "== go vet" >&2
go vet ./...
# macOS cannot run here, but its build must compile and vet (docs/keyring.md,
# "macOS Keychain": its errors are unit-tested on every platform); Windows
# also runs, under Wine, further down.
for target in darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do
  GOOS=${target%/*} GOARCH=${target#*/} go vet ./...
done
echo "== go test -race (unit, real keyring, and the binary in scripts)" >&2
# The integration package runs many scripts, each with its own keyring
# daemon, on 2 cores: alone it takes about 4 minutes, on a loaded machine
# past go test's default 10-minute limit, which then kills whatever script
# is running mid-command. 25 minutes still ends a real hang well inside CI's.
go test -race -count=1 -timeout 25m ./...
