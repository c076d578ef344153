import { describe, it, expect } from 'vitest';
import { decideRestart, type RestartPolicy } from '../../../src/supervisor/restart-policy.ts';

const P: RestartPolicy = { mode: 'on-failure', baseMs: 1000, maxMs: 30_000, jitter: 0.2, crashLoopMax: 5, crashLoopWindowMs: 60_000 };
const NOW = 1_000_000;
const mid = () => 0.5;

describe('decideRestart', () => {
  const cases: [string, Partial<RestartPolicy>, number[], boolean, () => number, ReturnType<typeof decideRestart>][] = [
    ['first failure waits the base', {}, [NOW], false, mid, { action: 'restart', delayMs: 1000, attempt: 1 }],
    ['second failure doubles', {}, [NOW - 5000, NOW], false, mid, { action: 'restart', delayMs: 2000, attempt: 2 }],
    ['fourth failure waits 8x', {}, [NOW - 4, NOW - 3, NOW - 2, NOW], false, mid, { action: 'restart', delayMs: 8000, attempt: 4 }],
    ['delay is capped', { crashLoopMax: 100 }, Array.from({ length: 20 }, (_, i) => NOW - i), false, mid, { action: 'restart', delayMs: 30_000, attempt: 20 }],
    ['jitter low end', {}, [NOW], false, () => 0, { action: 'restart', delayMs: 800, attempt: 1 }],
    ['jitter high end', {}, [NOW], false, () => 0.999999, { action: 'restart', delayMs: 1200, attempt: 1 }],
    ['failures outside the window are forgotten', {}, [NOW - 120_000, NOW - 90_000, NOW - 61_000, NOW - 60_000, NOW], false, mid, { action: 'restart', delayMs: 1000, attempt: 1 }],
    ['N failures within the window park it', {}, [NOW - 50_000, NOW - 40_000, NOW - 30_000, NOW - 100, NOW], false, mid, { action: 'park', reason: '5 failures within 60 s', failuresInWindow: 5 }],
    ['never means stop', { mode: 'never' }, [NOW], false, mid, { action: 'stop', reason: 'restart policy is never' }],
    ['a clean exit stops an on-failure agent', {}, [], true, mid, { action: 'stop', reason: 'exited cleanly and the restart policy is on-failure' }],
    ['a clean exit restarts an always agent', { mode: 'always' }, [], true, mid, { action: 'restart', delayMs: 1000, attempt: 1 }],
    ['zero base restarts at once', { baseMs: 0 }, [NOW], false, mid, { action: 'restart', delayMs: 0, attempt: 1 }],
  ];
  it.each(cases)('%s', (_name, policy, failures, cleanExit, random, expected) => {
    expect(decideRestart({ policy: { ...P, ...policy }, failures, cleanExit }, NOW, random)).toEqual(expected);
  });
});
