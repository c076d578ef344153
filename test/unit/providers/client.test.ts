import { describe, it, expect } from 'vitest';
import { startFakeProvider, refusedUrl } from '../../helpers/fake-provider.ts';
import { makeClient, until, msg } from './client-helpers.ts';
import { FallbackClient } from '../../../src/providers/client.ts';
import { createFallbackClient } from '../../../src/providers/create-client.ts';

const prov = (name: string, url: string, extra: Record<string, unknown> = {}) => ({ name, base_url: url, model: `${name}-m`, api_key: `sk-${name}-secret-key`, retries: 1, ...extra });

describe('fallback client: plain calls', () => {
  it('answers from the primary and passes tools and response_format through', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    await using rig = await makeClient([prov('a', a.url)]);
    const tools = [{ type: 'function', function: { name: 'f', parameters: {} } }];
    const r = await rig.client.chat({ model: 'auto', ...msg(), tools, response_format: { type: 'json_object' } });
    expect(r).toMatchObject({ provider: 'a', cached: false });
    expect(r.completion.choices[0]!.message.content).toBe('Hello from a');
    expect(a.requests[0]!.body).toMatchObject({ model: 'a-m', tools, response_format: { type: 'json_object' }, stream: false });
    expect(a.requests[0]!.headers.authorization).toBe('Bearer sk-a-secret-key');
    expect(rig.client.mode()).toBe('normal');
  });

  it('retries a 500, then fails over to the next provider', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 500 } });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url)]);
    const r = await rig.client.chat(msg());
    expect(r.provider).toBe('b');
    expect(a.requests).toHaveLength(2);
    expect(r.attempts.map((x) => [x.provider, x.outcome])).toEqual([['a', 'retry'], ['a', 'failover'], ['b', 'ok']]);
  });

  // Issue 16: the bus ran listeners inside the emitter, so a listener that threw (the doctor writing to a
  // full disk) turned the failover into a failed LLM call.
  it('a provider.down listener that throws does not fail the call: it fails over, and the failure is logged', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 500 } });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url, { retries: 0 }), prov('b', b.url)]);
    rig.ctx.events.on('provider.down', () => {
      throw new Error('SQLITE_FULL: database or disk is full');
    });
    const r = await rig.client.chat(msg());
    expect(r.provider).toBe('b');
    expect(r.attempts.map((x) => [x.provider, x.outcome])).toEqual([['a', 'failover'], ['b', 'ok']]);
    expect(rig.ctx.events.listenerFailures).toBe(1);
    expect(rig.ctx.logLines.some((l) => l.includes('an event listener failed') && l.includes('provider.down') && l.includes('SQLITE_FULL'))).toBe(true);
  });

  it.each([
    ['503', { kind: 'status', status: 503 }],
    ['a socket reset', { kind: 'reset' }],
    ['malformed JSON', { kind: 'malformed-json' }],
  ] as const)('fails over after %s', async (_n, step) => {
    await using a = await startFakeProvider({ name: 'a', fallback: step });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url, { retries: 0 }), prov('b', b.url)]);
    expect((await rig.client.chat(msg())).provider).toBe('b');
  });

  it('fails over at once on a refused connection', async () => {
    const dead = await refusedUrl();
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', dead, { retries: 3 }), prov('b', b.url)]);
    const r = await rig.client.chat(msg());
    expect(r.attempts.map((x) => [x.provider, x.outcome])).toEqual([['a', 'failover'], ['b', 'ok']]);
  });

  it('with no other provider, waits out a 429\'s Retry-After when it fits the budget (on the clock)', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    a.script({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    await using rig = await makeClient([prov('a', a.url)]);
    const p = rig.client.chat(msg());
    await until(() => a.requests.length === 1 && rig.clock.nextDue === rig.clock.now() + 2000 && rig.clock.pending === 1);
    await rig.clock.advance(2000);
    const r = await p;
    expect(r.provider).toBe('a');
    expect(a.requests).toHaveLength(2);
  });

  it('every provider rate limited: waits for the one back first, only when its wait fits the budget', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    a.script({ kind: 'status', status: 429, headers: { 'retry-after': '600' } });
    await using b = await startFakeProvider({ name: 'b' });
    b.script({ kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url)]);
    const p = rig.client.chat(msg());
    // One try each (no retry on a 429), then one timer: b's Retry-After, not a's.
    await until(() => a.requests.length === 1 && b.requests.length === 1 && rig.clock.nextDue === rig.clock.now() + 3000);
    await rig.clock.advance(3000);
    const r = await p;
    expect(r.provider).toBe('b');
    expect([a.requests.length, b.requests.length]).toEqual([1, 2]);
    // Past the budget (default 15 s), nothing is waited for: the caller hears of it at once.
    a.script({ kind: 'status', status: 429, headers: { 'retry-after': '600' } });
    b.script({ kind: 'status', status: 429, headers: { 'retry-after': '60' } });
    await rig.clock.advance(600_000);
    await expect(rig.client.chat(msg('again'))).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDERS_EXHAUSTED', details: { cause: 'rate_limit', retryAfterSeconds: 60 } });
  });

  it('a 429 whose Retry-After exceeds the budget fails over and rests the provider', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    a.script({ kind: 'status', status: 429, headers: { 'retry-after': '600' } });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url)]);
    expect((await rig.client.chat(msg(), { latencyBudgetMs: 5000 })).provider).toBe('b');
    const v = rig.client.views().find((x) => x.name === 'a')!;
    expect(v.available).toBe('resting');
  });

  it('a hang before headers times out on the clock and fails over', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'hang' } });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url, { retries: 0, timeouts: { first_byte_ms: 3000, total_ms: 10000 } }), prov('b', b.url)]);
    const p = rig.client.chat(msg());
    await a.nextRequest();
    await rig.clock.advance(3000);
    const r = await p;
    expect(r.provider).toBe('b');
    expect(r.attempts[0]!.reason).toMatch(/first byte/);
  });

  it('a 401 skips the provider until its credential changes, and raises an alert', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    a.script({ kind: 'status', status: 401 });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url, { api_key: undefined }), prov('b', b.url)], {}, { A_API_KEY: 'sk-old-key-123' });
    const alerts: unknown[] = [];
    rig.ctx.events.on('alert', (x) => alerts.push(x));
    const expired = rig.ctx.events.once('provider.credential_expired');
    expect((await rig.client.chat(msg())).provider).toBe('b');
    await expired;
    expect(alerts).toMatchObject([{ code: 'NXS_ERR_PROVIDER_CREDENTIAL_REFUSED', source: 'providers' }]);
    expect((await rig.client.chat(msg('again'))).provider).toBe('b');
    expect(a.requests).toHaveLength(1);
    rig.env.A_API_KEY = 'sk-new-key-456';
    // The recovery probe notices the new key and moves back up to a.
    const recovered = rig.ctx.events.once('provider.recovered');
    await rig.clock.advance(rig.clock.nextDue! - rig.clock.now());
    await recovered;
    expect((await rig.client.chat(msg('third'))).provider).toBe('a');
    expect(a.requests.at(-1)!.headers.authorization).toBe('Bearer sk-new-key-456');
  });

  it('a context-length 400 goes to a provider with a larger context', async () => {
    const ctxErr = { kind: 'status', status: 400, body: { error: { message: 'too long', code: 'context_length_exceeded' } } } as const;
    await using small = await startFakeProvider({ name: 'small', fallback: ctxErr });
    await using alsoSmall = await startFakeProvider({ name: 'also' });
    await using big = await startFakeProvider({ name: 'big' });
    await using rig = await makeClient([prov('small', small.url, { context_window: 8000 }), prov('also', alsoSmall.url, { context_window: 4000 }), prov('big', big.url, { context_window: 128000 })]);
    const r = await rig.client.chat(msg());
    expect(r.provider).toBe('big');
    expect(alsoSmall.requests).toHaveLength(0);
  });

  it('another 4xx goes back to the caller without trying others', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 400, body: { error: { message: 'temperature too high' } } } });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url)]);
    await expect(rig.client.chat(msg())).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDER_REJECTED' });
    expect(b.requests).toHaveLength(0);
  });

  it('an AbortSignal cancels a call in flight', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'hang' } });
    await using rig = await makeClient([prov('a', a.url)]);
    const ac = new AbortController();
    const p = rig.client.chat(msg(), { signal: ac.signal });
    await a.nextRequest();
    ac.abort(new Error('user left'));
    await expect(p).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDER_ABORTED' });
  });
});

describe('fallback client: health, emergency, recovery', () => {
  it('exhausted: throws NXS_ERR_PROVIDERS_EXHAUSTED, then answers a repeated request from the cache', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    await using rig = await makeClient([prov('a', a.url, { retries: 0 })], { breaker_failures: 1 });
    const first = await rig.client.chat(msg('what is 2+2'));
    a.fallback = { kind: 'status', status: 500 };
    const cached = await rig.client.chat(msg('what is 2+2'));
    expect(cached).toMatchObject({ cached: true, provider: 'a' });
    expect(cached.completion.choices).toEqual(first.completion.choices);
    expect(rig.client.mode()).toBe('emergency');
    await expect(rig.client.chat(msg('never asked'))).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDERS_EXHAUSTED' });
  });

  it('opens the breaker, persists it, and a new client skips the provider', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 500 } });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url, { retries: 0 }), prov('b', b.url)], { breaker_failures: 1, cooldown_base_ms: 60000 });
    await rig.client.chat(msg('1'));
    await rig.client.chat(msg('2'));
    expect(a.requests).toHaveLength(1);
    const again = createFallbackClient(rig.ctx);
    try {
      expect(again.views()[0]).toMatchObject({ name: 'a', state: 'open', available: 'resting' });
      expect((await again.chat(msg('3'))).attempts[0]).toMatchObject({ provider: 'a', outcome: 'skipped' });
      expect(a.requests).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  it('sticks with the provider that works, and the recovery probe moves back up; idle holds no timer', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 503 } });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url, { retries: 0 }), prov('b', b.url)], { breaker_failures: 1, cooldown_base_ms: 10000 });
    expect((await rig.client.chat(msg('1'))).provider).toBe('b');
    expect(rig.client.mode()).toBe('degraded');
    expect(rig.clock.pending).toBe(1);
    expect(rig.clock.nextDue).toBe(rig.clock.now() + 10000);
    expect((await rig.client.chat(msg('2'))).attempts.map((x) => x.provider)).toEqual(['b']);
    a.fallback = { kind: 'ok' };
    const recovered = rig.ctx.events.once('provider.recovered');
    await rig.clock.advance(10000);
    await recovered;
    expect(rig.client.mode()).toBe('normal');
    expect(rig.clock.pending).toBe(0);
    expect((await rig.client.chat(msg('3'))).provider).toBe('a');
  });

  it('in emergency the probe backs off exponentially and fires onRecovered', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 500 } });
    await using rig = await makeClient([prov('a', a.url, { retries: 0 })], { breaker_failures: 1, cooldown_base_ms: 1000, cooldown_max_ms: 1000 });
    await expect(rig.client.chat(msg())).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDERS_EXHAUSTED' });
    let recovered = 0;
    rig.client.onRecovered(() => recovered++);
    const due1 = rig.clock.nextDue! - rig.clock.now();
    const n = a.requests.length;
    await rig.clock.advance(due1);
    await until(() => a.requests.length === n + 1 && rig.clock.pending === 1);
    const due2 = rig.clock.nextDue! - rig.clock.now();
    expect(due2).toBeGreaterThan(due1);
    a.fallback = { kind: 'ok' };
    await rig.clock.advance(due2);
    await until(() => recovered === 1);
    expect(rig.client.mode()).toBe('normal');
  });

  it('announces provider.down on failures and honours the doctor\'s provider.demote', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url, { retries: 0 }), prov('b', b.url)], { cooldown_base_ms: 30000 });
    const downs: unknown[] = [];
    rig.ctx.events.on('provider.down', (x) => downs.push(x));
    a.script({ kind: 'status', status: 500 });
    await rig.client.chat(msg('1'));
    expect(downs).toMatchObject([{ provider: 'a' }]);
    rig.ctx.events.emit('provider.demote', { provider: 'b', reason: 'doctor' });
    expect(rig.client.views().find((v) => v.name === 'b')).toMatchObject({ state: 'open', available: 'resting' });
    expect((await rig.client.chat(msg('2'))).provider).toBe('a');
  });
});
