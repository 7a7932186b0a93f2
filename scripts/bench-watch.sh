#!/usr/bin/env bash
# make bench, the token file's part: how long `get --output FILE --watch`
# takes to exit after SIGTERM (a kubelet ending the sidecar), idle and with
# a check in flight (the emulator holds GET /api/token for 10 s), and its
# exit status, which must be 0 (docs/remote-write.md). The requests a watch
# makes in an hour are measured by TestWatchRequestsPerHour instead
# (go test ./internal/commands -run TestWatchRequestsPerHour -v).
# BENCH_WATCH_RUNS (default 5) runs of each. A profile from the environment:
# no keyring, nothing cached, as in a pod.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
RUNS=${BENCH_WATCH_RUNS:-5}
case $RUNS in '' | *[!0-9]*) echo "make bench: BENCH_WATCH_RUNS=$RUNS is not a number" >&2; exit 2 ;; esac
for tool in curl; do
  command -v "$tool" >/dev/null || { echo "make bench: the watch measurement needs $tool" >&2; exit 1; }
done

dir=$(mktemp -d)
cleanup() {
  [ -n "${watch_pid:-}" ] && kill "$watch_pid" 2>/dev/null || true
  [ -n "${emu_pid:-}" ] && kill "$emu_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
. "$root/scripts/private-session.sh"
start_emulator "$dir" bench
export HOME=$dir/home IBMCLOUD_API_KEY=@$MONITOR_EMULATOR_APIKEY_FILE MONITOR_TOKEN_ENDPOINT=$EMU \
  MONITOR_TOKEN_IAM_ENDPOINT=$EMU MONITOR_TOKEN_INSTANCE=$MONITOR_EMULATOR_INSTANCE MONITOR_TOKEN_CACHE=none
mkdir -p "$HOME" && mkdir -m 0700 "$dir/run"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
bad=0
echo "== get --watch: SIGTERM to exit (ms), $RUNS runs each"
for mode in idle in-flight; do
  times=()
  for _ in $(seq "$RUNS"); do
    rm -f "$dir/run/token"
    "$root/bin/monitor-token" get --output "$dir/run/token" --watch --check-every 1s 2>"$dir/watch.log" &
    watch_pid=$!
    for _ in $(seq 250); do grep -q '^monitor-token: watching' "$dir/watch.log" 2>/dev/null && break; sleep 0.02; done
    grep -q '^monitor-token: watching' "$dir/watch.log" || { echo "make bench: the watch did not start:" >&2; cat "$dir/watch.log" >&2; exit 1; }
    if [ "$mode" = in-flight ]; then
      curl -sS -X POST --data '{"delay":"10s","times":1}' "$EMU/_emulator/fault?route=GET%20/api/token"
      sleep 1.3 # the check at 1 s is now waiting on the emulator
    else
      sleep 0.3
    fi
    t0=$(date +%s%N)
    kill -TERM "$watch_pid"
    rc=0; wait "$watch_pid" || rc=$?
    watch_pid=
    times+=("$(ms "$t0")")
    if [ "$rc" != 0 ]; then
      echo "make bench: the watch exited $rc after SIGTERM ($mode):" >&2; cat "$dir/watch.log" >&2; bad=1
    fi
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
  echo "$mode: ${sorted}(exit 0 expected; $( [ $bad = 0 ] && echo PASS || echo MISS ))"
done
