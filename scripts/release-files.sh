#!/usr/bin/env bash
# release-files.sh DIR: the files a release ships beside the binary, for
# .goreleaser.yaml. cmd/release-files writes the man page, the completion
# scripts and the krew completion script from the command definitions; this
# adds the compressed man page the Linux packages install, and the links
# that give the binary its other personalities in the Unix archives.
set -euo pipefail
dir=${1:?usage: release-files.sh DIR}
cd "$(dirname "$0")/.."
rm -rf "$dir"
mkdir -p "$dir/links"
go run ./cmd/release-files -out "$dir"
# -n: no name or time in the header, so the bytes depend on the page alone.
gzip -n -9 -c "$dir/monitor-token.1" >"$dir/monitor-token.1.gz"
for personality in kubectl-monitor_token kubectl_complete-monitor_token git-credential-monitor-token; do
  ln -s monitor-token "$dir/links/$personality"
done
