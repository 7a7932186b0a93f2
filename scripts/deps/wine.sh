# Wine, to run the Windows build for real (integration/wine_test.go;
# docs/platforms.md, "Windows under Wine"), and the MinGW binutils that
# build the one DLL Wine 8 lacks for Go programs.
need=()
[ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null || need+=(wine64)
command -v x86_64-w64-mingw32-ld >/dev/null || need+=(binutils-mingw-w64-x86-64)
if [ ${#need[@]} -gt 0 ]; then
  apt_install "the Windows tests under Wine" "${need[@]}" || true
fi
if { [ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null; } && command -v x86_64-w64-mingw32-ld >/dev/null; then
  export MONITOR_TOKEN_REQUIRE_WINE=1
else
  echo "make test: SKIPPING the Windows tests under Wine (integration/): no wine64 or x86_64-w64-mingw32-ld on this machine." >&2
fi
unset need
