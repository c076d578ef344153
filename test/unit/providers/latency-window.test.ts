import { describe, it, expect } from 'vitest';
import { LatencyWindows, nearestRank } from '../../../src/providers/latency-window.ts';
import { observeAll, observeAttempts, type ProviderObserver } from '../../../src/providers/observer.ts';

// Issue 18: the console's providers page shows each provider's latency p50/p95 from a fixed window
// of its last answered attempts, kept in the providers part and read from GET /api/providers.

describe('nearestRank', () => {
  it.each([
    { values: [7], q: 0.5, want: 7 },
    { values: [7], q: 0.95, want: 7 },
    { values: [1, 2], q: 0.5, want: 1 },
    { values: [1, 2], q: 0.95, want: 2 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], q: 0.5, want: 5 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], q: 0.95, want: 10 },
    { values: Array.from({ length: 100 }, (_, i) => i + 1), q: 0.95, want: 95 },
  ])('$q of $values.length values is $want (a measured value, never interpolated)', ({ values, q, want }) => {
    expect(nearestRank(Float64Array.from(values), q)).toBe(want);
  });
});

describe('LatencyWindows', () => {
  it('has no summary before a provider answered', () => {
    expect(new LatencyWindows().summary('groq')).toBeNull();
  });

  it('summarises each provider on its own, sorting only when read', () => {
    const w = new LatencyWindows();
    for (const ms of [300, 100, 200, 900, 400]) w.record('groq', ms);
    w.record('local', 12.345);
    expect(w.summary('groq')).toEqual({ samples: 5, p50_ms: 300, p95_ms: 900 });
    expect(w.summary('local')).toEqual({ samples: 1, p50_ms: 12.3, p95_ms: 12.3 });
  });

  it('keeps only the last `size` attempts: old ones fall out of the ring', () => {
    const w = new LatencyWindows(4);
    for (const ms of [1000, 1000, 1000, 1000]) w.record('p', ms);
    expect(w.summary('p')).toEqual({ samples: 4, p50_ms: 1000, p95_ms: 1000 });
    for (const ms of [10, 20, 30]) w.record('p', ms);
    // One slow attempt is left of the four: p95 still sees it, p50 no longer does.
    expect(w.summary('p')).toEqual({ samples: 4, p50_ms: 20, p95_ms: 1000 });
    w.record('p', 40);
    expect(w.summary('p')).toEqual({ samples: 4, p50_ms: 20, p95_ms: 40 });
  });

  it('ignores readings that are not a duration', () => {
    const w = new LatencyWindows();
    for (const ms of [NaN, -1, Infinity]) w.record('p', ms);
    expect(w.summary('p')).toBeNull();
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new LatencyWindows(0)).toThrow(/size must be a positive integer; got 0/);
  });

  it('as an observer counts answered attempts only, in milliseconds', () => {
    const w = new LatencyWindows();
    observeAttempts(w.observer, [
      { provider: 'a', outcome: 'failover', reason: 'HTTP 503', ms: 30_000 },
      { provider: 'b', outcome: 'retry', reason: 'HTTP 429', ms: 5 },
      { provider: 'b', outcome: 'ok', ms: 250 },
      { provider: 'c', outcome: 'skipped', ms: 0 },
    ]);
    expect(w.summary('a')).toBeNull();
    expect(w.summary('b')).toEqual({ samples: 1, p50_ms: 250, p95_ms: 250 });
    expect(w.summary('c')).toBeNull();
  });
});

describe('observeAll', () => {
  it('tells every observer given, skipping the missing ones', () => {
    const seen: string[] = [];
    const recorder = (tag: string): ProviderObserver => ({
      attempt: (p, o, s) => seen.push(`${tag} attempt ${p} ${o} ${s}`),
      firstByte: (p, s) => seen.push(`${tag} firstByte ${p} ${s}`),
      failover: (p) => seen.push(`${tag} failover ${p}`),
      tokens: (p, i, o) => seen.push(`${tag} tokens ${p} ${i} ${o}`),
    });
    const all = observeAll(recorder('m'), undefined, recorder('w'));
    all.attempt('a', 'ok', 0.5);
    all.firstByte('a', 0.1);
    all.failover('a');
    all.tokens('a', 3, 4);
    expect(seen).toEqual(['m attempt a ok 0.5', 'w attempt a ok 0.5', 'm firstByte a 0.1', 'w firstByte a 0.1', 'm failover a', 'w failover a', 'm tokens a 3 4', 'w tokens a 3 4']);
  });
});
