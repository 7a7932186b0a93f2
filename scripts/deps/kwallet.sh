# KWallet (kwalletd5) as a Secret Service provider, for the provider tests
# of internal/testkeyring, store/ and integration/ (docs/keyring.md,
# "KWallet"). No recommends, for the reason keepassxc.sh gives.
if ! command -v kwalletd5 >/dev/null; then
  apt_install "the KWallet provider tests" libkf5wallet-bin || true
fi
if command -v kwalletd5 >/dev/null; then
  export MONITOR_TOKEN_REQUIRE_KWALLET=1
else
  echo "make test: SKIPPING the KWallet provider tests (internal/testkeyring, store/, integration/): no kwalletd5 on this machine." >&2
fi
