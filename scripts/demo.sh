#!/usr/bin/env bash
# make demo: the real monitor-token against the IAM and Monitoring emulator,
# in a private keyring session, for someone without an IBM Cloud account.
# Nothing here touches your own keyring, config or HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

for tool in dbus-daemon gnome-keyring-daemon secret-tool curl; do
  command -v "$tool" >/dev/null || {
    echo "make demo needs $tool: apt-get install gnome-keyring dbus libsecret-tools curl (make test installs the first three)" >&2
    exit 1
  }
done

demo=$(mktemp -d)
cleanup() {
  [ -n "${proxy_pid:-}" ] && kill "$proxy_pid" 2>/dev/null || true
  [ -n "${watch_pid:-}" ] && kill "$watch_pid" 2>/dev/null || true
  [ -n "${emu_pid:-}" ] && kill "$emu_pid" 2>/dev/null || true
  [ -n "${bus_pid:-}" ] && kill "$bus_pid" 2>/dev/null || true
  rm -rf "$demo"
}
trap cleanup EXIT

. "$root/scripts/private-session.sh"
start_private_session "$demo" demo
export PATH="$root/bin:$PATH"
EMU=$MONITOR_EMULATOR_URL

step() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
show() { printf '\033[36m$ %s\033[0m\n' "$*"; eval "$@"; }
control() { curl -sS -X POST "$EMU/_emulator/$1"; }

step "Log in: the API key comes on stdin (never as an argument), the instance as a CRN"
show "monitor-token login --endpoint \$EMU --iam-endpoint \$EMU --instance \$MONITOR_EMULATOR_CRN --team \$MONITOR_EMULATOR_TEAM < \$MONITOR_EMULATOR_APIKEY_FILE"

step "What is configured, and where the secrets are (never the secrets themselves)"
show "monitor-token status"

step "The token, from the keyring cache: no request to IAM or Monitoring"
show "monitor-token get"

step "As a header for curl, against a Monitoring API"
show "curl -sS -H @<(monitor-token get --format header) \"\$EMU/prometheus/api/v1/query?query=up\"; echo"

step "As environment variables for Sysdig tools and Terraform"
show "eval \"\$(monitor-token get --format env)\"; echo \"SDC_URL=\$SDC_URL SDC_TOKEN=\${SDC_TOKEN:0:8}...\""

step "Someone resets the token in the UI; refresh replaces the cached one"
control "reset-token?instance=$MONITOR_EMULATOR_INSTANCE&team=$MONITOR_EMULATOR_TEAM"
show "monitor-token refresh"
show "monitor-token get"

step "Requests the emulator received so far: one login, one refresh (each IAM + /api/token)"
show "curl -sS \$EMU/_emulator/counts; echo"

# The proxy always runs (curl is required above); promtool, its other
# client, only where Debian's prometheus package is installed (make test
# installs it), and the demo says so when it is not.
step "A tool that takes only a URL, through the local proxy, which adds the token"
show "monitor-token proxy --listen 127.0.0.1:0 2>\$demo/proxy.log &   # port 0: a free one"
proxy_pid=$!
PROXY=
for _ in $(seq 100); do
  PROXY=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$demo/proxy.log" 2>/dev/null || true)
  [ -n "$PROXY" ] && break
  sleep 0.05
done
[ -n "$PROXY" ] || { echo "make demo: the proxy did not start; its log:" >&2; cat "$demo/proxy.log" >&2; exit 1; }
show "curl -sS \"\$PROXY/prometheus/api/v1/query?query=up\"; echo"
if command -v promtool >/dev/null; then
  show "promtool query instant \$PROXY/prometheus up"
else
  echo "make demo: promtool is not installed, so the proxy is shown with curl only (apt-get install prometheus, or run make test once as root, which installs it)" >&2
fi
step "Someone resets the token in the UI; the same query still works (the proxy refetches once)"
control "reset-token?instance=$MONITOR_EMULATOR_INSTANCE&team=$MONITOR_EMULATOR_TEAM"
show "curl -sS \"\$PROXY/prometheus/api/v1/query?query=up\"; echo"
step "A web page of another site, in your browser, gets nothing; nor does a request for the token itself"
show "curl -sS -H 'Origin: https://evil.example' --data-raw 'query=up' \"\$PROXY/prometheus/api/v1/query\""
show "curl -sS \"\$PROXY/api/token\""
kill -TERM "$proxy_pid"; wait "$proxy_pid" || true
proxy_pid=
step "The proxy's log: one line per request, never a token"
show "cat \$demo/proxy.log"

step "An IAM_ONLY instance is refused at login, and nothing changes"
show "monitor-token login --profile strict --endpoint \$EMU --iam-endpoint \$EMU --instance \$MONITOR_EMULATOR_IAM_ONLY_INSTANCE < \$MONITOR_EMULATOR_APIKEY_FILE || true"

step "Log out: the key and the cached token leave the keyring"
show "monitor-token logout"
show "monitor-token status"

# The last part runs as a sidecar beside Prometheus would: no keyring, the
# profile and the key from the environment, nothing cached.
step "A sidecar keeps a token file current for Prometheus remote write: its profile from the environment, no keyring"
show "export IBMCLOUD_API_KEY=@\$MONITOR_EMULATOR_APIKEY_FILE MONITOR_TOKEN_ENDPOINT=\$EMU MONITOR_TOKEN_IAM_ENDPOINT=\$EMU MONITOR_TOKEN_INSTANCE=\$MONITOR_EMULATOR_INSTANCE MONITOR_TOKEN_CACHE=none"
show "monitor-token status | grep -E '^(credential|remote write):'"
mkdir -m 0700 "$demo/run"
show "monitor-token get --output \$demo/run/token --watch --check-every 1s 2>\$demo/watch.log &"
watch_pid=$!
for _ in $(seq 200); do [ -s "$demo/run/token" ] && break; sleep 0.05; done
[ -s "$demo/run/token" ] || { echo "make demo: the watch wrote no file; its log:" >&2; cat "$demo/watch.log" >&2; exit 1; }
fingerprint() { printf 'inode %s, sha256 %.16s...\n' "$(stat -c %i "$demo/run/token")" "$(sha256sum < "$demo/run/token")"; }
show "fingerprint   # of \$demo/run/token: Prometheus reads it as credentials_file; the token is not shown"
before=$(sha256sum < "$demo/run/token")

step "Someone resets the token in the UI; within a check the file is replaced (a new inode) with the new token"
control "reset-token?instance=$MONITOR_EMULATOR_INSTANCE&team=$MONITOR_EMULATOR_TEAM"
for _ in $(seq 200); do [ "$(sha256sum < "$demo/run/token")" != "$before" ] && break; sleep 0.05; done
[ "$(sha256sum < "$demo/run/token")" != "$before" ] || { echo "make demo: the watched file did not change after the reset; its log:" >&2; cat "$demo/watch.log" >&2; exit 1; }
show "fingerprint"
kill -TERM "$watch_pid"; wait "$watch_pid"
watch_pid=
show "cat \$demo/watch.log"
