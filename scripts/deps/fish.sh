# fish, for the completion script that runs `monitor-token completion fish`
# through the real shell (integration/testdata/script/completion.txtar).
if ! command -v fish >/dev/null; then
  apt_install "the fish completion test" fish || true
fi
if command -v fish >/dev/null; then
  export MONITOR_TOKEN_REQUIRE_FISH=1
else
  echo "make test: SKIPPING the fish completion test (integration/): no fish on this machine." >&2
fi
