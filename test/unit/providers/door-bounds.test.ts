import { describe, it, expect } from 'vitest';
import { debit, levelAt, takeFrom } from '../../../src/providers/token-bucket.ts';
import { controlledRoute, parseRequestControl } from '../../../src/providers/request-control.ts';
import { msToNextUtcDay, utcDay } from '../../../src/providers/usage-store.ts';
import { parseDoorLimits } from '../../../src/supervisor/token-limits.ts';
import { parseChain } from '../../../src/providers/config.ts';
import { ConfigCheck } from '../../../src/config/check.ts';
import { upstreamModel } from '../../../src/providers/provider-spec.ts';

// The pure decisions behind door tokens' bounds and x-nxs-config, as tables.

describe('token buckets computed on demand', () => {
  it.each([
    // [bucket, now, perMinute, n, need, ok | waitMs]
    [undefined, 0, 60, 1, 1, true],
    [{ level: 0, at: 0 }, 0, 60, 1, 1, 1000],
    [{ level: 0, at: 0 }, 1000, 60, 1, 1, true],
    [{ level: 0.5, at: 0 }, 0, 60, 1, 1, 500],
    [{ level: -2, at: 0 }, 0, 10, 0, 1, 18_000],
    [{ level: 5, at: 0 }, 10 * 60_000, 10, 1, 1, true],
  ] as const)('%o at %i, %i/min, take %i needing %i: %s', (b, now, perMinute, n, need, want) => {
    const r = takeFrom(b, now, perMinute, n, need);
    if (want === true) expect(r.ok).toBe(true);
    else expect(r).toEqual({ ok: false, waitMs: want });
  });

  it('never refills past its size, and a debit may take it below zero', () => {
    expect(levelAt({ level: 5, at: 0 }, 3_600_000, 10)).toBe(10);
    expect(debit(undefined, 0, 10, 25)).toEqual({ level: -15, at: 0 });
    expect(levelAt({ level: -15, at: 0 }, 60_000, 10)).toBe(-5);
  });

  it('a day is UTC, and renews at midnight', () => {
    const t = Date.UTC(2026, 2, 1, 23, 59, 30);
    expect(utcDay(t)).toBe('2026-03-01');
    expect(msToNextUtcDay(t)).toBe(30_000);
  });
});

describe('x-nxs-config', () => {
  const chain = parseChain(['a', 'b', 'c'].map((name) => ({ name, base_url: `http://127.0.0.1:9/${name}`, model: `${name}-m`, credential: { none: true }, retries: 2, timeouts: { total_ms: 30_000 } })), 'providers', new ConfigCheck());
  const route = { providers: chain, upstream: (p: (typeof chain)[number]) => upstreamModel(p, undefined), whole: true };

  it('reads Portkey\'s key names and narrows the route as asked', () => {
    const c = parseRequestControl('{"retry": {"attempts": 0}, "request_timeout": 5000, "targets": ["c", {"provider": "a"}]}', ['a', 'b', 'c'])!;
    const r = controlledRoute(route, c);
    expect(r.providers.map((p) => [p.name, p.retries, p.timeouts.totalMs, p.timeouts.firstByteMs])).toEqual([['c', 0, 5000, 5000], ['a', 0, 5000, 5000]]);
    expect(r.whole).toBe(false);
    const single = controlledRoute(route, parseRequestControl('{"strategy": {"mode": "single"}}', ['a', 'b', 'c']));
    expect(single.providers.map((p) => p.name)).toEqual(['a']);
    // Timeouts and retries alone keep the whole chain (its failure is still the host's emergency).
    expect(controlledRoute(route, parseRequestControl('{"request_timeout": 9000}', ['a'])).whole).toBe(true);
  });

  it.each([
    ['[]', 'x-nxs-config'],
    ['{"retry": 2}', 'x-nxs-config.retry'],
    ['{"retry": {"attempts": -1}}', 'x-nxs-config.retry.attempts'],
    ['{"request_timeout": 0}', 'x-nxs-config.request_timeout'],
    ['{"strategy": {"mode": "single", "on_status_codes": [429]}}', 'x-nxs-config.strategy'],
    ['{"targets": []}', 'x-nxs-config.targets'],
    ['{"targets": [{"provider": "a", "weight": 1}]}', 'x-nxs-config.targets[0]'],
    ['{"cache": {"mode": "simple"}}', 'x-nxs-config.cache'],
  ])('%s is a 400 naming %s', (header, param) => {
    expect(() => parseRequestControl(header, ['a'])).toThrowError(expect.objectContaining({ code: 'NXS_ERR_LLM_BAD_REQUEST', details: expect.objectContaining({ param }) }));
  });
});

describe('door limits of a token', () => {
  it('reads models and limits, and refuses what is not a bound', () => {
    expect(parseDoorLimits('cheap, auto', { requests_per_minute: 60, daily_tokens: 1000 })).toEqual({ models: ['cheap', 'auto'], requestsPerMinute: 60, tokensPerMinute: null, dailyTokens: 1000 });
    expect(parseDoorLimits(undefined, undefined)).toEqual({ models: null, requestsPerMinute: null, tokensPerMinute: null, dailyTokens: null });
    for (const [models, limits] of [[[], undefined], [[''], undefined], [undefined, { tokens_per_minute: 1.5 }], [undefined, { rpm: 3 }], [undefined, []]] as const) {
      expect(() => parseDoorLimits(models, limits)).toThrowError(expect.objectContaining({ code: 'NXS_ERR_TOKEN_INVALID' }));
    }
  });
});
