import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const DIST = path.join(ROOT, 'dist');
/** Cached roots, kernels and results live here (reruns are fast; `rm -rf .build/portability` resets). */
export const CACHE = path.join(ROOT, '.build/portability');
export const RESULTS = path.join(CACHE, 'results.jsonl');

export function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = path.join(dir, tool);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** The reason a test cannot run here, or undefined when it can. */
export function missing(opts: { tools?: string[]; files?: string[]; root?: boolean }): string | undefined {
  if (opts.root && !isRoot()) return 'needs root (chroot and mount)';
  for (const t of opts.tools ?? []) if (!which(t)) return `${t} is not installed (run test/portability/install-tools.sh)`;
  for (const f of opts.files ?? []) if (!existsSync(f)) return `${f} is missing`;
  return undefined;
}

/** One figure for docs/benchmarks/portability.md, appended as a JSON line and printed. */
export function record(env: string, what: string, ms: number, extra: Record<string, unknown> = {}): void {
  mkdirSync(CACHE, { recursive: true });
  const line = JSON.stringify({ env, what, ms: Math.round(ms), at: new Date().toISOString(), ...extra });
  appendFileSync(RESULTS, line + '\n');
  console.log(`portability: ${line}`);
}

export interface Started {
  child: ChildProcess;
  url: string;
  /** Milliseconds from spawn to the ready banner. */
  readyMs: number;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Spawns a command that ends up running `nxs start` and resolves when it prints
 * `ready at <url>` (event-driven: no polling); rejects with all output if it exits first.
 */
export function startUntilReady(cmd: string, args: string[], env: Record<string, string>): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer): void => {
      out += c.toString();
      const m = /ready at (http:\/\/\S+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        resolve({ child, url: m[1]!, readyMs: performance.now() - t0, output: () => out, stop: () => (child.kill('SIGTERM'), exited) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    void exited.then((code) => reject(new Error(`${cmd} ${args.join(' ')} exited (${code}) before ready:\n${out}`)));
  });
}

/** Runs a command to completion; returns exit code and output. */
export function run(cmd: string, args: string[], env?: Record<string, string>): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
