#!/bin/sh
# Installs the Debian tools `npm run build` (and so `npm start`) needs, if any is
# missing: zstd compresses the payload; the static unzstd shipped in the file is
# linked against libzstd.a (libzstd-dev) with musl-gcc (musl-tools); strip
# (binutils) shrinks the Node executable. Needs root and apt-get to install;
# otherwise it names what is missing and the build says what failed.
set -u
missing=''
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need zstd zstd
need musl-gcc musl-tools
[ -f /usr/lib/x86_64-linux-gnu/libzstd.a ] || [ "$(uname -m)" != x86_64 ] || missing="$missing libzstd-dev"
need strip binutils
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "build tools: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || { echo "build tools: apt-get update failed" >&2; exit 1; }
  # $missing is a list of package names: split on purpose.
  # shellcheck disable=SC2086
  apt-get install -y -qq $missing >/dev/null || { echo "build tools: apt-get install$missing failed" >&2; exit 1; }
else
  echo "build tools: missing$missing (install them with apt-get as root)" >&2
fi
