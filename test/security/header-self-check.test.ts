import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildFakeFile, type FakeFile } from '../unit/build/fake-file.ts';

// Issue 14, item 3: the shell runs a script as it reads it, so a file cut inside its header ran
// what was left and exited 0 (122 of 322 cuts at line boundaries), and `nxs health` reported a
// healthy host; a flipped byte in the header exited 2 where the README promises 9. The header
// now checks its own sha256 (line 2) before anything else runs. Each run below uses a HOME with
// a warm runtime, where a damaged header used to reach the exec of bin/nxs.

let work: string;
let fake: FakeFile;
let header: Buffer;
let home: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'nxs-sec-selfcheck-'));
  fake = buildFakeFile(path.join(work, 'fake'));
  header = readFileSync(fake.file).subarray(0, fake.headerBytes);
  home = path.join(work, 'home');
  expect(run(['/bin/sh'], fake.file, ['warm']).code).toBe(0);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(shell: string[], file: string, args = ['health']) {
  const r = spawnSync(shell[0]!, [...shell.slice(1), file, ...args], { env: { HOME: home, PATH: '/usr/bin:/bin' }, encoding: 'utf8', cwd: work });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the fake file with `bytes` as its content. */
function damaged(name: string, bytes: Buffer): string {
  const file = path.join(work, name);
  writeFileSync(file, bytes);
  chmodSync(file, 0o755);
  return file;
}

/** Byte offsets just after each newline inside the header but its last. */
function lineBoundaries(): number[] {
  const ends: number[] = [];
  for (let i = 0; i < header.length - 1; i++) if (header[i] === 0x0a) ends.push(i + 1);
  return ends;
}

const SHELLS = [['/bin/dash'], ['/bin/bash'], ['/bin/busybox', 'sh']];

describe('the header checks itself before anything runs (issue 14, item 3)', () => {
  it('a file cut at any line boundary inside its header exits 9 with one line, and runs nothing', () => {
    const whole = readFileSync(fake.file);
    // A cut leaving line 1 (#!/bin/sh) alone leaves no code that could check anything: the cuts start after line 2.
    const cuts = lineBoundaries().slice(1);
    expect(cuts.length).toBeGreaterThan(300);
    const wrong: string[] = [];
    cuts.forEach((at, i) => {
      // Every cut under dash (/bin/sh here), every thirteenth under bash and busybox too.
      const shells = i % 13 === 0 ? SHELLS : SHELLS.slice(0, 1);
      const file = damaged('cut', whole.subarray(0, at));
      for (const shell of shells) {
        const r = run(shell, file);
        const lines = r.stderr.trim().split('\n');
        if (r.code !== 9 || lines.length !== 1 || r.stdout !== '') wrong.push(`${shell.join(' ')} cut at byte ${at}: exit ${r.code}, stderr ${JSON.stringify(r.stderr)}, stdout ${JSON.stringify(r.stdout)}`);
      }
    });
    expect(wrong).toEqual([]);
  }, 240_000);

  it('names the damage in one line: cut short, or not matching its checksum', () => {
    const whole = readFileSync(fake.file);
    const secondLine = whole.indexOf(0x0a, whole.indexOf(0x0a) + 1) + 1;
    const cut = damaged('cut-early', whole.subarray(0, secondLine));
    expect(run(['/bin/sh'], cut).stderr).toBe(`nxs: ${cut} is cut short or damaged; download or copy it again\n`);
    const late = damaged('cut-late', whole.subarray(0, fake.headerBytes - 500));
    expect(run(['/bin/sh'], late).stderr).toBe(`nxs: ${late} is cut short or damaged: its header does not match its checksum; download or copy it again\n`);
  });

  it('a flipped byte in the header after its first command (line 2) exits 9 with one line (three shells)', () => {
    const whole = readFileSync(fake.file);
    // Line 2 is the first thing the shell parses: it mutes stderr and sets the trap, and a flip in
    // its shell syntax can still end the run before any of that exists (exit 2 or 127). Its 64-digit
    // sum is checked like the rest. Every third byte of that sum and of the check (lines 3-5), then
    // a stride through the rest and the first byte of every tenth line.
    const ends = lineBoundaries();
    const start = ends[1]!;
    const checkEnd = ends[4]!;
    const positions = new Set<number>();
    for (let i = start - 65; i < start - 1; i += 3) positions.add(i);
    for (let i = start; i < checkEnd; i += 3) positions.add(i);
    for (let i = checkEnd; i < fake.headerBytes; i += 97) positions.add(i);
    lineBoundaries().forEach((at, i) => i % 10 === 0 && positions.add(at));
    const wrong: string[] = [];
    let n = 0;
    for (const at of positions) {
      const bytes = Buffer.from(whole);
      bytes[at] = bytes[at]! ^ 0xff;
      const file = damaged('flip', bytes);
      const shell = SHELLS[n++ % SHELLS.length]!;
      const r = run(shell, file);
      if (r.code !== 9 || r.stderr.trim().split('\n').length !== 1 || r.stdout !== '') wrong.push(`${shell.join(' ')} byte ${at} (${JSON.stringify(String.fromCharCode(whole[at]!))}): exit ${r.code}, stderr ${JSON.stringify(r.stderr)}`);
    }
    expect(wrong).toEqual([]);
  }, 240_000);

  it('an intact copy still runs, warm, with nothing on stderr', () => {
    const copy = path.join(work, 'intact');
    copyFileSync(fake.file, copy);
    for (const shell of SHELLS) {
      const r = run(shell, copy, ['x']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('args=x');
    }
  });
});
