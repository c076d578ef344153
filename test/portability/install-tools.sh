#!/bin/sh
# Installs the tools the portability tests use, if any is missing. Runs first in
# `npm run test:portability` (as test/install-tools.sh does in `npm test`); needs root and
# apt-get to install, otherwise it only names what is missing, and every test whose tool is
# absent skips with its reason. Exit status: 1 only when an install was tried and failed.
set -u
# shellcheck source=build/apt-need.sh
. "$(dirname "$0")/../../build/apt-need.sh"
# A package with no single command to look for (libraries, a static busybox over a dynamic one).
need_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed' || missing="$missing $1"; }

# The build's own tools (the script builds dist/nxs), and zstd for the payload.
need_build_tools
# busybox-static: the no-libc root and the initramfs (the dynamic busybox package is not enough).
need_pkg busybox-static
# debootstrap: minimal Debian roots. qemu-user-static: arm64 under emulation.
# qemu-system-x86: the initramfs VM. cpio: packing the initramfs.
need debootstrap debootstrap
need qemu-aarch64-static qemu-user-static
need qemu-system-x86_64 qemu-system-x86
need cpio cpio
# The arm64 private libraries, strip for the arm64 binary, and the arm64 static unzstd
# (build/zstd-helper.ts: aarch64-linux-gnu-gcc against libc6-dev-arm64-cross).
need_pkg libc6-arm64-cross
need_pkg libstdc++6-arm64-cross
need_pkg libgcc-s1-arm64-cross
need aarch64-linux-gnu-strip binutils-aarch64-linux-gnu
need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
need_pkg libc6-dev-arm64-cross
install_missing "portability tools" || exit 1

# Two files apt-get downloads but does not install, kept in a cache folder (root only):
#   a Debian kernel for the VM (only its vmlinuz is used, extracted by the test), and
#   libzstd-dev for arm64, whose libzstd.a links the arm64 static unzstd (build/zstd-helper.ts).
cache=/var/cache/nxs-portability
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  ls "$cache"/linux-image-*-amd64_*.deb "$cache"/libzstd-dev_*_arm64.deb >/dev/null 2>&1 ||
    echo "portability tools: not root; the VM kernel and arm64 libzstd-dev .debs in $cache are not downloaded (their tests skip)" >&2
  exit 0
fi
mkdir -p "$cache" && cd "$cache" || exit 1
export DEBIAN_FRONTEND=noninteractive
if ! ls linux-image-*-amd64_*.deb >/dev/null 2>&1; then
  kpkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
  [ -n "$kpkg" ] || { apt-get update -qq >/dev/null; kpkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1); }
  apt-get download -qq "$kpkg" || echo "portability tools: cannot download $kpkg (the VM test skips)" >&2
fi
if ! ls libzstd-dev_*_arm64.deb >/dev/null 2>&1; then
  dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64 && apt-get update -qq >/dev/null; }
  apt-get download -qq libzstd-dev:arm64 || echo "portability tools: cannot download libzstd-dev:arm64 (the arm64 build has no static unzstd)" >&2
fi
exit 0
