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
    JSON.stringify({ main: opts.main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: opts.useCodeCache && !opts.useSnapshot, useSnapshot: Boolean(opts.useSnapshot), execArgv: SEA_EXEC_ARGV }),
  );
  execFileSync(opts.hostNode, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
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
