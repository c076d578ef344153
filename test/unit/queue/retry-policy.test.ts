import { describe, expect, it } from 'vitest';
import { decideRetry } from '../../../src/queue/retry-policy.ts';

const decl = { name: 'q', backoff: { baseMs: 1000, maxMs: 10_000 }, retryByCode: { NXS_ERR_FATAL: false as const, NXS_ERR_SLOW: { baseMs: 60_000, maxMs: 60_000 } } };

describe('decideRetry', () => {
  it.each([
    // [code, attempt, maxAttempts, random, expected]
    [undefined, 1, 5, 0, { kind: 'retry', delayMs: 500 }],
    [undefined, 1, 5, 0.999999, { kind: 'retry', delayMs: 1000 }],
    [undefined, 2, 5, 0, { kind: 'retry', delayMs: 1000 }],
    [undefined, 4, 5, 0, { kind: 'retry', delayMs: 4000 }],
    [undefined, 4, 9, 0.5, { kind: 'retry', delayMs: 6000 }],
    [undefined, 8, 9, 0, { kind: 'retry', delayMs: 5000 }], // capped at maxMs, then jittered
    [undefined, 5, 5, 0, { kind: 'dead' }],
    ['NXS_ERR_FATAL', 1, 5, 0, { kind: 'dead' }],
    ['NXS_ERR_SLOW', 1, 5, 0, { kind: 'retry', delayMs: 30_000 }],
    ['NXS_ERR_OTHER', 1, 5, 0, { kind: 'retry', delayMs: 500 }],
  ] as const)('code %s attempt %i of %i, random %f', (code, attempt, maxAttempts, r, expected) => {
    expect(decideRetry(decl, { code, attempt, maxAttempts }, () => r)).toMatchObject(expected);
  });

  it('uses the default backoff when the queue declares none', () => {
    expect(decideRetry({ name: 'q' }, { code: undefined, attempt: 1, maxAttempts: 3 }, () => 0)).toEqual({ kind: 'retry', delayMs: 500 });
  });
});
