#!/bin/sh
# Installs the Debian tools the test suite uses, if any is missing.
# Runs before `npm test` (the "pretest" script); needs root and apt-get to
# install, otherwise it only names what is missing (the tests that need a
# missing tool then fail and say which).
set -u
missing=''
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need busybox busybox-static
need shellcheck shellcheck
# The build's own tools (zstd, libzstd-dev, musl-tools, binutils): the e2e suite builds dist/nxs.
sh "$(dirname "$0")/../build/install-tools.sh" || exit 1
need redis-server redis-server
need bwrap bubblewrap
need git git
need dash dash
need prlimit util-linux
need bash bash
need curl curl
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test tools: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || { echo "test tools: apt-get update failed" >&2; exit 1; }
  # $missing is a list of package names: split on purpose.
  # shellcheck disable=SC2086
  apt-get install -y -qq $missing >/dev/null || { echo "test tools: apt-get install$missing failed" >&2; exit 1; }
else
  echo "test tools: missing$missing (install them with apt-get as root)" >&2
fi
