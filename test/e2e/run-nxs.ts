import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toolPath } from '../helpers/header-tools.ts';

export { toolPath };

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const NXS = path.join(ROOT, 'dist/nxs');

export function tempDir(prefix = 'nxs-e2e-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  home: string;
  env?: Record<string, string>;
  path?: string;
  /** Run the file through this shell instead of its #! line (dash, bash, busybox sh). */
  shell?: string[];
  file?: string;
}

function spawnNxs(args: string[], opts: RunOptions): ChildProcess {
  const file = opts.file ?? NXS;
  const [cmd, ...pre] = opts.shell ? [...opts.shell, file] : [file];
  return spawn(cmd!, [...pre, ...args], {
    env: { HOME: opts.home, PATH: opts.path ?? toolPath('system'), ...(opts.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runNxs(args: string[], opts: RunOptions): Promise<RunResult> {
  const child = spawnNxs(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

export interface RunningNxs {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<RunResult>;
  stop(signal?: NodeJS.Signals): Promise<RunResult>;
}

/** Starts `nxs start ...` and resolves once it prints its ready banner; rejects with its output if it exits first. */
export function startNxs(args: string[], opts: RunOptions): Promise<RunningNxs> {
  const child = spawnNxs(['start', '--port', '0', ...args], opts);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<RunResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = /ready at (http:\/\/\S+)/.exec(stdout);
      if (m) {
        resolve({
          url: m[1]!,
          child,
          stdout: () => stdout,
          stderr: () => stderr,
          exited,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((r) => reject(new Error(`nxs exited (${r.code ?? r.signal}) before ready:\n${r.stdout}\n${r.stderr}`)));
  });
}

export function makeDir(p: string): string {
  mkdirSync(p, { recursive: true });
  return p;
}
