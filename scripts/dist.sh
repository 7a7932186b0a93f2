#!/usr/bin/env bash
# make dist: release archives, their checksums and the krew manifest.
#
#   DIST/monitor-token_<VERSION>_<os>_<arch>.tar.gz   linux and darwin, amd64 and arm64
#   DIST/monitor-token_<VERSION>_windows_amd64.zip
#   DIST/checksums.txt                                sha256sum format, one line per archive
#   DIST/monitor-token.yaml                           krew plugin manifest (docs/integrations.md, "krew manifest")
#
# Each archive holds monitor-token (monitor-token.exe on Windows), LICENSE and
# README.md at its top level; the zip also the other personalities as copies
# (kubectl-monitor_token.exe, kubectl_complete-monitor_token.exe,
# git-credential-monitor-token.exe); the tar.gz ones kubectl_complete-monitor_token,
# the program kubectl asks for `kubectl monitor-token <TAB>` (docs/integrations.md,
# "kubectl plugin completion"): a small script, since krew unpacks regular
# files only, no links. The archives are reproducible: the same source
# and VERSION give the same bytes (sorted entries, fixed times, owners and
# modes, gzip without name or time, zip without extra attributes).
#
# Settings (environment; `make dist` passes its own):
#   VERSION           the version, as `make` computes it (git describe), default: that
#   DIST              output directory, default dist
#   RELEASE_URL_BASE  where the archives will be downloadable, default
#                     https://github.com/monitor-token/monitor-token/releases/download/$VERSION
#   SOURCE_DATE_EPOCH time stamped on every archive entry, default the last
#                     commit's time (else 2026-01-01)
#   GO, GO_TAGS, GO_LDFLAGS  the go command, build tags and -ldflags (default as the Makefile)
#
# krew wants spec.version to be semver with a leading v (it parses it with
# k8s.io/apimachinery's ParseSemantic: exactly MAJOR.MINOR.PATCH, optional
# -pre.release and +build.metadata). VERSION is used as is when it is that
# (v1.2.3, v0.1.0-rc.1, and git describe's v1.2.3-4-gabc1234[-dirty]); a
# semver without the v gets one. Anything else, such as git describe's bare
# commit hash in a repository without tags (84f8d2e, 84f8d2e-dirty) or
# "devel", becomes v0.0.0-dev+<VERSION>: a pre-release of 0.0.0 that sorts
# below every real release, with the original in the build metadata
# (characters semver does not allow there become "-"). The archive names, the
# download URL and the version the binary prints keep VERSION unchanged.
set -euo pipefail
export LC_ALL=C TZ=UTC

here=$(cd "$(dirname "$0")/.." && pwd)
DIST=${DIST:-dist}
case $DIST in /*) ;; *) DIST=$PWD/$DIST ;; esac
cd "$here"

GO=${GO:-go}
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo devel)}
GO_TAGS=${GO_TAGS:-urfave_cli_no_docs}
GO_LDFLAGS=${GO_LDFLAGS:-"-s -w -X github.com/monitor-token/monitor-token/internal/app.version=$VERSION"}
RELEASE_URL_BASE=${RELEASE_URL_BASE:-https://github.com/monitor-token/monitor-token/releases/download/$VERSION}
RELEASE_URL_BASE=${RELEASE_URL_BASE%/}
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || true)
  SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}
fi
export SOURCE_DATE_EPOCH

die() { echo "dist: $*" >&2; exit 1; }

case $VERSION in
  "" | */* | *[[:space:]]*) die "VERSION \"$VERSION\" cannot be part of a file name" ;;
esac

# is_semver V: V is semver 2.0 with a leading v, as krew accepts it.
is_semver() {
  local num='(0|[1-9][0-9]*)' ident='[0-9A-Za-z-]+'
  [[ $1 =~ ^v$num\.$num\.$num(-($ident(\.$ident)*))?(\+$ident(\.$ident)*)?$ ]] || return 1
  local pre=${BASH_REMATCH[5]} id
  local IFS=.
  for id in $pre; do # numeric pre-release identifiers have no leading zeros
    [[ $id =~ ^0[0-9]+$ ]] && return 1
  done
  return 0
}

krew_version() {
  if is_semver "$1"; then
    echo "$1"
  elif is_semver "v$1"; then
    echo "v$1"
  else
    local meta
    meta=$(printf '%s' "$1" | sed -e 's/[^0-9A-Za-z.-]/-/g' -e 's/\.\.*/./g' -e 's/^\.//' -e 's/\.$//')
    echo "v0.0.0-dev+${meta:-unknown}"
  fi
}
KREW_VERSION=$(krew_version "$VERSION")
is_semver "$KREW_VERSION" || die "internal error: $KREW_VERSION is not semver"

for tool in tar gzip sha256sum; do
  command -v $tool >/dev/null || die "$tool is needed and missing"
done
tar --version 2>/dev/null | grep -q 'GNU tar' || die "GNU tar is needed (for --sort=name and --mtime)"
if ! command -v zip >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "dist: installing zip" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends zip >/dev/null
  else
    die "zip is needed for the Windows archive and missing; install it (apt-get install zip, brew install zip) and run again"
  fi
fi

platforms="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64"

stage=$(mktemp -d "${TMPDIR:-/tmp}/monitor-token-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$DIST"

archives=()
for p in $platforms; do
  os=${p%/*} arch=${p#*/}
  exe=monitor-token
  [ "$os" = windows ] && exe=monitor-token.exe
  dir=$stage/${os}_$arch
  mkdir -p "$dir"
  echo "dist: building $os/$arch" >&2
  # -buildvcs=false: the binary depends on the source and VERSION only, not on
  # the state of a git checkout (it would be stamped with vcs.modified).
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch "$GO" build -trimpath -buildvcs=false \
    -tags "$GO_TAGS" -ldflags "$GO_LDFLAGS" -o "$dir/$exe" .
  cp LICENSE README.md "$dir/"
  chmod 0755 "$dir/$exe"
  chmod 0644 "$dir/LICENSE" "$dir/README.md"
  if [ "$os" = windows ]; then
    # The other personalities as copies: a symbolic link on Windows needs a
    # privilege users lack (docs/platforms.md, "Windows").
    for personality in kubectl-monitor_token kubectl_complete-monitor_token git-credential-monitor-token; do
      cp "$dir/$exe" "$dir/$personality.exe"
      touch -d "@$SOURCE_DATE_EPOCH" "$dir/$personality.exe"
    done
  else
    printf '#!/bin/sh\n# kubectl runs this for `kubectl monitor-token <TAB>`: put it on PATH beside kubectl-monitor_token.\nexec kubectl-monitor_token __complete "$@"\n' \
      >"$dir/kubectl_complete-monitor_token"
    chmod 0755 "$dir/kubectl_complete-monitor_token"
    touch -d "@$SOURCE_DATE_EPOCH" "$dir/kubectl_complete-monitor_token"
  fi
  touch -d "@$SOURCE_DATE_EPOCH" "$dir/$exe" "$dir/LICENSE" "$dir/README.md"
  files=$(cd "$dir" && ls -1 | sort)

  if [ "$os" = windows ]; then
    name=monitor-token_${VERSION}_${os}_$arch.zip
    rm -f "$stage/$name"
    # -X: no uid/gid or extended time fields; times are the DOS ones, in TZ=UTC.
    (cd "$dir" && zip -q -X -D "$stage/$name" $files)
  else
    name=monitor-token_${VERSION}_${os}_$arch.tar.gz
    (cd "$dir" && tar --format=ustar --sort=name --mtime="@$SOURCE_DATE_EPOCH" \
      --owner=0 --group=0 --numeric-owner -cf - $files) | gzip -n -9 >"$stage/$name"
  fi
  mv -f "$stage/$name" "$DIST/$name"
  archives+=("$name")
done

(cd "$DIST" && sha256sum "${archives[@]}") >"$DIST/checksums.txt"

sha() { awk -v f="$1" '$2 == f { print $1 }' "$DIST/checksums.txt"; }

{
  cat <<EOF
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: monitor-token
spec:
  version: $KREW_VERSION
  homepage: https://github.com/monitor-token/monitor-token
  shortDescription: Your IBM Cloud Monitoring API token, from the OS keyring
  description: |
    IBM Cloud Monitoring gives each team one Monitor API token, which scripts,
    dashboards and curl calls send as "Authorization: Bearer <token>".
    monitor-token keeps your IBM Cloud API key in the OS keyring (Secret
    Service, macOS Keychain, Windows Credential Manager), exchanges it for the
    Monitor API token when it is first needed, caches that token in the
    keyring and prints it for whoever asks, as a bare token, an HTTP header,
    JSON or environment variables. Neither the key nor the token is ever
    written to a file or taken from the command line.
  caveats: |
    Log in once with an IBM Cloud API key (it is read from stdin, or prompted
    for, never taken from an argument) and your Monitoring instance's GUID or
    CRN:

      kubectl monitor-token login --region us-south --instance GUID --team ID < key.txt

    Then:

      kubectl monitor-token get                  # the token
      kubectl monitor-token get --format header  # Authorization: Bearer ...
      kubectl monitor-token status

    On Linux the key is kept in the Secret Service (gnome-keyring or KWallet),
    which needs a running D-Bus session.
  platforms:
EOF
  for name in "${archives[@]}"; do
    rest=${name#monitor-token_"$VERSION"_}
    rest=${rest%%.*}
    os=${rest%_*} arch=${rest#*_}
    bin=monitor-token
    [ "$os" = windows ] && bin=monitor-token.exe
    cat <<EOF
  - selector:
      matchLabels:
        os: $os
        arch: $arch
    uri: $RELEASE_URL_BASE/$name
    sha256: $(sha "$name")
    bin: $bin
EOF
  done
} >"$DIST/monitor-token.yaml"

echo "dist: $VERSION (krew $KREW_VERSION) in $DIST:" >&2
(cd "$DIST" && ls -l "${archives[@]}" checksums.txt monitor-token.yaml) >&2
