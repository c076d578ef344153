// The glibc floor: the dynamic loader and every shared library that node and
// better-sqlite3's addon need, copied into one folder that the payload ships
// as lib/. The header starts through lib/<loader> when the system's glibc is
// older than GLIBC_FLOOR or absent (busybox, musl), so the file runs anywhere
// with a Linux kernel. Libraries come from this Debian 12 system for x64 and
// from Debian's cross packages (/usr/aarch64-linux-gnu) for arm64.
//   node build/private-libs.ts [--arch x64|arm64] OUTDIR   (also used by build.ts)
import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Arch } from './targets.ts';

/** Where each architecture's libraries live on the build machine, first match wins. */
export const LIB_SEARCH: Record<Arch, readonly string[]> = {
  x64: ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64'],
  arm64: ['/usr/aarch64-linux-gnu/lib', '/usr/aarch64-linux-gnu/lib64', '/usr/lib/aarch64-linux-gnu'],
};

/** The Debian packages that provide LIB_SEARCH, named in errors so the fix is one line. */
const PROVIDERS: Record<Arch, string> = {
  x64: 'libc6 libstdc++6 libgcc-s1',
  arm64: 'libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross',
};

export interface PrivateLibs {
  dir: string;
  /** sonames copied, loader included, sorted. */
  files: string[];
  bytes: number;
}

/** DT_NEEDED entries of an ELF file (readelf works for any architecture). */
export function neededOf(file: string): string[] {
  const out = execFileSync('readelf', ['-d', '-W', file], { encoding: 'utf8' });
  return [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
}

/** The ELF interpreter (PT_INTERP) of an executable, e.g. /lib64/ld-linux-x86-64.so.2. */
export function interpreterOf(file: string): string | undefined {
  const out = execFileSync('readelf', ['-l', '-W', file], { encoding: 'utf8' });
  return /Requesting program interpreter: ([^\]]+)\]/.exec(out)?.[1];
}

function resolveLib(soname: string, search: readonly string[]): string | undefined {
  for (const dir of search) {
    const p = path.join(dir, soname);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * The closure of shared libraries `roots` need (soname -> file on this machine),
 * plus the loader. Throws naming the missing library and the package to install.
 */
export function resolveClosure(roots: readonly string[], arch: Arch, loaderName: string): Map<string, string> {
  const search = LIB_SEARCH[arch];
  const found = new Map<string, string>();
  const queue = roots.flatMap((r) => neededOf(r));
  while (queue.length) {
    const soname = queue.shift()!;
    if (found.has(soname)) continue;
    const file = resolveLib(soname, search);
    if (!file) throw new Error(`private libs: ${soname} (needed for ${arch}) is not in ${search.join(', ')}; install ${PROVIDERS[arch]}`);
    found.set(soname, file);
    queue.push(...neededOf(file));
  }
  const loader = resolveLib(loaderName, search);
  if (!loader) throw new Error(`private libs: the loader ${loaderName} is not in ${search.join(', ')}; install ${PROVIDERS[arch]}`);
  found.set(loaderName, loader);
  return found;
}

/**
 * Copies the closure into `outDir` (emptied first), under the sonames the
 * loader asks for; symlinks are followed so the folder is self-contained.
 */
export function collectPrivateLibs(opts: { roots: readonly string[]; arch: Arch; loader: string; outDir: string }): PrivateLibs {
  const closure = resolveClosure(opts.roots, opts.arch, opts.loader);
  rmSync(opts.outDir, { recursive: true, force: true });
  mkdirSync(opts.outDir, { recursive: true });
  let bytes = 0;
  for (const [soname, file] of closure) {
    const dest = path.join(opts.outDir, soname);
    copyFileSync(realpathSync(file), dest);
    // The loader is executed directly by the header; the libraries only mapped.
    chmodSync(dest, soname === opts.loader ? 0o755 : 0o644);
    bytes += statSync(dest).size;
  }
  return { dir: opts.outDir, files: [...closure.keys()].sort(), bytes };
}

// Standalone use: collect for the node binary and the addon of one architecture.
if (import.meta.main) {
  const { TARGETS } = await import('./targets.ts');
  const { nodeBinaryFor } = await import('./node-runtime.ts');
  const { parseArgs } = await import('node:util');
  const { values, positionals } = parseArgs({ options: { arch: { type: 'string', default: 'x64' } }, allowPositionals: true });
  const target = TARGETS[values.arch as Arch];
  if (!target || positionals.length !== 1) {
    console.error('usage: node build/private-libs.ts [--arch x64|arm64] OUTDIR');
    process.exit(2);
  }
  const root = path.resolve(import.meta.dirname, '..');
  const libs = collectPrivateLibs({
    roots: [nodeBinaryFor(root, target), path.join(root, 'node_modules/better-sqlite3/prebuilds', target.sqlitePrebuild)],
    arch: target.arch,
    loader: target.loader,
    outDir: path.resolve(positionals[0]!),
  });
  console.log(JSON.stringify({ arch: target.arch, files: libs.files, bytes: libs.bytes }));
}
