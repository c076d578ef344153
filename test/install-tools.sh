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
# The build: zstd compresses the payload; the static unzstd shipped in it is
# linked against libzstd.a (libzstd-dev) with musl-gcc (musl-tools).
need zstd zstd
need musl-gcc musl-tools
[ -f /usr/lib/x86_64-linux-gnu/libzstd.a ] || [ "$(uname -m)" != x86_64 ] || missing="$missing libzstd-dev"
need strip binutils
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
  apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || { echo "test tools: apt-get install$missing failed" >&2; exit 1; }
else
  echo "test tools: missing$missing (install them with apt-get as root)" >&2
fi
