# Sourced by scripts/setup.sh and scripts/deploy_check.sh: installing what a Debian machine lacks.

have() { command -v "$1" >/dev/null 2>&1; }

# install_debian_packages WHO PACKAGE...: apt-get install them when root; otherwise say the command
# to run and exit 1. Nothing to do without packages.
install_debian_packages() {
  local who=$1
  shift
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "$who: missing Debian packages: $*; install them: sudo apt-get install -y $*" >&2
    exit 1
  fi
  echo "$who: installing Debian packages: $*"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
