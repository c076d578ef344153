// The payload's decompressor: build/unzstd.c linked statically against Debian's
// libzstd.a, shipped raw between the header and the payload so the header needs
// no zstd (nor gzip) on the target; it runs in a busybox-only root or an
// initramfs, where there is no libc at all.
//   x64:   musl-gcc -static (263 KB; glibc -static gives 908 KB for the same CPU time)
//          or, without musl-tools, gcc -static
//   arm64: aarch64-linux-gnu-gcc -static with the arm64 libzstd.a from libzstd-dev's
//          arm64 .deb (test/portability/install-tools.sh downloads it), unpacked here
// Cached under .build/cache/unzstd-<arch>-<key>/ where the key hashes the source,
// the library and the compiler, so a changed input rebuilds and nothing stale ships.
//   node build/zstd-helper.ts [--arch x64|arm64]   (prints the helper's path)
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Arch } from './targets.ts';
import { which } from '../src/sandbox/which.ts';

export interface Toolchain {
  cc: string;
  /** Where zstd.h is (the header is the same for every architecture). */
  include: string;
  libzstd: string;
}

/** Debian packages that provide each architecture's toolchain, named in errors so the fix is one line. */
export const ZSTD_HELPER_PACKAGES: Record<Arch, string> = {
  x64: 'libzstd-dev musl-tools (or gcc alone: a larger glibc-static helper)',
  arm64: 'gcc-aarch64-linux-gnu libc6-dev-arm64-cross, and libzstd-dev_*_arm64.deb in the deb folder (test/portability/install-tools.sh)',
};

/** The arm64 libzstd.a, unpacked once from libzstd-dev's arm64 .deb into the cache. */
function arm64Libzstd(cacheDir: string, debDir: string): string | undefined {
  const lib = path.join(cacheDir, 'libzstd-dev-arm64', 'usr/lib/aarch64-linux-gnu/libzstd.a');
  if (existsSync(lib)) return lib;
  const deb = existsSync(debDir) ? readdirSync(debDir).find((f) => f.startsWith('libzstd-dev_') && f.endsWith('_arm64.deb')) : undefined;
  if (!deb) return undefined;
  const dest = path.join(cacheDir, 'libzstd-dev-arm64');
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync('dpkg-deb', ['-x', path.join(debDir, deb), tmp]);
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return existsSync(lib) ? lib : undefined;
}

/** The compiler and library for `arch` on this machine, or undefined with what is missing. */
export function toolchainFor(arch: Arch, cacheDir: string, debDir: string): Toolchain | undefined {
  if (arch === 'x64') {
    const libzstd = '/usr/lib/x86_64-linux-gnu/libzstd.a';
    if (!existsSync(libzstd) || !existsSync('/usr/include/zstd.h')) return undefined;
    if (which('musl-gcc', process.env.PATH)) return { cc: 'musl-gcc', include: '/usr/include', libzstd };
    if (which('gcc', process.env.PATH)) return { cc: 'gcc', include: '/usr/include', libzstd };
    return undefined;
  }
  const cc = which('aarch64-linux-gnu-gcc', process.env.PATH);
  const libzstd = cc ? arm64Libzstd(cacheDir, debDir) : undefined;
  if (!cc || !libzstd) return undefined;
  return { cc, include: path.join(path.dirname(path.dirname(path.dirname(libzstd))), 'include'), libzstd };
}

/**
 * Builds (or finds in the cache) the static unzstd for `arch` and returns its path.
 * Throws naming the Debian packages to install when the toolchain is missing, and
 * when the result is not a static executable of the right machine.
 */
export function staticUnzstdFor(root: string, arch: Arch, debDir = '/var/cache/nxs-portability'): string {
  const cacheDir = path.join(root, '.build/cache');
  const tc = toolchainFor(arch, cacheDir, debDir);
  if (!tc) throw new Error(`zstd helper: cannot build the static unzstd for ${arch} on this machine; install ${ZSTD_HELPER_PACKAGES[arch]}`);
  const source = path.join(root, 'build/unzstd.c');
  const key = createHash('sha256')
    .update(readFileSync(source))
    .update(readFileSync(tc.libzstd))
    .update(tc.cc)
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(cacheDir, `unzstd-${arch}-${key}`);
  const out = path.join(dir, 'unzstd');
  if (existsSync(out)) return out;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // zstd's two headers alone in their own include folder: `-I /usr/include` would make
  // musl-gcc take glibc's stdio.h instead of musl's (it fails on bits/libc-header-start.h).
  const inc = path.join(tmp, 'include');
  mkdirSync(inc);
  for (const h of ['zstd.h', 'zstd_errors.h']) copyFileSync(path.join(tc.include, h), path.join(inc, h));
  execFileSync(tc.cc, ['-static', '-O2', '-s', '-I', inc, '-o', path.join(tmp, 'unzstd'), source, tc.libzstd], { stdio: ['ignore', 'inherit', 'inherit'] });
  checkStatic(path.join(tmp, 'unzstd'), arch);
  rmSync(inc, { recursive: true });
  writeFileSync(path.join(tmp, 'built-with.txt'), `${tc.cc} -static -O2 -s build/unzstd.c ${tc.libzstd}\n`);
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // Another process (a parallel test file, a second build) finished the same key first.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(out)) throw err;
  }
  return out;
}

const ELF_MACHINE: Record<Arch, RegExp> = { x64: /Machine:\s+Advanced Micro Devices X86-64/, arm64: /Machine:\s+AArch64/ };

/** A helper that needs a loader or is for the wrong machine would fail on exactly the boxes it is for. */
export function checkStatic(file: string, arch: Arch): void {
  const headers = execFileSync('readelf', ['-h', '-l', '-W', file], { encoding: 'utf8' });
  if (!ELF_MACHINE[arch].test(headers)) throw new Error(`zstd helper: ${file} is not an ${arch} executable`);
  if (/Requesting program interpreter/.test(headers)) throw new Error(`zstd helper: ${file} is dynamically linked; it must be static`);
}

if (import.meta.main) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { arch: { type: 'string', default: 'x64' } } });
  if (values.arch !== 'x64' && values.arch !== 'arm64') {
    console.error(`usage: node build/zstd-helper.ts [--arch x64|arm64]; got --arch ${values.arch}`);
    process.exit(2);
  }
  console.log(staticUnzstdFor(path.resolve(import.meta.dirname, '..'), values.arch));
}
