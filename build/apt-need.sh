# Sourced (POSIX sh) by build/install-tools.sh and test/install-tools.sh: collect
# the Debian packages whose tools are missing, then install them in one apt-get
# run (root with apt-get), or name them and let the build or tests say what failed.
missing=''
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }

# The build's own tools: zstd compresses the payload; the static unzstd shipped in
# the file is linked against libzstd.a (libzstd-dev) with musl-gcc (musl-tools);
# strip (binutils) shrinks the Node executable.
need_build_tools() {
  need zstd zstd
  need musl-gcc musl-tools
  [ -f /usr/lib/x86_64-linux-gnu/libzstd.a ] || [ "$(uname -m)" != x86_64 ] || missing="$missing libzstd-dev"
  need strip binutils
}

# $1: what the tools are for, in messages ("build tools", "test tools").
install_missing() {
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "$1: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || { echo "$1: apt-get update failed" >&2; return 1; }
    # $missing is a list of package names: split on purpose.
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null || { echo "$1: apt-get install$missing failed" >&2; return 1; }
  else
    echo "$1: missing$missing (install them with apt-get as root)" >&2
  fi
}
