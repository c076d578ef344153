import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { asciiOnly } from '../../../build/bundle.ts';

describe('asciiOnly: the bundle stays one-byte for V8', () => {
  it('escapes what esbuild leaves (regex literals, identifiers) without changing what the code does', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'nxs-ascii-')), 'b.cjs');
    // A regex with U+FFFF as esbuild writes it, an astral character in a u-regex, a non-ASCII identifier.
    const src = 'var ré = 1; module.exports = { bmp: /[\\ud800-\uffff]/, astral: /^😀$/u, ré };';
    writeFileSync(file, src);
    const before = run(src);
    expect(asciiOnly(file)).toBe(5); // é twice, U+FFFF, and the two halves of 😀
    const text = readFileSync(file, 'utf8');
    expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
    const after = run(text);
    for (const probe of ['\ud800', '\uffff', 'a']) expect(after.bmp.test(probe)).toBe(before.bmp.test(probe));
    expect(after.astral.test('😀')).toBe(true);
    expect(after.astral.test('\ud83d')).toBe(false);
    expect(after.ré).toBe(1);
    expect(asciiOnly(file)).toBe(0);
  });
});

function run(code: string): { bmp: RegExp; astral: RegExp; ré: number } {
  const module = { exports: {} as { bmp: RegExp; astral: RegExp; ré: number } };
  vm.runInNewContext(code, { module });
  return module.exports;
}
