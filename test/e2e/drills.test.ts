import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { DRILLS } from '../../bench/drills/runner.ts';
import { markdownTable, printResult, type DrillResult } from '../../bench/drills/report.ts';
import { tempDir } from '../../bench/lib/drill-host.ts';

// Seed 000 §8.1's failure table as CI runs it: every drill of `npm run drills` in its short variant,
// against the dist/nxs the global setup built. Outcomes are asserted (nothing lost, order kept, each
// behaviour check); the times are printed, never asserted (2 shared cores make them noisy).
const home = tempDir('nxs-e2e-drills-home-');
const results: DrillResult[] = [];
const root = process.getuid?.() === 0;
// Only the memory drill has no honest stand-in without root (a cgroup); the disk drill falls back.
const needsRoot = new Set(['memory-pressure']);

describe('survival drills (short)', () => {
  afterAll(() => {
    process.stdout.write('\n' + markdownTable(results) + '\n');
    rmSync(home, { recursive: true, force: true });
  });

  for (const [name, drill] of Object.entries(DRILLS)) {
    it.skipIf(needsRoot.has(name) && !root)(`${name}: nothing lost, order kept, recovered`, async () => {
      const r = await drill({ home, short: true, say: () => {} });
      results.push(r);
      printResult(r);
      expect(r.lost).toBe(0);
      expect(r.inOrder).toBe(true);
      expect(r.accepted).toBeGreaterThan(0);
      expect(r.checks).toEqual(Object.fromEntries(Object.keys(r.checks).map((k) => [k, true])));
    }, 360_000);
  }
});
