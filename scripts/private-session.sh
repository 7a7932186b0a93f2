# Sourced by demo.sh and bench.sh: a private D-Bus session bus without
# activation, an unlocked gnome-keyring on it, and the IAM and Monitoring
# emulator over TLS. internal/testkeyring does the same for the Go tests
# and says why there is no activation (a second, locked daemon could win
# the bus name).
#
#   start_private_session DIR NAME    DIR: a scratch directory whose home/
#                                     becomes HOME; NAME: for messages
#
# It exports HOME, DBUS_SESSION_BUS_ADDRESS, SSL_CERT_FILE, CURL_CA_BUNDLE,
# the emulator's MONITOR_EMULATOR_* variables and EMU, and sets bus_pid and
# emu_pid for the caller's cleanup; start_emulator starts the emulator
# alone. Needs $root (the repository) with
# bin/monitor-emulator built.
start_private_session() {
  local dir=$1 name=$2
  export HOME=$dir/home
  mkdir -p "$HOME" && chmod 0700 "$HOME"
  cat >"$dir/bus.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
CONF
  { read -r DBUS_SESSION_BUS_ADDRESS; read -r bus_pid; } < <(dbus-daemon --config-file="$dir/bus.conf" --fork --print-address=1 --print-pid=1 --nopidfile)
  export DBUS_SESSION_BUS_ADDRESS
  printf %s "$name-keyring-password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  # The daemon forks before its login keyring is unlocked: wait until it
  # takes a write (internal/testkeyring waitUnlocked).
  local ok=0 _
  for _ in $(seq 200); do
    if printf probe | secret-tool store --label="$name probe" service "$name-probe" username probe 2>/dev/null; then
      secret-tool clear service "$name-probe" username probe
      ok=1
      break
    fi
    sleep 0.1
  done
  [ "$ok" = 1 ] || { echo "make $name: the private gnome-keyring did not unlock within 20s" >&2; return 1; }

  start_emulator "$dir" "$name"
}

# start_emulator DIR NAME: the emulator alone, as start_private_session
# starts it (same variables, emu_pid).
start_emulator() {
  local dir=$1 name=$2 _
  "$root/bin/monitor-emulator" --cert-file "$dir/emulator.pem" --env-file "$dir/emulator.env" 2>"$dir/emulator.log" &
  emu_pid=$!
  for _ in $(seq 200); do [ -s "$dir/emulator.env" ] && break; sleep 0.05; done
  [ -s "$dir/emulator.env" ] || { echo "make $name: the emulator did not start:" >&2; cat "$dir/emulator.log" >&2; return 1; }
  . "$dir/emulator.env"
  export SSL_CERT_FILE=$MONITOR_EMULATOR_CERT_FILE CURL_CA_BUNDLE=$MONITOR_EMULATOR_CERT_FILE
  EMU=$MONITOR_EMULATOR_URL
}
