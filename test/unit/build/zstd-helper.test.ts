import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { checkStatic, staticUnzstdFor } from '../../../build/zstd-helper.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

// The static unzstd shipped in dist/nxs: byte-exact output, and a clear failure
// (exit 1, one line) on every kind of bad input, never a short success.
let unzstd: string;
const zstd = (data: Buffer, ...args: string[]): Buffer => execFileSync('zstd', ['-q', '-c', ...args], { input: data, maxBuffer: 1 << 28 });
const decode = (input: Buffer) => spawnSync(unzstd, [], { input, env: {}, maxBuffer: 1 << 28 });

beforeAll(() => {
  unzstd = staticUnzstdFor(REPO_ROOT, 'x64');
});

describe('the static unzstd', () => {
  it('is a static x64 executable (it must run where there is no libc)', () => {
    expect(() => checkStatic(unzstd, 'x64')).not.toThrow();
    expect(execFileSync('readelf', ['-l', unzstd], { encoding: 'utf8' })).not.toMatch(/INTERP/);
    expect(() => checkStatic('/bin/sh', 'x64')).toThrow(/dynamically linked/);
  });

  it('decodes byte for byte, with an empty environment, across frames and block sizes', () => {
    const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(2_000_000, 'nxs '), randomBytes(70_000)]);
    for (const level of ['-1', '-19']) {
      const r = decode(zstd(data, level, '--check'));
      expect(r.status).toBe(0);
      expect(Buffer.compare(r.stdout, data)).toBe(0);
    }
    // Two frames back to back decode to both contents, as `zstd -dc` does.
    const two = decode(Buffer.concat([zstd(Buffer.from('one ')), zstd(Buffer.from('two'))]));
    expect(two.stdout.toString()).toBe('one two');
  });

  it('fails on a truncated stream, a flipped byte and garbage, naming the problem', () => {
    const data = Buffer.concat([randomBytes(200_000), Buffer.alloc(500_000, 'x')]);
    const packed = zstd(data, '-3', '--check');
    const truncated = decode(packed.subarray(0, packed.length - 10));
    expect(truncated.status).toBe(1);
    expect(truncated.stderr.toString()).toMatch(/^unzstd: /);
    const flipped = Buffer.from(packed);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x55;
    const bad = decode(flipped);
    expect(bad.status).toBe(1);
    expect(bad.stderr.toString().trim().split('\n')).toHaveLength(1);
    const garbage = decode(Buffer.from('this is not zstd at all'));
    expect(garbage.status).toBe(1);
    expect(garbage.stderr.toString()).toMatch(/unzstd: .*(Unknown frame descriptor|prefix)/i);
    const empty = decode(Buffer.alloc(0));
    expect(empty.status).toBe(1);
    expect(empty.stderr.toString()).toContain('truncated input');
  });

  it('is cached: a second call returns the same file without rebuilding', () => {
    expect(staticUnzstdFor(REPO_ROOT, 'x64')).toBe(unzstd);
    expect(path.basename(path.dirname(unzstd))).toMatch(/^unzstd-x64-[0-9a-f]{16}$/);
  });
});
