#!/usr/bin/env bash
# make bench, part three: `monitor-token proxy` side by side with direct
# requests to the emulator (docs/integrations.md, "Local proxy"), with
# bench/proxy-floor (the standard library's reverse proxy and nothing else)
# and with nginx (Debian's package) set up as a user would by hand
# (bench/nginx-proxy/nginx.conf), measured with wrk (Debian's package): the
# same PromQL query over TLS with keep-alive straight to the emulator, and
# over plain HTTP through each proxy, which keeps its own keep-alive TLS
# connections upstream; at 1 and at 32 connections, then at 32 with the
# emulator taking 5 ms per answer. For each proxy also the CPU time its
# process spent per request (utime + stime, proc(5); nginx's master and
# workers summed). Budgets (docs/performance.md, "Proxy"): CPU per request
# at most 0.8x the floor's; with the 5 ms upstream at least 90% of the
# direct throughput and at most +0.5 ms p50; +1 ms p50 at 1 connection.
# Then the proxy's peak resident memory after it streamed a 100 MB answer,
# against its peak before (it should not grow with the answer).
#
# The Monitor token goes to wrk and proxy-floor through their environment
# and to nginx through a file of mode 0600 in the bench's temporary
# directory, never on a command line. Settings: BENCH_WRK_SECONDS (default
# 10) per run; BENCH_PROXY_PROFILE=FILE also profiles monitor-token proxy
# (bin/proxy-profile) for one run at 32 connections, writes the CPU profile
# to FILE and prints `go tool pprof -top` of it. Prints PASS or MISS per
# budget; exits non-zero only when it cannot measure.
set -euo pipefail
PROFILE=${BENCH_PROXY_PROFILE:-}
case $PROFILE in '' | /*) ;; *) PROFILE=$PWD/$PROFILE ;; esac
cd "$(dirname "$0")/.."
root=$PWD
SECONDS_PER_RUN=${BENCH_WRK_SECONDS:-10}
case $SECONDS_PER_RUN in '' | *[!0-9]*) echo "make bench: BENCH_WRK_SECONDS=$SECONDS_PER_RUN is not a number" >&2; exit 2 ;; esac
bins=(monitor-token monitor-emulator proxy-floor)
[ -n "$PROFILE" ] && bins+=(proxy-profile)
for bin in "${bins[@]}"; do
  [ -x "$root/bin/$bin" ] || { echo "make bench: bin/$bin is missing: run \`make bench\`, which builds it" >&2; exit 1; }
done
# nginx is in /usr/sbin, which a user's PATH may lack.
nginx_bin=$(PATH=$PATH:/usr/sbin command -v nginx || true)
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[ -n "$nginx_bin" ] || missing+=(nginx)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    # Where systemd runs, Debian's nginx package also starts its own
    # service on port 80; the bench starts another nginx of its own.
    echo "make bench: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    nginx_bin=$(PATH=$PATH:/usr/sbin command -v nginx)
  else
    echo "make bench: SKIPPING the proxy figures: ${missing[*]} not installed (apt-get install ${missing[*]})" >&2
    exit 0
  fi
fi

work=$(mktemp -d)
proxy_pid= floor_pid= nginx_pid= profile_pid=
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  [ -n "$floor_pid" ] && kill "$floor_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  [ -n "$profile_pid" ] && kill "$profile_pid" 2>/dev/null || true
  [ -n "${emu_pid:-}" ] && kill "$emu_pid" 2>/dev/null || true
  # nginx's master stops its workers on SIGTERM; wait so that none is left
  # writing into the directory removed below.
  [ -n "$nginx_pid" ] && wait "$nginx_pid" 2>/dev/null || true
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

# start_monitor_token PROGRAM LOG: `PROGRAM proxy` on a free port; sets
# started_pid and started_url.
start_monitor_token() {
  "$1" proxy --listen 127.0.0.1:0 2>"$2" &
  started_pid=$! started_url=
  for _ in $(seq 200); do
    started_url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$2" 2>/dev/null || true)
    [ -n "$started_url" ] && return
    sleep 0.05
  done
  echo "make bench: the proxy did not start:" >&2; cat "$2" >&2; exit 1
}
start_monitor_token "$root/bin/monitor-token" "$work/proxy.log"
proxy_pid=$started_pid PROXY=$started_url

wait_http() {
  for _ in $(seq 200); do curl -s -o /dev/null "$1/" && return; sleep 0.05; done
  echo "make bench: nothing answers on $1:" >&2; cat "$2" >&2; exit 1
}
proxy_port=${PROXY##*:}
floor_port=$((proxy_port + 1)) nginx_port=$((proxy_port + 2))
"$root/bin/proxy-floor" "$EMU" "127.0.0.1:$floor_port" 2>"$work/floor.log" &
floor_pid=$!
FLOOR=http://127.0.0.1:$floor_port
wait_http "$FLOOR" "$work/floor.log"

# nginx: its configuration from the template, the token in a file of its
# own that only this user can read (printf is the shell's, so the token is
# on no command line).
ngx=$work/nginx
mkdir -m 0700 "$ngx"
(umask 077 && printf 'proxy_set_header Authorization "Bearer %s";\n' "$BENCH_TOKEN" >"$ngx/authorization.conf")
emu_hostport=${EMU#https://}
emu_hostport=${emu_hostport%%/*}
sed -e "s|@DIR@|$ngx|g" -e "s|@LISTEN@|127.0.0.1:$nginx_port|g" \
  -e "s|@UPSTREAM@|$emu_hostport|g" -e "s|@UPSTREAM_NAME@|localhost|g" \
  -e "s|@CA_FILE@|$MONITOR_EMULATOR_CERT_FILE|g" "$root/bench/nginx-proxy/nginx.conf" >"$ngx/nginx.conf"
"$nginx_bin" -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/error.log" 2>"$work/nginx.log" &
nginx_pid=$!
NGINX=http://127.0.0.1:$nginx_port
wait_http "$NGINX" "$work/nginx.log"
nginx_pids() { echo "$nginx_pid" $(pgrep -P "$nginx_pid"); }

# The direct runs carry the token; the proxied ones nothing.
cat >"$work/direct.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
LUA
query=/prometheus/api/v1/query?query=up

# cpu_ticks PID...: the CPU time the processes spent, user and system, in
# clock ticks: fields 14 and 15 of /proc/PID/stat (proc(5)), counted from
# after the ')' that ends field 2, the name, which may hold spaces.
cpu_ticks() {
  local total=0 pid stat f
  for pid in "$@"; do
    stat=$(<"/proc/$pid/stat")
    read -r -a f <<<"${stat##*) }"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
ticks_per_second=$(getconf CLK_TCK)

# run NAME URL CONNECTIONS LUA [PID...]: sets P50[NAME] (median latency,
# ms), RPS[NAME] (requests/s) and CPU[NAME] (CPU microseconds per request
# of the processes PID..., or "-").
declare -A P50 RPS CPU
run() {
  local name=$1 url=$2 conns=$3 lua=$4 threads=1 args=() before=0 after=0
  shift 4
  [ "$conns" -gt 1 ] && threads=2
  [ -n "$lua" ] && args=(-s "$lua")
  # The emulator keeps a copy of every request it answers; cleared, each
  # run starts from the same emulator, not one whose record (and garbage
  # collection) grew with the runs before.
  curl -fsS -X POST "$EMU/_emulator/reset-counts"
  [ $# -gt 0 ] && before=$(cpu_ticks "$@")
  wrk -t"$threads" -c"$conns" -d"${SECONDS_PER_RUN}s" --latency "${args[@]}" "$url" >"$work/$name.out"
  [ $# -gt 0 ] && after=$(cpu_ticks "$@")
  if grep -q 'Non-2xx' "$work/$name.out"; then
    echo "make bench: $name got answers other than 2xx:" >&2; cat "$work/$name.out" >&2; exit 1
  fi
  P50[$name]=$(awk '$1 == "50%" { v=$2; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 } printf "%.3f", v }' "$work/$name.out")
  RPS[$name]=$(awk '$1 == "Requests/sec:" { printf "%.0f", $2 }' "$work/$name.out")
  CPU[$name]=-
  if [ $# -gt 0 ]; then
    CPU[$name]=$(awk -v t=$((after - before)) -v hz="$ticks_per_second" '$2 == "requests" && $3 == "in" { printf "%.0f", t * 1e6 / hz / $1 }' "$work/$name.out")
  fi
}

# Each load against the four: direct, monitor-token proxy, floor, nginx.
run_all() {
  local tag=$1 conns=$2
  run "direct-$tag" "$EMU$query" "$conns" "$work/direct.lua"
  run "proxy-$tag" "$PROXY$query" "$conns" "" "$proxy_pid"
  run "floor-$tag" "$FLOOR$query" "$conns" "" "$floor_pid"
  run "nginx-$tag" "$NGINX$query" "$conns" "" $(nginx_pids)
}
run_all 1 1
run_all 32 32

if [ -n "$PROFILE" ]; then
  # A second monitor-token proxy, the same program built with a CPU
  # profile from start to exit (bench/proxy-profile), under the same load.
  BENCH_CPUPROFILE=$PROFILE start_monitor_token "$root/bin/proxy-profile" "$work/profile.log"
  profile_pid=$started_pid
  run profile-32 "$started_url$query" 32 "" "$profile_pid"
  kill -TERM "$profile_pid" && wait "$profile_pid" || true
  profile_pid=
fi

# A service that takes its time, as IBM's does over a network, rather than
# the emulator's microseconds on loopback.
delay=5ms
curl -fsS -X POST -d '{"delay":"'"$delay"'","times":100000000}' "$EMU/_emulator/fault?route=GET%20/prometheus/api/v1/query"
run_all slow 32

peak_kib() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$proxy_pid/status"; }
before=$(peak_kib)
bytes=$(curl -sS --fail -o /dev/null -w '%{size_download}' "$PROXY/_emulator/bulk?bytes=104857600")
[ "$bytes" = 104857600 ] || { echo "make bench: the 100 MB answer came through as $bytes bytes" >&2; exit 1; }
after=$(peak_kib)

verdict() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; then echo PASS; else echo MISS; fi; }
share() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", 100 * a / b }'; }
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", a - b }'; }

echo
echo "Proxies against direct TLS requests (wrk, ${SECONDS_PER_RUN}s per run, PromQL instant query on the emulator)"
printf '%-26s %-22s %10s %8s %10s %10s\n' load via "p50 ms" "req/s" "of direct" "CPU us/req"
for tag in 1 32 slow; do
  case $tag in 1) load="1 connection" ;; 32) load="32 connections" ;; slow) load="32, upstream +$delay" ;; esac
  for via in direct proxy floor nginx; do
    case $via in direct) what="direct" ;; proxy) what="monitor-token proxy" ;; floor) what="floor" ;; nginx) what="nginx" ;; esac
    n=$via-$tag
    printf '%-26s %-22s %10s %8s %9s%% %10s\n' "$load" "$what" "${P50[$n]}" "${RPS[$n]}" "$(share "${RPS[$n]}" "${RPS[direct-$tag]}")" "${CPU[$n]}"
    load=
  done
done
if [ -n "$PROFILE" ]; then
  printf '%-26s %-22s %10s %8s %9s%% %10s\n' "32 connections" "proxy-profile" "${P50[profile-32]}" "${RPS[profile-32]}" "$(share "${RPS[profile-32]}" "${RPS[direct-32]}")" "${CPU[profile-32]}"
fi
echo "(floor: bench/proxy-floor, the standard library's reverse proxy with nothing added; nginx: bench/nginx-proxy/nginx.conf; CPU: utime + stime of the proxy's processes per request)"

cpu_ratio=$(awk -v p="${CPU[proxy-32]}" -v f="${CPU[floor-32]}" 'BEGIN { printf "%.2f", p / f }')
nginx_ratio=$(awk -v p="${CPU[proxy-32]}" -v n="${CPU[nginx-32]}" 'BEGIN { printf "%.1f", p / n }')
echo "CPU per request at 32 connections: ${CPU[proxy-32]} us, ${cpu_ratio}x the floor's ${CPU[floor-32]} us (budget <= 0.8x): $(verdict "$cpu_ratio" 0.8); ${nginx_ratio}x nginx's ${CPU[nginx-32]} us (heading for 2x)"
sshare=$(share "${RPS[proxy-slow]}" "${RPS[direct-slow]}")
sadded=$(added "${P50[proxy-slow]}" "${P50[direct-slow]}")
echo "with the upstream taking $delay, at 32 connections: ${sshare}% of direct throughput (budget >= 90%): $(verdict 90 "$sshare"); ${sadded} ms p50 (budget +0.5 ms): $(verdict "$sadded" 0.5); nginx $(share "${RPS[nginx-slow]}" "${RPS[direct-slow]}")% and $(added "${P50[nginx-slow]}" "${P50[direct-slow]}") ms, the floor $(share "${RPS[floor-slow]}" "${RPS[direct-slow]}")% and $(added "${P50[floor-slow]}" "${P50[direct-slow]}") ms"
added1=$(added "${P50[proxy-1]}" "${P50[direct-1]}")
echo "added p50 latency at 1 connection: ${added1} ms (budget +1 ms): $(verdict "$added1" 1)"
echo "peak resident memory: $((before / 1024)) MiB before a 100 MB answer, $((after / 1024)) MiB after it"
if [ -n "$PROFILE" ]; then
  echo
  echo "CPU profile of monitor-token proxy at 32 connections ($PROFILE):"
  "${GO:-go}" tool pprof -top -nodecount=35 "$root/bin/proxy-profile" "$PROFILE" 2>/dev/null
fi
