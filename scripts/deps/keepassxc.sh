# KeePassXC as a Secret Service provider, for the provider tests of
# internal/testkeyring, store/ and integration/ (docs/keyring.md,
# "KeePassXC"): keepassxc brings keepassxc-cli, which makes the test
# database. No recommends: dbus-x11 among them would let godbus autolaunch
# a bus and break the "no session bus" test.
if ! command -v keepassxc >/dev/null || ! command -v keepassxc-cli >/dev/null; then
  apt_install "the KeePassXC provider tests" keepassxc || true
fi
if command -v keepassxc >/dev/null && command -v keepassxc-cli >/dev/null; then
  export MONITOR_TOKEN_REQUIRE_KEEPASSXC=1
else
  echo "make test: SKIPPING the KeePassXC provider tests (internal/testkeyring, store/, integration/): no keepassxc on this machine." >&2
fi
