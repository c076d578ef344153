import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sourceDate } from '../../../build/source-date.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

// Issue 16: the manifest held the build's clock time, so no two builds had the same bytes.
describe('the date a build names in its manifest', () => {
  it('is SOURCE_DATE_EPOCH when set, and refuses anything but whole seconds', () => {
    expect(sourceDate(REPO_ROOT, { SOURCE_DATE_EPOCH: '1767225600' })).toEqual({ source_date: '2026-01-01T00:00:00.000Z' });
    expect(() => sourceDate(REPO_ROOT, { SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(/SOURCE_DATE_EPOCH must be whole seconds since 1970; got "yesterday"/);
  });

  it('else the commit time of the tree (the same on every build of it), else none', () => {
    const once = sourceDate(REPO_ROOT, {});
    expect(once.source_date).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(sourceDate(REPO_ROOT, {})).toEqual(once);
    const bare = mkdtempSync(path.join(tmpdir(), 'nxs-no-git-'));
    try {
      expect(sourceDate(bare, {})).toEqual({});
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
