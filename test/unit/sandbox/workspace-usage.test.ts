import { linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, statSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, expect, onTestFinished } from 'vitest';
import { giveBack, measureWorkspace, planGiveBack, type FileMark } from '../../../src/sandbox/workspace-usage.ts';

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-wsu-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const marks = (entries: Array<[string, string, number]>): Map<string, FileMark> => new Map(entries.map(([key, rel, size]) => [key, { rel, size }]));

describe('planGiveBack: what a run wrote', () => {
  const cases: Array<{ name: string; before: Array<[string, string, number]>; after: Array<[string, string, number]>; cuts: Array<[string, number]> }> = [
    { name: 'a new file is cut to 0', before: [], after: [['1:1', 'big', 500]], cuts: [['big', 0]] },
    { name: 'a grown file is cut to its old size', before: [['1:1', 'log', 10]], after: [['1:1', 'log', 90]], cuts: [['log', 10]] },
    { name: 'a file renamed by the run keeps its old size (same inode)', before: [['1:1', 'a', 10]], after: [['1:1', 'b', 10]], cuts: [] },
    { name: 'a shrunk or untouched file is left alone', before: [['1:1', 'a', 10], ['1:2', 'b', 5]], after: [['1:1', 'a', 3], ['1:2', 'b', 5]], cuts: [] },
    { name: 'a file replaced under the same name is new (new inode)', before: [['1:1', 'a', 10]], after: [['1:9', 'a', 10]], cuts: [['a', 0]] },
    { name: 'an empty new file needs no cut', before: [], after: [['1:1', 'e', 0]], cuts: [] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      expect(planGiveBack(marks(c.before), marks(c.after)).map((x) => [x.rel, x.toSize])).toEqual(c.cuts);
    });
  }
});

describe('measureWorkspace and giveBack on disk', () => {
  test('counts apparent sizes, each hard-linked file once, without following links', async () => {
    const ws = tempDir();
    const outside = tempDir();
    writeFileSync(path.join(outside, 'secret'), 'x'.repeat(10_000));
    mkdirSync(path.join(ws, 'd'));
    writeFileSync(path.join(ws, 'd', 'f'), 'y'.repeat(1000));
    linkSync(path.join(ws, 'd', 'f'), path.join(ws, 'f-again'));
    symlinkSync(outside, path.join(ws, 'link'));
    const u = await measureWorkspace(ws);
    expect(u.files.size).toBe(1);
    expect(u.bytes).toBe(statSync(path.join(ws, 'd')).size + 1000 + lstatSync(path.join(ws, 'link')).size);
    expect(u.unreadable).toEqual([]);
  });

  test('a cut is refused when the path now leads elsewhere: a folder swapped for a link to a file outside', async () => {
    const ws = tempDir();
    const outside = tempDir();
    mkdirSync(path.join(ws, 'd'));
    writeFileSync(path.join(ws, 'd', 'big'), 'z'.repeat(5000));
    const cuts = planGiveBack(new Map(), (await measureWorkspace(ws)).files);
    expect(cuts).toHaveLength(1);
    // Between the walk and the cut, d becomes a link to a folder outside holding a file of the same name.
    writeFileSync(path.join(outside, 'big'), 'precious');
    renameSync(path.join(ws, 'd'), path.join(ws, 'd-moved'));
    symlinkSync(outside, path.join(ws, 'd'));
    expect(giveBack(ws, cuts)).toBe(0);
    expect(readFileSync(path.join(outside, 'big'), 'utf8')).toBe('precious');
  });

  test('a cut made read-only by the command is still given back', async () => {
    const ws = tempDir();
    writeFileSync(path.join(ws, 'ro'), 'q'.repeat(4096), { mode: 0o444 });
    const cuts = planGiveBack(new Map(), (await measureWorkspace(ws)).files);
    expect(giveBack(ws, cuts)).toBe(4096);
    expect(statSync(path.join(ws, 'ro')).size).toBe(0);
  });
});
