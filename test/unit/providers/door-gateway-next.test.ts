import { describe, it, expect } from 'vitest';
import { sdk, caught } from '../../helpers/openai-sdk.ts';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { providersStep } from '../../../src/providers/boot-step.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import type { Clock } from '../../../src/core/clock.ts';

// Issue 15, item 7: what gateway users expect next. /v1/embeddings through the same chain (a
// provider declares the endpoints it serves), and a caller's own say over fallbacks, retries and
// timeout in the x-nxs-config header (modelled on Portkey's x-portkey-config), driven with the SDK.

const prov = (name: string, url: string, extra: Record<string, unknown> = {}) => ({ name, base_url: url, model: `${name}-model`, credential: { none: true }, retries: 0, ...extra });

function door(providers: Record<string, unknown>[], clock?: Clock) {
  return startTestHost({ config: { providers, llm_client: { local_probe: [], retry_base_ms: 0 } }, steps: [hostRoutesStep, providersStep], ...(clock ? { clock } : {}) });
}

const ask = (model = 'auto') => ({ model, messages: [{ role: 'user' as const, content: 'ping' }] });

describe('/v1/embeddings through the chain', () => {
  it('goes only to providers that serve embeddings, fails over among them, and says who served it', async () => {
    await using chat = await startFakeProvider({ name: 'chat' });
    await using e1 = await startFakeProvider({ name: 'e1', fallback: { kind: 'status', status: 500 } });
    await using e2 = await startFakeProvider({ name: 'e2' });
    await using h = await door([
      prov('chat', chat.url),
      prov('e1', e1.url, { endpoints: ['embeddings'], models: { 'text-embedding-3-small': 'e1-small' } }),
      prov('e2', e2.url, { endpoints: ['chat', 'embeddings'], models: { 'text-embedding-3-small': 'e2-small' } }),
    ]);
    const { data, response } = await sdk(h.url, h.token).embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'bb'], encoding_format: 'float' }).withResponse();
    expect(data.data.map((d) => d.embedding[0])).toEqual([1, 2]);
    expect(response.headers.get('x-nxs-provider')).toBe('e2');
    expect(response.headers.get('x-nxs-model')).toBe('e2-small');
    expect(e1.requests.map((r) => [r.path, r.body.model])).toEqual([['/v1/embeddings', 'e1-small']]);
    expect(e2.requests.map((r) => [r.path, r.body.model])).toEqual([['/v1/embeddings', 'e2-small']]);
    expect(chat.requests).toHaveLength(0);

    // And chat never goes to a provider that serves only embeddings.
    chat.fallback = { kind: 'status', status: 500 };
    const c = await sdk(h.url, h.token).chat.completions.create(ask()).withResponse();
    expect(c.response.headers.get('x-nxs-provider')).toBe('e2');
    expect(e1.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(0);
  });

  it('a chat model asked for embeddings is 404 model_not_found; a bad input is 400 naming input; every provider down is the 503 the SDK raises', async () => {
    await using chat = await startFakeProvider({ name: 'chat' });
    await using e = await startFakeProvider({ name: 'e', fallback: { kind: 'status', status: 503 } });
    await using h = await door([prov('chat', chat.url), prov('e', e.url, { endpoints: ['embeddings'], models: { emb: 'e-emb' } })]);
    const notServed = await caught(sdk(h.url, h.token).embeddings.create({ model: 'chat-model', input: 'x' }));
    expect(notServed.status).toBe(404);
    expect(notServed.code).toBe('model_not_found');
    expect(notServed.param).toBe('model');
    const bad = await caught(sdk(h.url, h.token).embeddings.create({ model: 'emb', input: [] }));
    expect(bad.status).toBe(400);
    expect(bad.param).toBe('input');
    const down = await caught(sdk(h.url, h.token).embeddings.create({ model: 'emb', input: 'x' }));
    expect(down.status).toBe(503);
    expect(down.message).toMatch(/e: .*HTTP 503/);
    expect(chat.requests).toHaveLength(0);
    // An embeddings outage is not the chat chain's emergency.
    expect(await (await h.api('/readyz')).json()).not.toMatchObject({ llm: { mode: 'emergency' } });
  });
});

describe('x-nxs-config: one request\'s fallbacks, retries and timeout', () => {
  it('refuses a header it does not understand with a 400 naming the key, before any provider is asked', async () => {
    await using a = await startFakeProvider({ name: 'alpha' });
    await using h = await door([prov('alpha', a.url)]);
    const cases: [string, string][] = [
      ['{"retry": ', 'x-nxs-config'],
      ['{"fallbacks": false}', 'x-nxs-config.fallbacks'],
      ['{"retry": {"attempts": 11}}', 'x-nxs-config.retry.attempts'],
      ['{"request_timeout": "5s"}', 'x-nxs-config.request_timeout'],
      ['{"strategy": {"mode": "loadbalance"}}', 'x-nxs-config.strategy.mode'],
      ['{"targets": ["alpha", "nobody"]}', 'x-nxs-config.targets[1]'],
    ];
    for (const [header, param] of cases) {
      const err = await caught(sdk(h.url, h.token, { 'x-nxs-config': header }).chat.completions.create(ask()));
      expect(err.status, header).toBe(400);
      expect(err.param, header).toBe(param);
      expect(err.message, header).toMatch(/must be/);
    }
    expect(a.requests).toHaveLength(0);
  });

  it('strategy single: no fallback (the 503 of the one provider); targets: only those, in that order', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'status', status: 500 } });
    await using b = await startFakeProvider({ name: 'beta' });
    await using c = await startFakeProvider({ name: 'gamma' });
    await using h = await door([prov('alpha', a.url), prov('beta', b.url), prov('gamma', c.url)]);
    // Targets none of which serves the model: a 400, not an outage.
    const none = await caught(sdk(h.url, h.token, { 'x-nxs-config': '{"targets": ["beta"]}' }).chat.completions.create(ask('gamma-model')));
    expect(none.status).toBe(400);
    expect(none.param).toBe('x-nxs-config.targets');
    const single = await caught(sdk(h.url, h.token, { 'x-nxs-config': '{"strategy": {"mode": "single"}}' }).chat.completions.create(ask()));
    expect(single.status).toBe(503);
    expect(b.requests).toHaveLength(0);
    const targeted = await sdk(h.url, h.token, { 'x-nxs-config': '{"targets": [{"provider": "gamma"}, "beta"]}' }).chat.completions.create(ask()).withResponse();
    expect(targeted.response.headers.get('x-nxs-provider')).toBe('gamma');
    expect(a.requests).toHaveLength(1);
    // Without the header the chain is as configured.
    expect((await sdk(h.url, h.token).chat.completions.create(ask()).withResponse()).response.headers.get('x-nxs-provider')).toBe('beta');
  });

  it('retry.attempts gives a provider configured with none its retries for this request', async () => {
    await using a = await startFakeProvider({ name: 'alpha' });
    await using b = await startFakeProvider({ name: 'beta' });
    await using h = await door([prov('alpha', a.url), prov('beta', b.url)]);
    a.script({ kind: 'status', status: 500 });
    const r = await sdk(h.url, h.token, { 'x-nxs-config': '{"retry": {"attempts": 1}}' }).chat.completions.create(ask()).withResponse();
    expect(r.response.headers.get('x-nxs-provider')).toBe('alpha');
    expect(a.requests).toHaveLength(2);
    expect(b.requests).toHaveLength(0);
  });

  it('request_timeout cuts a provider that hangs well before its own timeout, and the next answers', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'hang' } });
    await using b = await startFakeProvider({ name: 'beta' });
    const clock = new FakeClock();
    await using h = await door([prov('alpha', a.url, { timeouts: { total_ms: 60_000 } }), prov('beta', b.url)], clock);
    const pending = sdk(h.url, h.token, { 'x-nxs-config': '{"request_timeout": 2000}' }).chat.completions.create(ask()).withResponse();
    await a.nextRequest();
    await clock.advance(2000);
    const r = await pending;
    expect(r.response.headers.get('x-nxs-provider')).toBe('beta');
  });
});
