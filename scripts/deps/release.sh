# The release checks (integration/dist_test.go, packages_test.go): ruby
# parses the Homebrew formula, rpm reads the .rpm packages; dpkg is
# Debian's own. GoReleaser itself comes through `go run` at the version the
# Makefile pins.
need=()
command -v ruby >/dev/null || need+=(ruby)
command -v rpm >/dev/null || need+=(rpm)
if [ ${#need[@]} -gt 0 ]; then
  apt_install "the release checks" "${need[@]}" || true
fi
if command -v ruby >/dev/null && command -v rpm >/dev/null; then
  export MONITOR_TOKEN_REQUIRE_RELEASE=1
else
  echo "make test: SKIPPING the Homebrew formula and .rpm checks (integration/): no ruby or rpm on this machine." >&2
fi
unset need
