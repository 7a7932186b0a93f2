#!/usr/bin/env bash
# make bench, part three: `monitor-token proxy` side by side with direct
# requests to the emulator (docs/integrations.md, "Local proxy"), measured
# with wrk (Debian's package): the same PromQL query over TLS with
# keep-alive straight to the emulator, and over plain HTTP through the
# proxy, which keeps its own keep-alive TLS connections upstream; at 1 and
# at 32 connections. Budget: at most +1 ms added to the median latency, and
# at 32 connections at least 80% of the direct throughput. Then the proxy's
# peak resident memory after it streamed a 100 MB answer, against its peak
# before (it should not grow with the answer).
#
# The Monitor token goes to wrk through its environment (a Lua script reads
# it), never on a command line. Settings: BENCH_WRK_SECONDS (default 10)
# per run. Prints PASS or MISS per budget; exits non-zero only when it
# cannot measure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
SECONDS_PER_RUN=${BENCH_WRK_SECONDS:-10}
case $SECONDS_PER_RUN in '' | *[!0-9]*) echo "make bench: BENCH_WRK_SECONDS=$SECONDS_PER_RUN is not a number" >&2; exit 2 ;; esac
for bin in monitor-token monitor-emulator proxy-floor; do
  [ -x "$root/bin/$bin" ] || { echo "make bench: bin/$bin is missing: run \`make bench\`, which builds it" >&2; exit 1; }
done
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "make bench: installing wrk" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
  else
    echo "make bench: SKIPPING the proxy figures: wrk is not installed (apt-get install wrk)" >&2
    exit 0
  fi
fi

work=$(mktemp -d)
proxy_pid= floor_pid=
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  [ -n "$floor_pid" ] && kill "$floor_pid" 2>/dev/null || true
  [ -n "${emu_pid:-}" ] && kill "$emu_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
while read -r v; do
  case $v in MONITOR_TOKEN_* | IBMCLOUD_* | XDG_CONFIG_HOME | XDG_CACHE_HOME) unset "$v" ;; esac
done < <(compgen -e)
export LC_ALL=C HOME=$work/home
mkdir -p "$HOME" && chmod 0700 "$HOME"
. "$root/scripts/private-session.sh"
start_emulator "$work" bench

# A profile in the environment with no cache: no keyring is needed, and
# the proxy holds the token in memory either way.
export MONITOR_TOKEN_ENDPOINT=$EMU MONITOR_TOKEN_IAM_ENDPOINT=$EMU MONITOR_TOKEN_INSTANCE=$MONITOR_EMULATOR_INSTANCE
export MONITOR_TOKEN_CACHE=none IBMCLOUD_API_KEY=@$MONITOR_EMULATOR_APIKEY_FILE
BENCH_TOKEN=$("$root/bin/monitor-token" get)
export BENCH_TOKEN

"$root/bin/monitor-token" proxy --listen 127.0.0.1:0 2>"$work/proxy.log" &
proxy_pid=$!
PROXY=
for _ in $(seq 200); do
  PROXY=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/proxy.log" 2>/dev/null || true)
  [ -n "$PROXY" ] && break
  sleep 0.05
done
[ -n "$PROXY" ] || { echo "make bench: the proxy did not start:" >&2; cat "$work/proxy.log" >&2; exit 1; }

floor_port=$(awk -F: '{ print $NF + 1 }' <<<"$PROXY")
"$root/bin/proxy-floor" "$EMU" "127.0.0.1:$floor_port" 2>"$work/floor.log" &
floor_pid=$!
FLOOR=http://127.0.0.1:$floor_port
for _ in $(seq 200); do curl -s -o /dev/null "$FLOOR/" && break; sleep 0.05; done

# The direct runs carry the token; the proxied ones nothing.
cat >"$work/direct.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
LUA
query=/prometheus/api/v1/query?query=up

# run NAME URL CONNECTIONS [LUA]: median latency (ms) and requests/s.
run() {
  local name=$1 url=$2 conns=$3 lua=${4:-} threads=1 args=()
  [ "$conns" -gt 1 ] && threads=2
  [ -n "$lua" ] && args=(-s "$lua")
  wrk -t"$threads" -c"$conns" -d"${SECONDS_PER_RUN}s" --latency "${args[@]}" "$url" >"$work/$name.out"
  if grep -q 'Non-2xx' "$work/$name.out"; then
    echo "make bench: $name got answers other than 2xx:" >&2; cat "$work/$name.out" >&2; exit 1
  fi
  local p50 rps
  p50=$(awk '$1 == "50%" { v=$2; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 } printf "%.3f", v }' "$work/$name.out")
  rps=$(awk '$1 == "Requests/sec:" { printf "%.0f", $2 }' "$work/$name.out")
  echo "$p50 $rps"
}

read -r d1_p50 d1_rps < <(run direct-1 "$EMU$query" 1 "$work/direct.lua")
read -r p1_p50 p1_rps < <(run proxy-1 "$PROXY$query" 1)
read -r f1_p50 f1_rps < <(run floor-1 "$FLOOR$query" 1)
read -r d32_p50 d32_rps < <(run direct-32 "$EMU$query" 32 "$work/direct.lua")
read -r p32_p50 p32_rps < <(run proxy-32 "$PROXY$query" 32)
read -r f32_p50 f32_rps < <(run floor-32 "$FLOOR$query" 32)

# A service that takes its time, as IBM's does over a network (tens of
# milliseconds), rather than the emulator's microseconds on loopback.
delay=${BENCH_UPSTREAM_DELAY:-20ms}
curl -fsS -X POST -d '{"delay":"'"$delay"'","times":100000000}' "$EMU/_emulator/fault?route=GET%20/prometheus/api/v1/query"
read -r sd32_p50 sd32_rps < <(run slow-direct-32 "$EMU$query" 32 "$work/direct.lua")
read -r sp32_p50 sp32_rps < <(run slow-proxy-32 "$PROXY$query" 32)

peak_kib() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$proxy_pid/status"; }
before=$(peak_kib)
bytes=$(curl -sS --fail -o /dev/null -w '%{size_download}' "$PROXY/_emulator/bulk?bytes=104857600")
[ "$bytes" = 104857600 ] || { echo "make bench: the 100 MB answer came through as $bytes bytes" >&2; exit 1; }
after=$(peak_kib)

verdict() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; then echo PASS; else echo MISS; fi; }
added1=$(awk -v p="$p1_p50" -v d="$d1_p50" 'BEGIN { printf "%.3f", p - d }')
added32=$(awk -v p="$p32_p50" -v d="$d32_p50" 'BEGIN { printf "%.3f", p - d }')
share32=$(awk -v p="$p32_rps" -v d="$d32_rps" 'BEGIN { printf "%.0f", 100 * p / d }')

echo
echo "monitor-token proxy against direct TLS requests (wrk, ${SECONDS_PER_RUN}s per run, PromQL instant query on the emulator)"
printf '%-22s %-12s %-12s %-12s %-12s %-12s %-12s\n' "" "direct p50" "proxy p50" "floor p50" "direct r/s" "proxy r/s" "floor r/s"
printf '%-22s %-12s %-12s %-12s %-12s %-12s %-12s\n' "1 connection" "$d1_p50 ms" "$p1_p50 ms" "$f1_p50 ms" "$d1_rps" "$p1_rps" "$f1_rps"
printf '%-22s %-12s %-12s %-12s %-12s %-12s %-12s\n' "32 connections" "$d32_p50 ms" "$p32_p50 ms" "$f32_p50 ms" "$d32_rps" "$p32_rps" "$f32_rps"
printf '%-22s %-12s %-12s %-12s %-12s %-12s %-12s\n' "32, upstream +$delay" "$sd32_p50 ms" "$sp32_p50 ms" "" "$sd32_rps" "$sp32_rps" ""
echo "(floor: bench/proxy-floor, the standard library's reverse proxy with nothing added)"
echo "added p50 latency: ${added1} ms at 1 connection, ${added32} ms at 32 (budget +1 ms): $(verdict "$added1" 1) / $(verdict "$added32" 1)"
echo "throughput at 32 connections: ${share32}% of direct (budget >= 80%): $(verdict 80 "$share32"); the floor proxy reaches $(awk -v p="$f32_rps" -v d="$d32_rps" 'BEGIN { printf "%.0f", 100 * p / d }')%, monitor-token proxy $(awk -v p="$p32_rps" -v f="$f32_rps" 'BEGIN { printf "%.0f", 100 * p / f }')% of the floor"
sadded=$(awk -v p="$sp32_p50" -v d="$sd32_p50" 'BEGIN { printf "%.3f", p - d }')
sshare=$(awk -v p="$sp32_rps" -v d="$sd32_rps" 'BEGIN { printf "%.0f", 100 * p / d }')
echo "with the upstream taking $delay: +${sadded} ms p50 ($(verdict "$sadded" 1)), ${sshare}% of direct throughput ($(verdict 80 "$sshare"))"
echo "peak resident memory: $((before / 1024)) MiB before a 100 MB answer, $((after / 1024)) MiB after it"
