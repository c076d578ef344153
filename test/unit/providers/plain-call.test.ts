// The plain (non-streaming) call path: one undici dispatch handler that collects the answer
// (src/providers/collect-handler.ts) under the transport's call guard (timers, caller's signal).
import { describe, it, expect } from 'vitest';
import { getEventListeners } from 'node:events';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { Transport } from '../../../src/providers/transport.ts';
import { parseChain } from '../../../src/providers/config.ts';
import { ConfigCheck } from '../../../src/config/check.ts';
import { UpstreamFailure } from '../../../src/providers/upstream-failure.ts';
import { makeClient, msg } from './client-helpers.ts';

const prov = (name: string, url: string, extra: Record<string, unknown> = {}) => ({ name, base_url: url, model: `${name}-m`, api_key: `sk-${name}-secret-key`, retries: 0, ...extra });

describe('plain calls through the collecting handler', () => {
  it('an error body over 64 KiB is cut: still an HTTP failure with the head of the message, and the next call works', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    const huge = 'x'.repeat(200 * 1024);
    a.script({ kind: 'custom', handle: (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(huge);
    } });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url)]);
    const r = await rig.client.chat(msg());
    expect(r.provider).toBe('b');
    expect(r.attempts[0]).toMatchObject({ provider: 'a', outcome: 'failover' });
    expect(r.attempts[0]!.reason).toMatch(/HTTP 500: x{10}/);
    expect((await rig.client.chat(msg())).provider).toBe('b');
  });

  it('an error answer whose body is cut mid-way is still classified by its status, not as a network error', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    a.script({ kind: 'custom', handle: (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"error": {"message": "overloaded');
      setImmediate(() => res.socket?.destroy());
    } });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url)]);
    const r = await rig.client.chat(msg());
    expect(r.provider).toBe('b');
    expect(r.attempts[0]!.reason).toMatch(/HTTP 503/);
  });

  it('a 200 whose body is cut mid-way is a network failure (never a partial answer)', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    a.script({ kind: 'custom', handle: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id": "x", "choices": [');
      setImmediate(() => res.socket?.destroy());
    } });
    await using b = await startFakeProvider({ name: 'b' });
    await using rig = await makeClient([prov('a', a.url), prov('b', b.url)]);
    const r = await rig.client.chat(msg());
    expect(r.provider).toBe('b');
    expect(r.attempts[0]).toMatchObject({ provider: 'a', outcome: 'failover' });
    expect(r.attempts[0]!.reason).not.toMatch(/HTTP/);
  });

  it('leaves no listener on the caller\'s signal and no timer once a call is over, whatever its end', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    a.script({ kind: 'ok' }, { kind: 'status', status: 500 }, { kind: 'reset' });
    const clock = new FakeClock();
    const t = new Transport(clock);
    const [p] = parseChain([prov('a', a.url)], 'providers', new ConfigCheck());
    const ac = new AbortController();
    try {
      expect((await t.call(p!, 'POST', '/chat/completions', { messages: [] }, 'sk', ac.signal)).status).toBe(200);
      expect((await t.call(p!, 'POST', '/chat/completions', { messages: [] }, 'sk', ac.signal)).status).toBe(500);
      await expect(t.call(p!, 'POST', '/chat/completions', { messages: [] }, 'sk', ac.signal)).rejects.toBeInstanceOf(UpstreamFailure);
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      expect(clock.pending).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('a signal aborted while the call waits for headers cancels it as the caller\'s abort', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'hang' } });
    const clock = new FakeClock();
    const t = new Transport(clock);
    const [p] = parseChain([prov('a', a.url)], 'providers', new ConfigCheck());
    const ac = new AbortController();
    try {
      const call = t.call(p!, 'POST', '/chat/completions', { messages: [] }, 'sk', ac.signal);
      await a.nextRequest();
      ac.abort(new Error('user left'));
      await expect(call).rejects.toMatchObject({ code: 'NXS_ERR_PROVIDER_ABORTED' });
      expect(clock.pending).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('the whole-request bound cuts a hung call on the clock, named first_byte before headers', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'hang' } });
    const clock = new FakeClock();
    const t = new Transport(clock);
    const [p] = parseChain([prov('a', a.url, { timeouts: { total_ms: 5000 } })], 'providers', new ConfigCheck());
    try {
      const call = t.call(p!, 'POST', '/chat/completions', { messages: [] }, 'sk', undefined);
      const failed = call.catch((e: unknown) => e);
      await a.nextRequest();
      await clock.advance(5000);
      expect(await failed).toMatchObject({ failure: { kind: 'timeout', phase: 'first_byte' } });
    } finally {
      await t.close();
    }
  });
});
