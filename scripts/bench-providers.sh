#!/usr/bin/env bash
# make bench, part two: a warm `monitor-token get` against `secret-tool
# lookup` on each Secret Service provider this machine can run
# (gnome-keyring, KeePassXC, KWallet; docs/keyring.md, "Fast read across
# collections"), each on its own private bus under a throw-away HOME, started
# by bin/keyring-session as the tests start them.
#
# Both commands read one item of the same provider: monitor-token its cached
# token, secret-tool the same item (on KWallet, which hands go-keyring's
# items back as binary that secret-tool refuses, an item of the same size
# that secret-tool stored itself). Medians of hyperfine --shell=none runs.
#
# Settings: BENCH_RUNS (default 50) and BENCH_WARMUP (default 5), as for
# scripts/bench.sh. A provider that cannot run here is skipped with the
# reason; a provider that runs but gives a wrong answer fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
RUNS=${BENCH_RUNS:-50}
WARMUP=${BENCH_WARMUP:-5}
for bin in monitor-token monitor-emulator keyring-session; do
  [ -x "$root/bin/$bin" ] || { echo "make bench: bin/$bin is missing: run \`make bench\`, which builds it" >&2; exit 1; }
done
for tool in hyperfine jq secret-tool curl; do
  command -v "$tool" >/dev/null || { echo "make bench: $tool is missing (scripts/bench.sh installs it)" >&2; exit 1; }
done

work=$(mktemp -d)
session_pid=
cleanup() {
  [ -n "$session_pid" ] && kill "$session_pid" 2>/dev/null && wait "$session_pid" 2>/dev/null || true
  [ -n "${emu_pid:-}" ] && kill "$emu_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
while read -r v; do
  case $v in
    MONITOR_TOKEN_* | IBMCLOUD_* | XDG_CONFIG_HOME | XDG_CACHE_HOME | XDG_DATA_HOME) unset "$v" ;;
  esac
done < <(compgen -e)
export LC_ALL=C XDG_RUNTIME_DIR=$work/run
mkdir -m 0700 "$XDG_RUNTIME_DIR"
. "$root/scripts/private-session.sh"
start_emulator "$work" bench

median_ms() { jq -r '.results[0].median * 1000 | . * 100 | round / 100' "$1"; }

rows=()
for provider in gnome-keyring keepassxc kwallet; do
  export HOME=$work/$provider
  mkdir -p "$HOME" && chmod 0700 "$HOME"
  set +e
  "$root/bin/keyring-session" "$provider" "$HOME" >"$work/$provider.env" 2>"$work/$provider.err" &
  session_pid=$!
  for _ in $(seq 600); do
    [ -s "$work/$provider.env" ] && break
    kill -0 "$session_pid" 2>/dev/null || break
    sleep 0.05
  done
  set -e
  if [ ! -s "$work/$provider.env" ]; then
    wait "$session_pid" && status=0 || status=$?
    session_pid=
    if [ "$status" = 3 ]; then
      echo "make bench: SKIPPING $provider: $(cat "$work/$provider.err")" >&2
      rows+=("$provider|skipped: not installed||")
      continue
    fi
    echo "make bench: $provider did not start: $(cat "$work/$provider.err")" >&2
    exit 1
  fi
  # shellcheck source=/dev/null
  eval "export $(cat "$work/$provider.env")"

  "$root/bin/monitor-token" login --endpoint "$EMU" --iam-endpoint "$EMU" --instance "$MONITOR_EMULATOR_INSTANCE" \
    <"$MONITOR_EMULATOR_APIKEY_FILE" 2>"$work/login.err" || { cat "$work/login.err" >&2; exit 1; }
  token=$("$root/bin/monitor-token" get)
  [ -n "$token" ] || { echo "make bench: $provider: get printed nothing" >&2; exit 1; }
  user=default/monitor-token
  if [ "$provider" = kwallet ]; then
    item=$(secret-tool lookup service monitor-token username "$user" 2>/dev/null || true)
    [ -n "$item" ] || item=$(printf '%*s' 300 '' | tr ' ' x)
    printf %s "$item" | secret-tool store --label=bench service bench username same-size \
      || printf %s "$item" | secret-tool store --label=bench service bench username same-size # KWallet: docs/keyring.md, "KWallet"
    lookup=(secret-tool lookup service bench username same-size)
  else
    lookup=(secret-tool lookup service monitor-token username "$user")
  fi
  "${lookup[@]}" >/dev/null || { echo "make bench: $provider: ${lookup[*]} failed" >&2; exit 1; }

  hyperfine --shell=none --style=none --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$work/$provider.get.json" "$root/bin/monitor-token get" >/dev/null
  hyperfine --shell=none --style=none --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$work/$provider.lookup.json" "${lookup[*]}" >/dev/null
  get=$(median_ms "$work/$provider.get.json")
  look=$(median_ms "$work/$provider.lookup.json")
  rows+=("$provider|$get ms|$look ms|$(jq -n --argjson a "$get" --argjson b "$look" '$a / $b * 100 | round / 100')x")

  kill "$session_pid"; wait "$session_pid" || true
  session_pid=
done

echo
echo "Warm get per Secret Service provider (median of $RUNS runs; docs/keyring.md, \"Fast read across collections\")"
printf '%-14s %-22s %-22s %s\n' provider "monitor-token get" "secret-tool lookup" "get / lookup"
for row in "${rows[@]}"; do
  IFS='|' read -r p g l r <<<"$row"
  printf '%-14s %-22s %-22s %s\n' "$p" "$g" "$l" "$r"
done
