import { copyFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { SEA_EXEC_ARGV } from './exec-argv.ts';

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface SeaOptions {
  /** The bundled CommonJS entry. */
  main: string;
  /** The Node binary of the target architecture (from node-linux-<arch>). */
  nodeBinary: string;
  /** A Node binary that can run here with the same version, to generate the blob. */
  hostNode: string;
  /** Code cache needs the blob made by the same binary that runs it, so only for the host's architecture. */
  useCodeCache: boolean;
  /** A V8 start-up snapshot of the evaluated bundle (src/main.ts); same constraint as the code cache. Replaces it when set. */
  useSnapshot?: boolean;
  out: string;
  workDir: string;
}

/**
 * Node's own single-executable route: a preparation blob made by
 * `node --experimental-sea-config`, injected with postject into a stripped
 * copy of the official binary. (pkg --sea wraps the same mechanism; see
 * BENCHMARKS.md for why this route ships.)
 */
export async function buildSea(opts: SeaOptions): Promise<void> {
  const blob = path.join(opts.workDir, 'sea-prep.blob');
  const config = path.join(opts.workDir, 'sea-config.json');
  writeFileSync(
    config,
    // The blob keeps `main` as the script's name: relative to its folder (the cwd below), so it does
    // not carry the build folder's path (two builds in two folders gave two blobs).
    JSON.stringify({ main: path.basename(opts.main), output: blob, disableExperimentalSEAWarning: true, useCodeCache: opts.useCodeCache && !opts.useSnapshot, useSnapshot: Boolean(opts.useSnapshot), execArgv: SEA_EXEC_ARGV }),
  );
  // --random-seed: V8 seeds its string hash from it, and the blob's code cache holds those hashes,
  // so without it two builds differ in ~230 bytes of the blob. V8 leaves --random-seed out of the
  // flag hash a code cache is checked against: the executable (random seed) still accepts the cache.
  // It seeds only this one build process, never the shipped file.
  execFileSync(opts.hostNode, ['--random-seed=1', '--experimental-sea-config', config], { cwd: path.dirname(opts.main), stdio: ['ignore', 'ignore', 'inherit'] });
  copyFileSync(opts.nodeBinary, opts.out);
  chmodSync(opts.out, 0o755);
  // 126.6 MB -> 108.5 MB, and the SEA still works (toolchain.md).
  const strip = opts.nodeBinary.includes('arm64') ? stripFor('aarch64') : 'strip';
  if (strip) execFileSync(strip, ['--strip-all', opts.out]);
  const { inject } = await import('postject');
  await inject(opts.out, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
}

function stripFor(triple: string): string | null {
  try {
    execFileSync('sh', ['-c', `command -v ${triple}-linux-gnu-strip`], { stdio: 'ignore' });
    return `${triple}-linux-gnu-strip`;
  } catch {
    return null;
  }
}
