import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { loadCore, codeCacheState, CORE_FILE, CORE_CACHE_FILE, CORE_WRAPPER } from '../../../src/runtime/load-core.ts';

// A runtime folder with a tiny core, laid out as the build lays it out.
function runtime(core: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-core-'));
  mkdirSync(path.join(dir, 'app'));
  writeFileSync(path.join(dir, CORE_FILE), CORE_WRAPPER.head + core + CORE_WRAPPER.tail);
  return dir;
}

const CORE = "module.exports = { sum: (a, b) => a + b, builtin: typeof require('node:path').join, file: __filename };";

describe('loadCore: the core and its code cache', () => {
  it('runs the wrapped core with CommonJS arguments; no cache file means "absent"', () => {
    const dir = runtime(CORE);
    const { state, exports } = loadCore(dir, {});
    expect(state).toBe('absent');
    expect(codeCacheState()).toBe('absent');
    expect(exports).toMatchObject({ builtin: 'function', file: path.join(dir, CORE_FILE) });
    expect((exports as { sum: (a: number, b: number) => number }).sum(2, 3)).toBe(5);
  });

  it('uses a cache made from the same source ("accepted") and survives garbage ("rejected")', () => {
    const dir = runtime(CORE);
    const source = readFileSync(path.join(dir, CORE_FILE), 'utf8');
    const made = new vm.Script(source, { filename: path.join(dir, CORE_FILE) });
    writeFileSync(path.join(dir, CORE_CACHE_FILE), made.createCachedData());
    expect(loadCore(dir, {}).state).toBe('accepted');
    // Another source (V8 would otherwise find the first compile in its own in-memory cache).
    const other = runtime(`${CORE} void 0;`);
    writeFileSync(path.join(other, CORE_CACHE_FILE), Buffer.from('not a code cache at all'));
    const r = loadCore(other, {});
    expect(r.state).toBe('rejected');
    expect((r.exports as { sum: (a: number, b: number) => number }).sum(1, 1)).toBe(2);
  });

  it('names the folder to remove when the core is missing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-core-'));
    expect(() => loadCore(dir, {})).toThrow(new RegExp(`runtime ${dir} is incomplete: cannot read .*core\\.cjs \\(ENOENT\\); remove that folder`));
  });
});
