#!/bin/sh
# Tools the portability tests use (npm run test:portability). .ci/run calls this as root;
# every test skips with a stated reason when its tool is missing, so this is best effort.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# busybox-static: the no-libc root and the initramfs (replaces the dynamic busybox package).
# debootstrap: minimal Debian roots. qemu-user-static: arm64 under emulation.
# qemu-system-x86: the initramfs VM. cpio: packing the initramfs.
# libc6-arm64-cross, libstdc++6-arm64-cross, libgcc-s1-arm64-cross: arm64 private libraries.
# binutils-aarch64-linux-gnu: strip for the arm64 binary.
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross: the arm64 static unzstd (build/zstd-helper.ts);
# zstd, libzstd-dev, musl-tools: the x64 one and the payload.
apt-get install -y -q --no-install-recommends \
  busybox-static debootstrap qemu-user-static qemu-system-x86 cpio \
  libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross binutils-aarch64-linux-gnu \
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross zstd libzstd-dev musl-tools
# A Debian kernel for the VM: only its vmlinuz is used, extracted by the test (never installed).
mkdir -p /var/cache/nxs-portability
cd /var/cache/nxs-portability
if ! ls linux-image-*-amd64_*.deb >/dev/null 2>&1; then
  kpkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
  apt-get download "$kpkg"
fi
# libzstd-dev for arm64: its libzstd.a links the arm64 static unzstd (build/zstd-helper.ts).
if ! ls libzstd-dev_*_arm64.deb >/dev/null 2>&1; then
  dpkg --add-architecture arm64
  apt-get update -q
  apt-get download libzstd-dev:arm64
fi
