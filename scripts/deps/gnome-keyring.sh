# gnome-keyring on a private D-Bus session bus, for store/ and the
# integration scripts (docs/keyring.md, "Test keyring"), and git and zsh
# for the scripts that run them.
need=()
command -v dbus-daemon >/dev/null || need+=(dbus)
command -v dbus-send >/dev/null || need+=(dbus-bin)
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v secret-tool >/dev/null || need+=(libsecret-tools)
command -v git >/dev/null || need+=(git)
command -v zsh >/dev/null || need+=(zsh)   # the zsh completion test
if [ ${#need[@]} -gt 0 ]; then
  apt_install "the keyring and shell tests" "${need[@]}" || true
fi
if command -v gnome-keyring-daemon >/dev/null && command -v dbus-daemon >/dev/null \
   && command -v dbus-send >/dev/null && command -v secret-tool >/dev/null; then
  # The packages are here: a keyring test that cannot run is a failure.
  export MONITOR_TOKEN_REQUIRE_KEYRING=1
else
  echo "make test: SKIPPING the real-keyring tests (store/, integration/): no gnome-keyring, dbus-daemon or secret-tool on this machine." >&2
fi
unset need
