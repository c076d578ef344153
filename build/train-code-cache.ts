import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CORE_CACHE_FILE, TRAIN_ENV } from '../src/runtime/load-core.ts';
import { which } from '../src/sandbox/which.ts';

/**
 * Makes app/core.cache in the staged runtime: starts the staged executable as a
 * user would (`nxs start --port 0`, a fresh HOME) with NXS_TRAIN_CODE_CACHE=1,
 * asks it GET /readyz and /healthz once it prints its ready banner, stops it with
 * SIGTERM, and the loader writes
 * V8's code cache of the core as the process exits: the bytecode of every
 * function a start and a stop ran. V8 accepts a cache only from the same
 * binary, so a cross build trains under an emulator: `launcher` goes in front
 * of the executable (qemu and the staged private loader, see crossTrainer).
 * Returns the cache's size.
 */
export async function trainCodeCache(stageDir: string, opts: { launcher?: readonly string[]; timeoutMs?: number } = {}): Promise<number> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const launcher = opts.launcher ?? [];
  const home = mkdtempSync(path.join(tmpdir(), 'nxs-train-'));
  const cache = path.join(stageDir, CORE_CACHE_FILE);
  rmSync(cache, { force: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const exe = path.join(stageDir, 'bin/nxs');
      const [cmd, ...args] = [...launcher, exe, 'start', '--port', '0'];
      const child = spawn(cmd!, args, {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NXS_RUNTIME_DIR: stageDir, NXS_LOG_LEVEL: 'warn', [TRAIN_ENV]: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', (c: Buffer) => {
        if (/ready at /.test(out)) return;
        out += c.toString();
        const url = /ready at (http:\/\/\S+)/.exec(out)?.[1];
        // The first requests a host serves (what bench:startup and a supervisor ask) belong in the cache too.
        if (url) void firstRequests(url).finally(() => child.kill('SIGTERM'));
      });
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0 && /ready at /.test(out)) resolve();
        else reject(new Error(`the training start exited ${code ?? signal} before or instead of a clean stop: ${err.slice(-500)}`));
      });
    });
    if (!existsSync(cache)) throw new Error(`the training start wrote no ${CORE_CACHE_FILE}`);
    return statSync(cache).size;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function firstRequests(url: string): Promise<void> {
  for (const p of ['/readyz', '/healthz']) {
    try {
      await (await fetch(url + p)).text();
    } catch {
      // The cache is still made; it only lacks the request path.
    }
  }
}

/**
 * How to run a staged executable of another architecture here: qemu user mode in
 * front of its private loader (the header's launch does the same through the
 * loader). Null when this machine has no qemu for it or the stage has no loader.
 */
export function crossTrainer(stageDir: string, arch: string, loader: string): string[] | null {
  const qemu = arch === 'arm64' ? (which('qemu-aarch64-static', process.env.PATH) ?? which('qemu-aarch64', process.env.PATH)) : null;
  const ld = path.join(stageDir, 'lib', loader);
  if (!qemu || !existsSync(ld)) return null;
  return [qemu, ld, '--library-path', path.join(stageDir, 'lib')];
}
