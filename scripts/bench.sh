#!/usr/bin/env bash
# make bench: the figures of the performance budget (docs/performance.md), on
# a real Secret Service, side by side.
#
# It starts what `make demo` starts (a private D-Bus session bus without
# activation, an unlocked gnome-keyring over a throw-away HOME, the IAM and
# Monitoring emulator on loopback), logs a profile in, and measures with
# hyperfine (--shell=none, N runs each after a warm-up; medians, min and max
# from --export-json):
#   a. a warm `monitor-token get` against the floor (bench/floor: one
#      go-keyring Get of the same item) and `secret-tool lookup`;
#   b. the same through git (`git credential fill`) and kubectl;
#   c. a cold `get` against the emulator: wall time and requests per run;
#   d. 32 parallel cold `get`s: wall time, requests, one token for all;
#   e. binary size and start-up cost (GODEBUG=inittrace=1), and the D-Bus
#      calls one warm read makes;
# then prints a summary and checks the budget (PASS/MISS; exit 0 either
# way). It exits non-zero only when it cannot measure: a missing tool, a
# keyring or emulator that does not come up, a command that prints the
# wrong token.
#
# Settings (environment):
#   BENCH_RUNS=50              timed runs per command
#   BENCH_WARMUP=5             warm-up runs per command
#   BENCH_ROUNDS=5             the runs are split into this many hyperfine
#                              runs in a row, each with every command of the
#                              comparison, and the medians are taken over all
#                              of them: hyperfine itself runs one command's
#                              runs, then the next one's, so without rounds a
#                              drift of the machine lands on one command
#                              (1: a single hyperfine run)
#   BENCH_PARALLEL=32          processes in the parallel cold get
#   BENCH_PARALLEL_ROUNDS=5    how many times the parallel cold get is run
#   BENCH_INITTRACE_RUNS=20    runs of GODEBUG=inittrace=1 (medians)
#   BENCH_JSON_TOOL=jq|python3 force the JSON reader (default: jq, else python3)
# Nothing here touches your own keyring, config or HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

RUNS=${BENCH_RUNS:-50}
WARMUP=${BENCH_WARMUP:-5}
ROUNDS=${BENCH_ROUNDS:-5}
PAR=${BENCH_PARALLEL:-32}
PAR_ROUNDS=${BENCH_PARALLEL_ROUNDS:-5}
TRACE_RUNS=${BENCH_INITTRACE_RUNS:-20}
for v in RUNS:BENCH_RUNS WARMUP:BENCH_WARMUP ROUNDS:BENCH_ROUNDS PAR:BENCH_PARALLEL PAR_ROUNDS:BENCH_PARALLEL_ROUNDS TRACE_RUNS:BENCH_INITTRACE_RUNS; do
  var=${v%%:*}
  case ${!var} in
    '' | *[!0-9]*) echo "make bench: ${v#*:}=${!var} is not a number" >&2; exit 2 ;;
  esac
done
[ "$ROUNDS" -ge 1 ] && [ "$RUNS" -ge "$ROUNDS" ] || { echo "make bench: need 1 <= BENCH_ROUNDS <= BENCH_RUNS" >&2; exit 2; }
[ "$PAR" -ge 2 ] && [ "$PAR_ROUNDS" -ge 1 ] && [ "$TRACE_RUNS" -ge 1 ] || { echo "make bench: BENCH_PARALLEL >= 2, BENCH_PARALLEL_ROUNDS >= 1 and BENCH_INITTRACE_RUNS >= 1" >&2; exit 2; }

# ---------------------------------------------------------------- tools
# hyperfine comes from Debian's packages; the keyring tools are the ones
# `make test` installs. Installed when missing and we can (root and apt-get),
# like scripts/test.sh; otherwise a clear message and exit 1.
declare -A pkg_of=(
  [hyperfine]=hyperfine [dbus-daemon]=dbus [dbus-send]=dbus-bin [gnome-keyring-daemon]=gnome-keyring
  [secret-tool]=libsecret-tools [git]=git [curl]=curl
)
need=()
for tool in "${!pkg_of[@]}"; do
  command -v "$tool" >/dev/null || need+=("${pkg_of[$tool]}")
done
json_tool=${BENCH_JSON_TOOL:-}
if [ -z "$json_tool" ]; then
  if command -v jq >/dev/null; then json_tool=jq
  elif command -v python3 >/dev/null; then json_tool=python3
  else need+=(jq); json_tool=jq
  fi
fi
if [ ${#need[@]} -gt 0 ]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "make bench: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "make bench: missing packages ${need[*]} and cannot install them (needs root and apt-get): install them, then run make bench again" >&2
    exit 1
  fi
fi
command -v "$json_tool" >/dev/null || { echo "make bench: BENCH_JSON_TOOL=$json_tool is not installed" >&2; exit 1; }
for bin in monitor-token monitor-emulator floor; do
  [ -x "$root/bin/$bin" ] || { echo "make bench: bin/$bin is missing: run \`make bench\`, which builds it" >&2; exit 1; }
done
have_kubectl=$(command -v kubectl >/dev/null && echo 1 || echo 0)
have_monitor=$(command -v dbus-monitor >/dev/null && echo 1 || echo 0)
have_input=$(hyperfine --help 2>&1 | grep -q -- '--input' && echo 1 || echo 0)

# ---------------------------------------------------------------- session
work=$(mktemp -d)
cleanup() {
  [ -n "${mon_pid:-}" ] && kill "$mon_pid" 2>/dev/null || true
  [ -n "${emu_pid:-}" ] && kill "$emu_pid" 2>/dev/null || true
  [ -n "${bus_pid:-}" ] && kill "$bus_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Nothing of the caller's own setup may leak in: no monitor-token or IBM
# Cloud settings, no git config, no keyring control socket of a desktop
# session (gnome-keyring-daemon --unlock would talk to it).
while read -r v; do
  case $v in
    MONITOR_TOKEN_* | IBMCLOUD_* | GIT_* | GNOME_KEYRING_* | XDG_CONFIG_HOME | XDG_CACHE_HOME | XDG_DATA_HOME | SSL_CERT_DIR) unset "$v" ;;
  esac
done < <(compgen -e)
export HOME=$work/home XDG_RUNTIME_DIR=$work/run GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 LC_ALL=C
mkdir -p "$HOME" "$work/bin" "$work/out"
chmod 0700 "$HOME" && mkdir -m 0700 "$XDG_RUNTIME_DIR"

# The commands by their plain names, the personalities as `make install`
# links them, first on PATH so no installed copy is measured instead.
ln -s "$root/bin/monitor-token" "$work/bin/monitor-token"
ln -s monitor-token "$work/bin/kubectl-monitor_token"
ln -s monitor-token "$work/bin/git-credential-monitor-token"
ln -s "$root/bin/floor" "$work/bin/floor"
export PATH="$work/bin:$PATH"

. "$root/scripts/private-session.sh"
start_private_session "$work" bench
emu_host=${EMU#https://}
emu_host=${emu_host%%/*}

control() { curl -fsS -X "$1" "$EMU/_emulator/$2"; }
# requests ROUTE: how many requests the emulator counted for ROUTE since the
# last reset-counts; total: all routes.
counts_json() { control GET counts; }
count_of() { # JSON ROUTE
  case $json_tool in
    jq) jq -r --arg r "$2" '.[$r] // 0' <<<"$1" ;;
    python3) python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], 0))' "$1" "$2" ;;
  esac
}
count_total() { # JSON
  case $json_tool in
    jq) jq -r '[.[]] | add // 0' <<<"$1" ;;
    python3) python3 -c 'import json,sys; print(sum(json.loads(sys.argv[1]).values()))' "$1" ;;
  esac
}
IAM_ROUTE='POST /identity/token'
TOKEN_ROUTE='GET /api/token'
ITEM=(service monitor-token username default/monitor-token)
clear_token() { secret-tool clear "${ITEM[@]}"; }

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
load_start=$(load)
echo "== setup: load average $load_start; private bus $DBUS_SESSION_BUS_ADDRESS, gnome-keyring $(gnome-keyring-daemon --version 2>/dev/null | awk 'NR == 1 { print $2 }'), emulator $EMU"
monitor-token login --endpoint "$EMU" --iam-endpoint "$EMU" --instance "$MONITOR_EMULATOR_CRN" \
  --team "$MONITOR_EMULATOR_TEAM" <"$MONITOR_EMULATOR_APIKEY_FILE" 2>"$work/login.err" ||
  { echo "make bench: login against the emulator failed:" >&2; cat "$work/login.err" >&2; exit 1; }
monitor-token setup-git 2>/dev/null
printf 'protocol=https\nhost=%s\n\n' "$emu_host" >"$work/git-request"

# Every command must hand out the token before its time means anything.
token=$(monitor-token get)
[ -n "$token" ] || { echo "make bench: monitor-token get printed nothing" >&2; exit 1; }
expect() { # NAME OUTPUT: OUTPUT must contain the token
  case $2 in *"$token"*) ;; *) echo "make bench: $1 did not print the cached token" >&2; exit 1 ;; esac
}
expect floor "$(floor)"
expect 'secret-tool lookup' "$(secret-tool lookup "${ITEM[@]}")"
expect 'git credential fill' "$(git credential fill <"$work/git-request")"
expect 'monitor-token git-credential get' "$(monitor-token git-credential --profile default get <"$work/git-request")"
[ "$have_kubectl" = 1 ] && expect 'kubectl monitor-token get' "$(kubectl monitor-token get)"

# ---------------------------------------------------------------- helpers
# hf NAME [hyperfine args...]: ROUNDS hyperfine runs of RUNS/ROUNDS runs
# each, exported as $work/NAME.N.json.
hf() {
  local name=$1 r per
  shift
  for r in $(seq "$ROUNDS"); do
    per=$((RUNS / ROUNDS + (r <= RUNS % ROUNDS ? 1 : 0)))
    # hyperfine's own report for the first round; the summary has the
    # figures of all of them.
    if [ "$r" = 1 ]; then
      [ "$ROUNDS" -gt 1 ] && echo "-- round 1 of $ROUNDS (hyperfine's report of this round only; the summary merges all rounds)"
      hyperfine --style basic --warmup "$WARMUP" --runs "$per" --export-json "$work/$name.$r.json" "$@"
    else
      hyperfine --style none --warmup "$WARMUP" --runs "$per" --export-json "$work/$name.$r.json" "$@"
      echo "-- round $r of $ROUNDS done"
    fi
  done
}
# times NAME: one "command<TAB>seconds" line per timed run, over all rounds.
times() {
  local f
  for f in "$work/$1".*.json; do
    case $json_tool in
      jq) jq -r '.results[] | .command as $c | .times[] | [$c, .] | @tsv' "$f" ;;
      python3) python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    for t in r["times"]:
        print("%s\t%r" % (r["command"], t))' "$f" ;;
    esac
  done
}
# stats NAME: "command<TAB>median<TAB>min<TAB>max<TAB>runs" in ms, in the
# order hyperfine ran them; the median of the runs of all rounds.
stats() {
  times "$1" | awk -F'\t' '!($1 in o) { o[$1] = ++n } { print o[$1] "\t" $1 "\t" $2 }' |
    sort -t"$(printf '\t')" -k1,1n -k3,3g |
    awk -F'\t' '
      function flush() { if (k) printf "%s\t%.2f\t%.2f\t%.2f\t%d\n", name, (k % 2 ? v[(k+1)/2] : (v[k/2] + v[k/2+1]) / 2) * 1000, v[1] * 1000, v[k] * 1000, k }
      $1 != cur { flush(); cur = $1; name = $2; k = 0 }
      { v[++k] = $3 }
      END { flush() }'
}
# median of numbers on stdin (one a line).
median() { sort -g | awk '{ v[++k] = $1 } END { if (k) printf "%.2f\n", k % 2 ? v[(k+1)/2] : (v[k/2] + v[k/2+1]) / 2 }'; }
# field NAME COMMAND COLUMN: one figure of stats NAME (2 median, 3 min, 4 max).
field() { awk -F'\t' -v c="$2" -v col="$3" '$1 == c { print $col }' "$work/$1.stats"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
now() { if [ -n "${EPOCHREALTIME:-}" ]; then echo "${EPOCHREALTIME/[,.]/}"; else echo $(($(date +%s%N) / 1000)); fi; }

summary=$work/summary.txt
say() { printf '%s\n' "$*" >>"$summary"; }
row() { # LABEL STATSNAME COMMAND [NOTE]
  printf '  %-48s %8s ms  [%s .. %s]%s\n' "$1" "$(field "$2" "$3" 2)" "$(field "$2" "$3" 3)" "$(field "$2" "$3" 4)" "${4:+  $4}" >>"$summary"
}

# ---------------------------------------------------------------- a. warm get
echo
echo "== a. warm get: monitor-token vs the floor vs secret-tool ($RUNS runs each, $WARMUP warm-up)"
hf warm -N \
  -n 'monitor-token get' 'monitor-token get' \
  -n 'floor (one go-keyring Get)' 'floor' \
  -n 'secret-tool lookup' "secret-tool lookup ${ITEM[*]}" \
  -n 'monitor-token version (start-up only)' 'monitor-token version' \
  -n 'floor -h (start-up only)' 'floor -h'
stats warm >"$work/warm.stats"

# ---------------------------------------------------------------- b. personalities
echo
echo "== b. the personalities: git credential fill, kubectl monitor-token get"
b_cmds=(
  -n 'monitor-token get' 'monitor-token get'
  -n 'floor (one go-keyring Get)' 'floor'
)
if [ "$have_input" = 1 ]; then
  b_mode="--shell=none, stdin from --input"
  b_opts=(-N --input "$work/git-request")
  b_cmds+=(
    -n 'git credential fill' 'git credential fill'
    -n 'monitor-token git-credential get (helper alone)' 'monitor-token git-credential --profile default get'
  )
else
  # hyperfine before 1.16 has no --input: the git commands need their
  # stdin from a file, so this run goes through sh, and hyperfine subtracts
  # the shell's own start-up (it measures it first).
  b_mode="through sh with hyperfine's shell-spawn correction (hyperfine $(hyperfine --version | awk '{print $2}') has no --input)"
  b_opts=()
  b_cmds+=(
    -n 'git credential fill' "git credential fill < $work/git-request"
    -n 'monitor-token git-credential get (helper alone)' "monitor-token git-credential --profile default get < $work/git-request"
  )
fi
if [ "$have_kubectl" = 1 ]; then
  b_cmds+=(-n 'kubectl monitor-token get' 'kubectl monitor-token get')
else
  echo "   (kubectl is not installed: kubectl monitor-token get is skipped)"
fi
echo "   ($b_mode)"
hf personalities "${b_opts[@]}" "${b_cmds[@]}"
stats personalities >"$work/personalities.stats"

# ---------------------------------------------------------------- c. cold get
echo
echo "== c. cold get against the emulator on loopback (the cached token is deleted before each run)"
control POST reset-counts
hf cold -N --prepare "secret-tool clear ${ITEM[*]}" -n 'monitor-token get (cold)' 'monitor-token get'
stats cold >"$work/cold.stats"
c_counts=$(counts_json)
c_runs=$((RUNS + ROUNDS * WARMUP))
c_iam=$(count_of "$c_counts" "$IAM_ROUTE")
c_tok=$(count_of "$c_counts" "$TOKEN_ROUTE")
c_total=$(count_total "$c_counts")
expect 'monitor-token get after the cold runs' "$(monitor-token get)"
echo "   requests: $c_counts over $c_runs runs (warm-up included)"

# ---------------------------------------------------------------- d. parallel cold get
echo
echo "== d. $PAR parallel cold gets, $PAR_ROUNDS rounds"
par_ok=1
par_same=1
par_counts=()
: >"$work/parallel.walls"
for r in $(seq "$PAR_ROUNDS"); do
  clear_token
  control POST reset-counts
  rm -f "$work/out"/*
  pids=()
  t0=$(now)
  for i in $(seq "$PAR"); do
    monitor-token get >"$work/out/$i.out" 2>"$work/out/$i.err" &
    pids+=($!)
  done
  fails=0
  for pid in "${pids[@]}"; do wait "$pid" || fails=$((fails + 1)); done
  t1=$(now)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1000 }')
  echo "$wall" >>"$work/parallel.walls"
  cj=$(counts_json)
  n=$(count_total "$cj")
  par_counts+=("$n")
  [ "$n" = 2 ] && [ "$(count_of "$cj" "$IAM_ROUTE")" = 1 ] && [ "$(count_of "$cj" "$TOKEN_ROUTE")" = 1 ] || par_ok=0
  distinct=$(cat "$work/out"/*.out | sort -u | wc -l)
  [ "$fails" = 0 ] && [ "$distinct" = 1 ] && [ "$(cat "$work/out/1.out")" = "$token" ] || par_same=0
  echo "   round $r: ${wall} ms wall, requests $cj, $fails failed, $distinct distinct token(s)"
  if [ "$fails" != 0 ]; then
    echo "   first error: $(cat "$work/out"/*.err | head -1)"
  fi
done
# The same number of warm gets at once, for scale: what the processes cost
# on this many CPUs without any fetch or lock wait.
: >"$work/parallel-warm.walls"
for r in $(seq "$PAR_ROUNDS"); do
  pids=()
  t0=$(now)
  for i in $(seq "$PAR"); do
    monitor-token get >"$work/out/$i.out" 2>"$work/out/$i.err" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || { echo "make bench: a parallel warm get failed: $(cat "$work/out"/*.err | head -1)" >&2; exit 1; }; done
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) / 1000 }' >>"$work/parallel-warm.walls"
done
echo "   for scale, $PAR parallel warm gets: $(tr '\n' ' ' <"$work/parallel-warm.walls")ms"
par_median=$(median <"$work/parallel.walls")
par_min=$(sort -g "$work/parallel.walls" | head -1)
par_max=$(sort -g "$work/parallel.walls" | tail -1)
expect 'monitor-token get after the parallel runs' "$(monitor-token get)"

# ---------------------------------------------------------------- e. size and start-up
echo
echo "== e. binary size and start-up (GODEBUG=inittrace=1, $TRACE_RUNS runs, medians)"
size_of() { stat -L -c %s "$1"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB", b / 1048576 }'; }
size_mt=$(size_of "$root/bin/monitor-token")
size_floor=$(size_of "$root/bin/floor")
size_st=$(size_of "$(command -v secret-tool)")

# One "run<TAB>package<TAB>clock ms<TAB>bytes<TAB>allocs" line per init.
# An inittrace line: "init PKG @0.012 ms, 0.034 ms clock, 512 bytes, 7 allocs".
inittrace() { # OUT CMD...
  local out=$1 i
  shift
  : >"$out"
  for i in $(seq "$TRACE_RUNS"); do
    GODEBUG=inittrace=1 "$@" 2>&1 >/dev/null | awk -v run="$i" '$1 == "init" && $7 == "clock," { print run "\t" $2 "\t" $5 "\t" $8 "\t" $10 }' >>"$out"
  done
}
inittrace "$work/trace.mt" monitor-token version
inittrace "$work/trace.floor" floor
# Per run: the sum of all init clocks; its median over the runs.
init_total() { awk -F'\t' '{ s[$1] += $3 } END { for (r in s) print s[r] }' "$1" | median; }
init_count() { awk -F'\t' '$1 == 1' "$1" | wc -l; }
# Module of a package path: the first three elements for github.com and
# golang.org/x, two for other hosts (plus a /vN suffix); "std" otherwise.
module_awk='function module(p,   a, n, m) {
  n = split(p, a, "/")
  if (a[1] !~ /\./) return "std"
  m = (a[1] == "github.com" || a[1] == "golang.org") ? 3 : 2
  if (n < m) m = n
  p = a[1]; for (i = 2; i <= m; i++) p = p "/" a[i]
  if (n > m && a[m+1] ~ /^v[0-9]+$/) p = p "/" a[m+1]
  return p
}'
# top FILE KEY N: the N largest medians (over runs) of the per-run sums by
# KEY (pkg or module): "ms<TAB>key<TAB>bytes<TAB>allocs".
top() {
  awk -F'\t' -v key="$2" "$module_awk"'
    { k = key == "module" ? module($2) : $2; ms[$1 SUBSEP k] += $3; by[$1 SUBSEP k] += $4; al[$1 SUBSEP k] += $5; keys[k] = 1; runs[$1] = 1 }
    END { for (r in runs) for (k in keys) print k "\t" ms[r SUBSEP k] + 0 "\t" by[r SUBSEP k] + 0 "\t" al[r SUBSEP k] + 0 }' "$1" |
    sort -t"$(printf '\t')" -k1,1 -k2,2g |
    awk -F'\t' '
      function flush() { if (n) printf "%.3f\t%s\t%d\t%d\n", (n % 2 ? m[(n+1)/2] : (m[n/2] + m[n/2+1]) / 2), cur, b[int((n+1)/2)], a[int((n+1)/2)] }
      $1 != cur { flush(); cur = $1; n = 0 }
      { m[++n] = $2; b[n] = $3; a[n] = $4 }
      END { flush() }' |
    sort -t"$(printf '\t')" -k1,1gr | awk -v n="$3" 'NR <= n' # reads all: head would end sort with SIGPIPE, which pipefail turns into a failure
}
init_mt=$(init_total "$work/trace.mt")
init_floor=$(init_total "$work/trace.floor")
top "$work/trace.mt" pkg 12 >"$work/top.pkg"
top "$work/trace.mt" module 10 >"$work/top.module"
echo "   monitor-token: $(mib "$size_mt"), $(init_count "$work/trace.mt") packages with init work, ${init_mt} ms of init"
echo "   floor:         $(mib "$size_floor"), $(init_count "$work/trace.floor") packages with init work, ${init_floor} ms of init"

# ---------------------------------------------------------------- f. keyring round trips
# Which D-Bus calls one warm read makes, watched with dbus-monitor on the
# private bus: calls to the Secret Service, and to the bus itself (Hello,
# AddMatch, ...).
dbus_calls() { # NAME CMD...: "N secret-service calls (members), M bus calls"
  local log=$work/dbus.$1 keyring_owner
  shift
  keyring_owner=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetNameOwner string:org.freedesktop.secrets | awk -F'"' '/string/ { print $2 }')
  dbus-monitor --session --monitor "type='method_call'" >"$log" 2>&1 &
  mon_pid=$!
  for _ in $(seq 100); do grep -q NameAcquired "$log" 2>/dev/null && break; sleep 0.02; done
  sleep 0.2
  "$@" >/dev/null
  sleep 0.3
  kill "$mon_pid" 2>/dev/null || true
  wait "$mon_pid" 2>/dev/null || true
  mon_pid=
  awk -v ko="$keyring_owner" '
    /^method call/ {
      dest = ""; member = ""
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^destination=/) dest = substr($i, 13)
        if ($i ~ /^member=/) member = substr($i, 8)
      }
      if (member == "BecomeMonitor") next
      if (dest == "org.freedesktop.secrets" || dest == ko) { ss++; list = list (list ? "," : "") member }
      else if (dest == "org.freedesktop.DBus") bus++
    }
    END { printf "%d Secret Service calls (%s); calls to the bus: %d", ss, list, bus }' "$log"
}
if [ "$have_monitor" = 1 ]; then
  echo
  echo "== f. D-Bus calls of one warm read (dbus-monitor on the private bus)"
  calls_mt=$(dbus_calls mt monitor-token get)
  calls_floor=$(dbus_calls floor floor)
  calls_st=$(dbus_calls st secret-tool lookup "${ITEM[@]}")
  echo "   monitor-token get:  $calls_mt"
  echo "   floor:              $calls_floor"
  echo "   secret-tool lookup: $calls_st"
fi

# ---------------------------------------------------------------- summary
mt=$(field warm 'monitor-token get' 2)
fl=$(field warm 'floor (one go-keyring Get)' 2)
st=$(field warm 'secret-tool lookup' 2)
ver=$(field warm 'monitor-token version (start-up only)' 2)
flh=$(field warm 'floor -h (start-up only)' 2)
r_floor=$(ratio "$mt" "$fl")
r_st=$(ratio "$mt" "$st")
bmt=$(field personalities 'monitor-token get' 2)
bfl=$(field personalities 'floor (one go-keyring Get)' 2)

say ""
say "== Summary: median [min .. max] of $RUNS runs each after $WARMUP warm-up runs$([ "$ROUNDS" -gt 1 ] && echo ", in $ROUNDS alternating rounds")"
say "   $(nproc) CPUs; load average before the runs: $load_start (other work on the machine shows in the figures)"
say "a. warm get (--shell=none)"
row 'monitor-token get' warm 'monitor-token get' "${r_floor}x floor, ${r_st}x secret-tool"
row 'floor (one go-keyring Get)' warm 'floor (one go-keyring Get)'
row 'secret-tool lookup' warm 'secret-tool lookup'
row 'monitor-token version (start-up only)' warm 'monitor-token version (start-up only)' "$(ratio "$ver" "$flh")x floor -h"
row 'floor -h (start-up only)' warm 'floor -h (start-up only)'
say "   where the warm get goes: start-up (version) ${ver} ms vs the floor's ${flh} ms: +$(awk -v a="$ver" -v b="$flh" 'BEGIN { printf "%.2f", a - b }') ms;"
say "   keyring read + config (get - version) $(awk -v a="$mt" -v b="$ver" 'BEGIN { printf "%.2f", a - b }') ms vs the floor's (floor - floor -h) $(awk -v a="$fl" -v b="$flh" 'BEGIN { printf "%.2f", a - b }') ms"
say "b. personalities ($b_mode)"
row 'monitor-token get' personalities 'monitor-token get' "$(ratio "$bmt" "$bfl")x floor"
row 'floor (one go-keyring Get)' personalities 'floor (one go-keyring Get)'
for c in 'git credential fill' 'monitor-token git-credential get (helper alone)' 'kubectl monitor-token get'; do
  v=$(field personalities "$c" 2)
  [ -n "$v" ] && row "$c" personalities "$c" "$(ratio "$v" "$bmt")x get, $(ratio "$v" "$bfl")x floor"
done
[ "$have_kubectl" = 1 ] || say "  kubectl monitor-token get                    skipped: kubectl is not installed"
say "c. cold get against the emulator on loopback (item deleted before each run)"
row 'monitor-token get (cold)' cold 'monitor-token get (cold)' "$(ratio "$(field cold 'monitor-token get (cold)' 2)" "$mt")x warm get"
say "   requests: $c_total in $c_runs runs ($c_iam IAM, $c_tok /api/token) = $(awk -v a="$c_total" -v b="$c_runs" 'BEGIN { printf "%.2f", a / b }') per run"
say "d. $PAR parallel cold gets, $PAR_ROUNDS rounds"
say "$(printf '  %-48s %8s ms  [%s .. %s]' 'wall time of all of them' "$par_median" "$par_min" "$par_max")"
say "   requests per round: ${par_counts[*]}; one token for all, the one cached: $([ "$par_same" = 1 ] && echo yes || echo NO)"
say "$(printf '  %-48s %8s ms  [%s .. %s]' "for scale: $PAR parallel warm gets" "$(median <"$work/parallel-warm.walls")" "$(sort -g "$work/parallel-warm.walls" | head -1)" "$(sort -g "$work/parallel-warm.walls" | tail -1)")"
say "e. binary size and start-up"
say "   size: monitor-token $(mib "$size_mt") ($size_mt bytes), floor $(mib "$size_floor"), secret-tool $(awk -v b="$size_st" 'BEGIN { printf "%.1f KiB", b / 1024 }') (+ libsecret, glib)"
say "   init (GODEBUG=inittrace=1 monitor-token version, median of $TRACE_RUNS): ${init_mt} ms in $(init_count "$work/trace.mt") packages; the floor: ${init_floor} ms in $(init_count "$work/trace.floor")"
say "   top packages by init time (ms, bytes allocated, allocs):"
while IFS=$'\t' read -r ms pkg by al; do say "$(printf '     %7.3f ms  %-58s %9d B %6d allocs' "$ms" "$pkg" "$by" "$al")"; done <"$work/top.pkg"
say "   by module:"
while IFS=$'\t' read -r ms pkg by al; do say "$(printf '     %7.3f ms  %-58s %9d B %6d allocs' "$ms" "$pkg" "$by" "$al")"; done <"$work/top.module"
if [ "$have_monitor" = 1 ]; then
  say "f. D-Bus calls of one warm read"
  say "   monitor-token get:  $calls_mt"
  say "   floor:              $calls_floor"
  say "   secret-tool lookup: $calls_st"
fi

verdict() { # OK LABEL DETAIL
  if [ "$1" = 1 ]; then say "PASS  $2: $3"; else say "MISS  $2: $3"; misses+=("$2"); fi
}
misses=()
say ""
say "== Budget"
verdict "$(awk -v a="$mt" -v b="$fl" 'BEGIN { print (a <= 1.5 * b) ? 1 : 0 }')" \
  'warm get <= 1.5x the floor' "${r_floor}x (${mt} ms vs ${fl} ms; the budget is $(awk -v b="$fl" 'BEGIN { printf "%.2f", 1.5 * b }') ms)"
verdict "$(awk -v a="$mt" -v b="$st" 'BEGIN { print (a < b) ? 1 : 0 }')" \
  'warm get < secret-tool lookup' "${r_st}x (${mt} ms vs ${st} ms)"
verdict "$([ "$c_iam" = "$c_runs" ] && [ "$c_tok" = "$c_runs" ] && [ "$c_total" = $((2 * c_runs)) ] && echo 1 || echo 0)" \
  'cold get = 2 requests' "$c_total requests in $c_runs runs ($c_iam IAM + $c_tok /api/token)"
verdict "$par_ok" "$PAR parallel cold gets = 2 requests" "per round: ${par_counts[*]}"
verdict "$par_same" "$PAR parallel cold gets print one token" "$([ "$par_same" = 1 ] && echo "all $PAR, every round" || echo "some failed or differed: see round lines above")"
if [ ${#misses[@]} -eq 0 ]; then
  say "the budget is met"
else
  say "missed: $(printf '%s; ' "${misses[@]}")(exit 0 all the same: these are measurements)"
fi
echo
cat "$summary"
