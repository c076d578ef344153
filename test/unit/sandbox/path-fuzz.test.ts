import { test, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildMountTable } from '../../../src/sandbox/mount-table.ts';
import { resolveToolPath } from '../../../src/sandbox/tool-path.ts';
import { isNxsError } from '../../../src/core/errors.ts';

/** A small deterministic PRNG (mulberry32), so a failure replays with the same seed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('fuzz: no generated path resolves outside the mounts or into the secret folders (seed 003 policy fuzzing)', () => {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'nxs-fuzz-')));
  try {
    const home = path.join(root, 'home');
    const data = path.join(home, 'data');
    const ws = path.join(home, 'workspace');
    mkdirSync(data, { recursive: true });
    mkdirSync(path.join(ws, 'a', 'b'), { recursive: true });
    writeFileSync(path.join(data, 'api-token'), 'x');
    writeFileSync(path.join(ws, 'a', 'f.txt'), 'x');
    symlinkSync(data, path.join(ws, 'to-data'));
    symlinkSync('/etc', path.join(ws, 'to-etc'));
    symlinkSync('..', path.join(ws, 'a', 'up'));
    symlinkSync('../..', path.join(ws, 'a', 'b', 'upup'));
    symlinkSync('b', path.join(ws, 'a', 'same'));
    const table = buildMountTable({ workspace: ws, extra: [], systemPaths: [], dataDir: data, home, trust: 'main' });
    const pieces = ['..', '.', '', 'a', 'b', 'f.txt', 'up', 'upup', 'same', 'to-data', 'to-etc', 'api-token', 'workspace', 'etc', '%2e%2e', '...', ' ', 'new.txt'];
    const next = rng(20260212);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const n = 1 + Math.floor(next() * 6);
      const segs = Array.from({ length: n }, () => pieces[Math.floor(next() * pieces.length)]!);
      const p = (next() < 0.5 ? '/workspace/' : next() < 0.5 ? '/' : '') + segs.join('/');
      for (const mode of ['read', 'write'] as const) {
        try {
          const r = resolveToolPath(table, p, mode);
          accepted++;
          expect(r.host === ws || r.host.startsWith(ws + '/'), `${mode} ${JSON.stringify(p)} -> ${r.host}`).toBe(true);
          expect(r.host.startsWith(data)).toBe(false);
        } catch (err) {
          if (!isNxsError(err)) throw err;
          expect(['NXS_ERR_PATH_DENIED', 'NXS_ERR_PATH_NOT_FOUND']).toContain(err.code);
        }
      }
    }
    expect(accepted).toBeGreaterThan(100); // the fuzzer reached the allowed space too
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
