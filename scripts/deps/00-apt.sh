# Sourced by scripts/test.sh before the other files here: apt_install
# installs Debian packages when this is root on a machine with apt-get, and
# says what it installs. Each other file installs what one group of tests
# needs, and exports the variable that makes those tests required (a test
# that cannot run is then a failure, not a skip). Where it cannot install,
# it prints a SKIPPING line with the reason and exports nothing.

apt_updated=
# apt_install WHAT PKG...: returns non-zero when it cannot install.
apt_install() {
  local what=$1
  shift
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "make test: cannot install $* for $what (needs root and apt-get)." >&2
    return 1
  fi
  echo "make test: installing $* for $what" >&2
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$apt_updated" ]; then
    apt-get update -qq >/dev/null || return 1
    apt_updated=1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
