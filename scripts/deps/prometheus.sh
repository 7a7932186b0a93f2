# The proxy's real clients (integration/testdata/script/proxy*.txtar):
# curl, and promtool, which Debian ships in its prometheus package with the
# Prometheus server that remote-writes through a watched token file
# (remote_write.txtar);
# setpriv (util-linux) plays another local user; ip (iproute2) makes the
# network namespace a remote caller comes from.
need=()
command -v curl >/dev/null || need+=(curl)
{ command -v promtool >/dev/null && command -v prometheus >/dev/null; } || need+=(prometheus)
command -v setpriv >/dev/null || need+=(util-linux)
command -v ip >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  apt_install "the proxy's real-client tests" "${need[@]}" || true
  # The package brings the Prometheus server as a service too; on a
  # machine run by systemd its install enables and starts it, and only
  # promtool is wanted here.
  if [[ " ${need[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    echo "make test: stopping and disabling the prometheus service the package started; the tests start their own" >&2
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi
if command -v curl >/dev/null && command -v promtool >/dev/null && command -v prometheus >/dev/null && command -v setpriv >/dev/null && command -v ip >/dev/null; then
  # The clients are here: a proxy script that cannot run is a failure.
  export MONITOR_TOKEN_REQUIRE_PROXY=1
else
  echo "make test: SKIPPING the proxy's real-client tests (integration/): no curl, promtool, prometheus, setpriv or ip on this machine." >&2
fi
unset need
