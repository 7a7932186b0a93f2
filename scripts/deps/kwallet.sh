# KWallet (kwalletd5) as a Secret Service provider, for the provider tests
# of internal/testkeyring, store/ and integration/ (docs/keyring.md,
# "KWallet"). No recommends, for the reason keepassxc.sh gives; but QCA's
# OpenSSL plugin, which Debian only recommends, kwalletd5 needs for the
# encrypted sessions secret-tool opens.
qca_ossl() { compgen -G '/usr/lib/*/qca-qt5/crypto/libqca-ossl.so' >/dev/null; }
if ! command -v kwalletd5 >/dev/null || ! qca_ossl; then
  apt_install "the KWallet provider tests" libkf5wallet-bin libqca-qt5-2-plugins || true
fi
if command -v kwalletd5 >/dev/null && qca_ossl; then
  export MONITOR_TOKEN_REQUIRE_KWALLET=1
else
  echo "make test: SKIPPING the KWallet provider tests (internal/testkeyring, store/, integration/): no kwalletd5 or QCA OpenSSL plugin on this machine." >&2
fi
unset -f qca_ossl
