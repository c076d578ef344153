import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, systemErrorCode } from '../core/errors.ts';
import type { Probed } from './facts.ts';

/**
 * Runs one probe with its own bound. A probe that throws or outlives the bound
 * answers `{ error }`; the timer is cleared so a fast probe leaves nothing behind.
 * Probes that hold resources (a child process, a socket) take the signal and release them.
 */
// The bound is real time on purpose (not ctx.clock): it limits waiting on real files,
// processes and sockets, which a fake clock in tests does not control.
export async function runProbe<T>(name: string, timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<{ value: Probed<T>; ms: number }> {
  const t0 = performance.now();
  const ac = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<Probed<T>>((resolve) => {
    timer = setTimeout(() => {
      resolve({ error: `${name} probe gave no answer within ${timeoutMs} ms` });
      ac.abort(new Error('timeout'));
    }, timeoutMs);
  });
  const run = fn(ac.signal).then(
    (v): Probed<T> => v,
    (err: unknown): Probed<T> => ({ error: `${name} probe failed: ${errorMessage(err)}` }),
  );
  try {
    const value = await Promise.race([run, bound]);
    return { value, ms: Math.round((performance.now() - t0) * 10) / 10 };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Folders of the kernel's own filesystems (/proc, /sys: made in memory on read) and of the
 * system nxs itself was loaded from (/etc, /lib*, /usr/lib*, /run): if those hang, nothing
 * runs anyway, so a probe may read them synchronously.
 */
export function isSystemPath(abs: string): boolean {
  return /^\/(?:proc|sys|etc|run|lib|lib64|usr\/lib|usr\/lib64)(?:\/|$)/.test(abs);
}

/** `root`-relative path: '/proc/meminfo' under a fake tree. */
export function under(root: string, abs: string): string {
  return root === '/' ? abs : path.join(root, abs);
}

/**
 * Reads a text file; null when it does not exist or cannot be read (a missing /proc file is normal).
 * The system's own files (see `isSystemPath`) are read synchronously: a sync read takes
 * microseconds, where the async path costs four thread-pool round trips per file (open,
 * stat, read, close), which were most of the boot's detect step. Anything else (the data
 * folder, PATH entries) may sit on a slow or remote disk and is read asynchronously.
 */
export async function readText(root: string, abs: string): Promise<string | null> {
  try {
    return isSystemPath(abs) ? readFileSync(under(root, abs), 'utf8') : await readFile(under(root, abs), 'utf8');
  } catch (err) {
    const code = systemErrorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM' || code === 'EINVAL') return null;
    throw err;
  }
}

/** Parses `Key:   123 kB` lines (meminfo) into bytes. */
export function parseKbTable(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]) * (line.trimEnd().endsWith('kB') ? 1024 : 1));
  }
  return out;
}
