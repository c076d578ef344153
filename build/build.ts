// npm run build: TypeScript -> one CommonJS bundle -> Node SEA executable ->
// runtime folder -> tar.zst payload -> dist/nxs (sh header + static unzstd + payload).
//   node build/build.ts [--arch x64|arm64] [--private-libs DIR | --no-private-libs] [--fast] [--snapshot]
//                       [--build-dir DIR] [--out FILE] [--release-pub PEM] [--code-cache FILE]
// Two builds of one tree give the same bytes except app/core.cache, the code cache trained on a
// real start (docs/reproducible-build.md says which bytes differ and why; test/e2e/reproducible-build.test.ts).
// By default the loader and shared libraries are collected (build/private-libs.ts)
// and shipped in lib/: +5.4 MB unpacked, +1.7 MB in the file, and it then runs
// with an old glibc or none at all (docs/benchmarks/portability.md).
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { arch as hostArch } from 'node:process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundle } from './bundle.ts';
import { trainCodeCache, crossTrainer } from './train-code-cache.ts';
import { buildSea } from './sea.ts';
import { stage, sizeKb, compress, sha256File, ZSTD_LEVEL } from './payload.ts';
import { renderHeader } from './header.ts';
import { nodeBinaryFor } from './node-runtime.ts';
import { collectPrivateLibs } from './private-libs.ts';
import { staticUnzstdFor } from './zstd-helper.ts';
import { createHash } from 'node:crypto';
import { TARGETS, NODE_VERSION, GLIBC_FLOOR, type Arch } from './targets.ts';
import { holdStagingLock } from './build-lock.ts';
import { CORE_CACHE_FILE } from '../src/runtime/load-core.ts';
import { sourceDate } from './source-date.ts';
import { releasePublicKeyPem } from './release-key.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: hostArch === 'arm64' ? 'arm64' : 'x64' },
    'private-libs': { type: 'string' },
    'no-private-libs': { type: 'boolean', default: false },
    fast: { type: 'boolean', default: false },
    // A V8 start-up snapshot instead of the code cache: ~110 ms faster to ready, but +28 MB idle RSS and
    // +3 MB in dist/nxs (docs/benchmarks/startup.md), so not the default.
    snapshot: { type: 'boolean', default: false },
    // Where staging happens (DIR/<arch>, locked by DIR/<arch>.lock) and where the file goes: a second
    // build that must not touch .build/ and dist/ (the reproducibility test builds twice side by side).
    'build-dir': { type: 'string' },
    out: { type: 'string' },
    // The release public key (PEM) `nxs verify` trusts, built into the file (build/release.ts passes it).
    'release-pub': { type: 'string' },
    // A trained code cache to ship instead of training one (app/core.cache of an earlier build of
    // the same sources, e.g. unpacked from a release with --nxs-extract): to rebuild a file exactly.
    'code-cache': { type: 'string' },
  },
});
const target = TARGETS[values.arch as Arch];
if (!target) {
  console.error(`build: --arch must be one of ${Object.keys(TARGETS).join(', ')}; got ${values.arch}`);
  process.exit(2);
}
if (process.versions.node !== NODE_VERSION) {
  console.error(`build: run with Node ${NODE_VERSION} (npm run build puts it first on PATH); this is ${process.versions.node}`);
  process.exit(2);
}

// Before anything is staged: a second build from this tree waits here for the first (build/build-lock.ts).
const buildDir = values['build-dir'] ? path.resolve(values['build-dir']) : path.join(root, '.build');
await holdStagingLock(root, target.arch, undefined, buildDir);

const t0 = performance.now();
const step = (what: string): void => console.error(`build: ${what} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
const work = path.join(buildDir, target.arch);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const releasePub = values['release-pub'] ? releasePublicKeyPem(values['release-pub']) : undefined;
const { main, seaEntry, workers } = await bundle(root, path.join(work, 'app'), { releasePub });
step(`bundled ${(statSync(main).size / 1e6).toFixed(2)} MB`);

const exe = path.join(work, 'nxs-sea');
const native = target.arch === (hostArch === 'arm64' ? 'arm64' : 'x64');
// Default: the executable's script is a small loader, and the core ships as app/core.cjs with a
// code cache trained on a real start (below). With --snapshot the executable carries the core itself.
const snapshot = native && values.snapshot;
await buildSea({ main: snapshot ? main : seaEntry, nodeBinary: nodeBinaryFor(root, target), hostNode: process.execPath, useCodeCache: native, useSnapshot: snapshot, out: exe, workDir: work });
step(`single executable ${(statSync(exe).size / 1e6).toFixed(1)} MB${snapshot ? ' with a start-up snapshot' : ''}`);

const sqliteAddon = path.join(root, 'node_modules/better-sqlite3/prebuilds', target.sqlitePrebuild);
let libDir: string | undefined = values['private-libs'];
if (!libDir && !values['no-private-libs']) {
  const libs = collectPrivateLibs({ roots: [nodeBinaryFor(root, target), sqliteAddon], arch: target.arch, loader: target.loader, outDir: path.join(work, 'lib') });
  libDir = libs.dir;
  step(`private libs ${(libs.bytes / 1e6).toFixed(1)} MB: ${libs.files.join(' ')}`);
}

const stageDir = path.join(work, 'runtime');
stage({
  root,
  stageDir,
  executable: exe,
  core: snapshot ? undefined : main,
  sqliteAddon,
  workers,
  libDir,
  // The sources' date, not the clock's: a build's time in the payload made every build differ.
  manifest: { name: 'nxs', version: pkg.version, arch: target.arch, node: NODE_VERSION, ...sourceDate(root, process.env) },
});
const givenCache = values['code-cache'];
if (givenCache && !snapshot) {
  // The one part of a build that differs run to run (docs/reproducible-build.md): a cache taken from
  // an earlier build of the same sources makes this build's file byte for byte that build's.
  copyFileSync(givenCache, path.join(stageDir, CORE_CACHE_FILE));
  step(`code cache taken from ${givenCache} (not trained): ${(statSync(givenCache).size / 1e6).toFixed(2)} MB`);
} else if (native && !snapshot) step(`code cache trained on a start: ${((await trainCodeCache(stageDir)) / 1e6).toFixed(2)} MB`);
else if (!snapshot) {
  const launcher = crossTrainer(stageDir, target.arch, target.loader);
  if (launcher) step(`code cache trained on a start under ${path.basename(launcher[0]!)}: ${((await trainCodeCache(stageDir, { launcher, timeoutMs: 300_000 })) / 1e6).toFixed(2)} MB`);
  else step(`no code cache: a cross build needs qemu-${target.arch === 'arm64' ? 'aarch64' : target.arch}-static and the private loader to train one`);
}
const unpackedKb = sizeKb(stageDir);
const payloadFile = path.join(work, 'payload.tar.zst');
compress(stageDir, payloadFile, values.fast ? ZSTD_LEVEL.fast : ZSTD_LEVEL.release);
const payloadBytes = statSync(payloadFile).size;
const payloadSha256 = await sha256File(payloadFile);
step(`payload ${(payloadBytes / 1e6).toFixed(1)} MB (unpacked ${(unpackedKb / 1024).toFixed(1)} MiB)`);

// The payload's decompressor (build/zstd-helper.ts), shipped raw rather than gzip'd:
// +144 KB on x64 (263 KB vs 119 KB), but the header then needs no gzip on the target
// and spends one process less.
const unzstd = staticUnzstdFor(root, target.arch);
const helper = readFileSync(unzstd);
const helperSha = createHash('sha256').update(helper).digest('hex');
step(`zstd helper ${path.relative(root, unzstd)}: ${(helper.length / 1e6).toFixed(2)} MB`);
const header = renderHeader(path.join(root, 'nxs.sh.template'), {
  version: pkg.version,
  arch: target.arch,
  payloadSha256,
  payloadBytes,
  unpackedKb,
  loader: libDir ? target.loader : '',
  glibcFloor: GLIBC_FLOOR,
  helper: { bytes: helper.length, sha256: helperSha },
});
const out = values.out ? path.resolve(values.out) : path.join(root, 'dist', target.output);
mkdirSync(path.dirname(out), { recursive: true });
const tmp = `${out}.tmp`;
writeFileSync(tmp, header);
const fd = openSync(tmp, 'a');
writeSync(fd, helper);
writeSync(fd, readFileSync(payloadFile));
closeSync(fd);
chmodSync(tmp, 0o755);
// Atomic replace: a running copy of the old file keeps its inode.
const { renameSync } = await import('node:fs');
renameSync(tmp, out);
step(`wrote ${path.relative(root, out)}: ${(statSync(out).size / 1e6).toFixed(1)} MB, sha256 ${payloadSha256.slice(0, 12)}…`);
