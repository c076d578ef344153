import { describe, it, expect } from 'vitest';
import { backoffDelay, type BackoffTable } from '../../../src/core/backoff.ts';

const plain: BackoffTable = { baseMs: 1_000, maxMs: 300_000 };
const equal: BackoffTable = { baseMs: 1_000, maxMs: 10_000, jitter: 'equal' };
const spread: BackoffTable = { baseMs: 1_000, maxMs: 60_000, jitter: { spread: 0.2 } };

// [case, step, table, draw, delay]
const TABLE: [string, number, BackoffTable, number, number][] = [
  ['step 0 waits the base', 0, plain, 0, 1_000],
  ['each step doubles', 3, plain, 0, 8_000],
  ['the cap holds', 9, plain, 0, 300_000],
  ['a huge step stays finite at the cap', 10_000, plain, 0, 300_000],
  ['a negative step counts as 0 (a breaker at 0 opens)', -1, plain, 0, 1_000],
  ['a base above the cap is cut to the cap', 0, { baseMs: 10_000, maxMs: 5_000 }, 0, 5_000],
  ['another factor', 2, { baseMs: 100, maxMs: 10_000, factor: 3 }, 0, 900],
  ['no jitter ignores the draw', 1, plain, 0.9, 2_000],
  ['equal jitter: a draw of 0 is half', 1, equal, 0, 1_000],
  ['equal jitter: a draw of 0.5 is three quarters', 1, equal, 0.5, 1_500],
  ['equal jitter: a draw of 1 is held below 1 (then rounded)', 1, equal, 1, 2_000],
  ['equal jitter at the cap', 10, equal, 0.5, 7_500],
  ['equal jitter: a draw below 0 is 0', 0, equal, -3, 500],
  ['spread: a draw of 0.5 is the nominal delay', 2, spread, 0.5, 4_000],
  ['spread: a draw of 0 is 20% early', 2, spread, 0, 3_200],
  ['spread: a draw near 1 is 20% late', 2, spread, 0.999, 4_798],
  ['spread never passes the cap', 6, spread, 0.999, 60_000],
  ['spread never goes below 0', 0, { baseMs: 10, maxMs: 100, jitter: { spread: 3 } }, 0, 0],
];

describe('backoffDelay: one backoff for retries, restarts, cooldowns and probes', () => {
  it.each(TABLE)('%s', (_case, step, table, draw, want) => {
    expect(backoffDelay(step, table, draw)).toBe(want);
  });

  it('equal jitter stays within [d/2, d] for any draw', () => {
    for (const draw of [0, 0.1, 0.25, 0.5, 0.75, 0.999, 1]) {
      const d = backoffDelay(4, { baseMs: 100, maxMs: 1e9, jitter: 'equal' }, draw);
      expect(d).toBeGreaterThanOrEqual(800);
      expect(d).toBeLessThanOrEqual(1_600);
    }
  });
});
