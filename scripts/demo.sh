#!/usr/bin/env bash
# make demo: the real monitor-token against the IAM and Monitoring emulator,
# in a private keyring session, for someone without an IBM Cloud account.
# Nothing here touches your own keyring, config or HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

for tool in dbus-daemon dbus-send gnome-keyring-daemon curl; do
  command -v "$tool" >/dev/null || {
    echo "make demo needs $tool: apt-get install gnome-keyring dbus dbus-bin curl (make test installs the first three)" >&2
    exit 1
  }
done

demo=$(mktemp -d)
cleanup() {
  [ -n "${emu_pid:-}" ] && kill "$emu_pid" 2>/dev/null || true
  [ -n "${bus_pid:-}" ] && kill "$bus_pid" 2>/dev/null || true
  rm -rf "$demo"
}
trap cleanup EXIT

# A private session bus without D-Bus activation, and an unlocked
# gnome-keyring on it (see internal/testkeyring for why no activation).
export HOME=$demo/home
mkdir -p "$HOME"
cat >"$demo/bus.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
CONF
{ read -r DBUS_SESSION_BUS_ADDRESS; read -r bus_pid; } < <(dbus-daemon --config-file="$demo/bus.conf" --fork --print-address=1 --print-pid=1 --nopidfile)
export DBUS_SESSION_BUS_ADDRESS
printf %s demo-keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
for _ in $(seq 100); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' && break
  sleep 0.1
done

# The emulator, over TLS with a fresh self-signed certificate.
"$root/bin/monitor-emulator" --cert-file "$demo/emulator.pem" --env-file "$demo/emulator.env" 2>"$demo/emulator.log" &
emu_pid=$!
for _ in $(seq 100); do [ -s "$demo/emulator.env" ] && break; sleep 0.05; done
. "$demo/emulator.env"
export SSL_CERT_FILE=$MONITOR_EMULATOR_CERT_FILE CURL_CA_BUNDLE=$MONITOR_EMULATOR_CERT_FILE
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

step "Requests the emulator received in all: one login, one refresh (each IAM + /api/token)"
show "curl -sS \$EMU/_emulator/counts; echo"

step "An IAM_ONLY instance is refused at login, and nothing changes"
show "monitor-token login --profile strict --endpoint \$EMU --iam-endpoint \$EMU --instance \$MONITOR_EMULATOR_IAM_ONLY_INSTANCE < \$MONITOR_EMULATOR_APIKEY_FILE || true"

step "Log out: the key and the cached token leave the keyring"
show "monitor-token logout"
show "monitor-token status"
