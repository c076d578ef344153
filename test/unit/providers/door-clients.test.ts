import { describe, it, expect } from 'vitest';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { sdk, caught } from '../../helpers/openai-sdk.ts';
import { startFakeProvider, type FakeProvider } from '../../helpers/fake-provider.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { providersStep } from '../../../src/providers/boot-step.ts';
import { queueStep } from '../../../src/queue/boot-step.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';

// Issue 15: the /v1 door driven by the official openai SDK through every failure the issue
// observed, against scripted loopback providers. Each test reproduces an observation and shows
// the truthful behaviour; none sleeps or measures time (scripted upstreams, awaited events).

const prov = (name: string, url: string, extra: Record<string, unknown> = {}) => ({ name, base_url: url, model: `${name}-model`, credential: { none: true }, retries: 0, ...extra });

async function door(providers: Record<string, unknown>[], client: Record<string, unknown> = {}) {
  return startTestHost({
    config: { providers, llm_client: { local_probe: [], retry_base_ms: 0, ...client } },
    // The queue runs too: nothing may be queued on a caller's behalf unless it asks.
    steps: [hostRoutesStep, queueStep, providersStep],
  });
}

const ask = (content = 'ping') => ({ model: 'auto', messages: [{ role: 'user' as const, content }] });

function deferredJobs(h: { ctx: { db: { prepare(sql: string): { get(...a: unknown[]): unknown } } } }): number {
  return (h.ctx.db.prepare("SELECT count(*) AS n FROM queue_jobs WHERE queue = 'llm.deferred'").get() as { n: number }).n;
}

describe('issue 15: every provider down', () => {
  it('a plain call raises a 503 APIError naming what failed, with Retry-After, and nothing is queued', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'status', status: 500 } });
    await using b = await startFakeProvider({ name: 'beta', fallback: { kind: 'reset' } });
    await using h = await door([prov('alpha', a.url), prov('beta', b.url)], { breaker_failures: 1, cooldown_base_ms: 30_000 });
    const err = await caught(sdk(h.url, h.token).chat.completions.create(ask()));
    expect(err.status).toBe(503);
    expect(err.code).toBe('NXS_ERR_PROVIDERS_EXHAUSTED');
    expect(err.message).toMatch(/alpha: .*HTTP 500/);
    expect(err.message).toMatch(/beta: network error/);
    // Both breakers opened for 30 s: nxs knows when to come back.
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(err.headers?.get('x-nxs-error-code')).toBe('NXS_ERR_PROVIDERS_EXHAUSTED');
    expect(deferredJobs(h)).toBe(0);
  });

  it('a streaming call raises the same 503 before any stream byte (no 202, no JSON in place of SSE)', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'status', status: 503 } });
    await using h = await door([prov('alpha', a.url)]);
    const err = await caught(sdk(h.url, h.token).chat.completions.create({ ...ask(), stream: true }));
    expect(err.status).toBe(503);
    expect(err.code).toBe('NXS_ERR_PROVIDERS_EXHAUSTED');
    expect(deferredJobs(h)).toBe(0);
  });

  it('an emergency-cache hit stays a 200 and says so in a header', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'ok', content: 'remembered' } });
    await using h = await door([prov('alpha', a.url)]);
    const client = sdk(h.url, h.token);
    await client.chat.completions.create(ask('same'));
    a.fallback = { kind: 'status', status: 500 };
    const { data, response } = await client.chat.completions.create(ask('same')).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-nxs-cached')).toBe('true');
    expect(data.choices[0]!.message.content).toBe('remembered');
  });
});

describe('issue 15: a cut stream is never spliced', () => {
  it.each([
    ['cut after two chunks', { kind: 'cut-mid-stream', sent: ['pong ', 'from '] }],
    ['an upstream error event', { kind: 'error-mid-stream', sent: ['pong ', 'from '] }],
  ] as const)('%s: the SDK gets the real chunks, then raises; no finish_reason, and nothing enters the cache', async (_n, step) => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: step });
    await using b = await startFakeProvider({ name: 'beta', fallback: { kind: 'ok', content: 'pong from beta: hello' } });
    await using h = await door([prov('alpha', a.url), prov('beta', b.url)], { breaker_failures: 5 });
    const client = sdk(h.url, h.token);
    const s = await client.chat.completions.create({ ...ask('q'), stream: true });
    let text = '';
    const finishes: unknown[] = [];
    const err = await caught((async () => {
      for await (const c of s) {
        text += c.choices[0]?.delta?.content ?? '';
        finishes.push(c.choices[0]?.finish_reason ?? null);
      }
    })());
    expect(text).toBe('pong from ');
    expect(finishes.every((f) => f === null)).toBe(true);
    expect(err.message).toMatch(/cut after 10 characters/);
    expect(b.requests).toHaveLength(0);
    // Every provider down now: the partial answer was never cached, so this is an honest 503.
    a.fallback = { kind: 'status', status: 500 };
    b.fallback = { kind: 'status', status: 500 };
    expect((await caught(client.chat.completions.create(ask('q')))).status).toBe(503);
  });

  it('a provider that fails before any of the answer is replaced silently', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'cut-mid-stream', sent: [] } });
    await using b = await startFakeProvider({ name: 'beta', fallback: { kind: 'ok', content: 'whole answer' } });
    await using h = await door([prov('alpha', a.url), prov('beta', b.url)]);
    let text = '';
    for await (const c of await sdk(h.url, h.token).chat.completions.create({ ...ask(), stream: true })) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('whole answer');
  });

  it('a streamed n=2 answer is cached choice by choice, never as one interleaved text', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'ok', choices: ['one two three', 'four five six'] } });
    await using h = await door([prov('alpha', a.url)]);
    const client = sdk(h.url, h.token);
    const body = { ...ask('two please'), n: 2 };
    const texts = ['', ''];
    for await (const c of await client.chat.completions.create({ ...body, stream: true })) for (const x of c.choices) texts[x.index] += x.delta?.content ?? '';
    expect(texts).toEqual(['one two three', 'four five six']);
    a.fallback = { kind: 'status', status: 500 };
    const cached = await client.chat.completions.create(body);
    expect(cached.choices.map((c) => [c.index, c.message.content])).toEqual([[0, 'one two three'], [1, 'four five six']]);
  });
});

describe('issue 15: rate limits route around', () => {
  it('a 429 with Retry-After 30 moves to the next provider at once (one try, not three), and rests the first', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'status', status: 429, headers: { 'retry-after': '30' } } });
    await using b = await startFakeProvider({ name: 'beta', fallback: { kind: 'ok', content: 'from beta' } });
    await using h = await door([prov('alpha', a.url, { retries: 2 }), prov('beta', b.url)]);
    const client = sdk(h.url, h.token);
    const { data, response } = await client.chat.completions.create(ask()).withResponse();
    expect(data.choices[0]!.message.content).toBe('from beta');
    expect(response.headers.get('x-nxs-provider')).toBe('beta');
    expect(a.requests).toHaveLength(1);
    // The next request does not knock on the resting provider at all.
    await client.chat.completions.create(ask('again'));
    expect(a.requests).toHaveLength(1);
  });

  it('every provider rate limited past the budget: a 429 rate_limit_exceeded with Retry-After', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'status', status: 429, headers: { 'retry-after': '30' } } });
    await using b = await startFakeProvider({ name: 'beta', fallback: { kind: 'status', status: 429, headers: { 'retry-after': '40' } } });
    await using h = await door([prov('alpha', a.url), prov('beta', b.url)]);
    const err = await caught(sdk(h.url, h.token).chat.completions.create(ask()));
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThanOrEqual(29);
    expect(Number(err.headers?.get('retry-after'))).toBeLessThanOrEqual(30);
  });
});

describe('issue 15: model names route', () => {
  const chain = (a: FakeProvider, b: FakeProvider) => [prov('alpha', a.url, { models: { 'alias-a': 'a-model-id' } }), prov('beta', b.url)];

  it('a model /v1/models lists as beta\'s goes to beta, and the answer says who served it', async () => {
    await using a = await startFakeProvider({ name: 'alpha' });
    await using b = await startFakeProvider({ name: 'beta' });
    await using h = await door(chain(a, b));
    const client = sdk(h.url, h.token);
    expect((await client.models.list()).data.find((m) => m.id === 'beta-model')?.owned_by).toBe('beta');
    const { data, response } = await client.chat.completions.create({ ...ask(), model: 'beta-model' }).withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello from beta');
    expect(b.requests[0]!.body.model).toBe('beta-model');
    expect(a.requests).toHaveLength(0);
    expect(response.headers.get('x-nxs-provider')).toBe('beta');
    expect(response.headers.get('x-nxs-model')).toBe('beta-model');
    // Streams say it in a header too.
    const s = await client.chat.completions.create({ ...ask(), model: 'beta-model', stream: true }).withResponse();
    expect(s.response.headers.get('x-nxs-provider')).toBe('beta');
    expect(s.response.headers.get('x-nxs-model')).toBe('beta-model');
    for await (const _c of s.data);
  });

  it('an alias only alpha serves is never answered by beta: alpha down is a 503', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'status', status: 500 } });
    await using b = await startFakeProvider({ name: 'beta' });
    await using h = await door(chain(a, b));
    const err = await caught(sdk(h.url, h.token).chat.completions.create({ ...ask(), model: 'alias-a' }));
    expect(err.status).toBe(503);
    expect(a.requests[0]!.body.model).toBe('a-model-id');
    expect(b.requests).toHaveLength(0);
    // auto is still the whole chain.
    expect((await sdk(h.url, h.token).chat.completions.create(ask())).choices[0]!.message.content).toBe('Hello from beta');
  });

  it('a model group tries its members in its own order, each with its own model', async () => {
    await using a = await startFakeProvider({ name: 'alpha' });
    await using b = await startFakeProvider({ name: 'beta', fallback: { kind: 'status', status: 503 } });
    await using h = await door(chain(a, b), { model_groups: { fast: ['beta', { provider: 'alpha', model: 'alpha-fast' }] } });
    const client = sdk(h.url, h.token);
    const { response } = await client.chat.completions.create({ ...ask(), model: 'fast' }).withResponse();
    expect(b.requests[0]!.body.model).toBe('beta-model');
    expect(a.requests[0]!.body.model).toBe('alpha-fast');
    expect(response.headers.get('x-nxs-provider')).toBe('alpha');
    expect((await client.models.retrieve('fast')).owned_by).toBe('nxs');
  });

  it('models.retrieve works; an unknown model is a 404 model_not_found naming the param', async () => {
    await using a = await startFakeProvider({ name: 'alpha' });
    await using b = await startFakeProvider({ name: 'beta' });
    await using h = await door(chain(a, b));
    const client = sdk(h.url, h.token);
    expect(await client.models.retrieve('beta-model')).toMatchObject({ id: 'beta-model', object: 'model', owned_by: 'beta' });
    const missing = await caught(client.models.retrieve('gpt-9'));
    expect(missing.status).toBe(404);
    expect(missing.code).toBe('model_not_found');
    const err = await caught(client.chat.completions.create({ ...ask(), model: 'gpt-9' }));
    expect([err.status, err.code, err.param]).toEqual([404, 'model_not_found', 'model']);
  });
});

describe('issue 15: streams flow', () => {
  it('headers go out when the provider accepts, and each reasoning delta reaches the SDK before the next is sent', async () => {
    const reasoning = ['Let me', ' think', ' about', ' it.'];
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'gated', deltas: [...reasoning.map((r) => ({ reasoning_content: r })), { content: 'Answer.' }] } });
    await using h = await door([prov('alpha', a.url)]);
    // The provider has sent nothing but its headers: the SDK's create() resolves all the same.
    const s = await sdk(h.url, h.token).chat.completions.create({ ...ask(), stream: true }).withResponse();
    expect(s.response.headers.get('x-nxs-provider')).toBe('alpha');
    const it = s.data[Symbol.asyncIterator]();
    for (const r of reasoning) {
      await a.release();
      const c = await it.next();
      expect((c.value!.choices[0]!.delta as { reasoning_content?: string }).reasoning_content).toBe(r);
    }
    await a.release();
    expect((await it.next()).value!.choices[0]!.delta.content).toBe('Answer.');
    expect((await it.next()).value!.choices[0]!.finish_reason).toBe('stop');
    expect((await it.next()).done).toBe(true);
  });

  it('an abort by the SDK reaches the upstream', async () => {
    let upstream!: ServerResponse;
    let resolveArrived!: () => void;
    const arrived = { promise: new Promise<void>((r) => (resolveArrived = r)), resolve: () => resolveArrived() };
    await using a = await startFakeProvider({
      name: 'alpha',
      fallback: { kind: 'custom', handle: (_r, res) => {
        upstream = res;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: 'thinking...' }, finish_reason: null }] })}\n\n`);
        arrived.resolve();
      } },
    });
    await using h = await door([prov('alpha', a.url)]);
    const ac = new AbortController();
    const s = await sdk(h.url, h.token).chat.completions.create({ ...ask(), stream: true }, { signal: ac.signal });
    await arrived.promise;
    const closed = once(upstream, 'close');
    const it = s[Symbol.asyncIterator]();
    expect((await it.next()).value!.choices[0]!.delta.content).toBe('thinking...');
    ac.abort();
    await closed;
  });
});

describe('issue 15: errors as OpenAI clients expect', () => {
  it('an upstream 4xx is passed on with its own status, code, param and request id', async () => {
    const refusal = { error: { message: 'logit_bias is not supported', type: 'invalid_request_error', code: 'unsupported_parameter', param: 'logit_bias' } };
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'status', status: 422, body: refusal, headers: { 'x-request-id': 'req_up_422' } } });
    await using h = await door([prov('alpha', a.url)]);
    const err = await caught(sdk(h.url, h.token).chat.completions.create({ ...ask(), logit_bias: { 1: 1 } }));
    expect([err.status, err.code, err.param, err.type]).toEqual([422, 'unsupported_parameter', 'logit_bias', 'invalid_request_error']);
    expect(err.requestID).toBe('req_up_422');
    expect(err.message).toMatch(/logit_bias is not supported/);
  });

  it('a success carries the upstream request id and rate-limit headers', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'ok', headers: { 'x-request-id': 'req_up_1', 'x-ratelimit-remaining-requests': '99', 'set-cookie': 'no=thanks' } } });
    await using h = await door([prov('alpha', a.url)]);
    const { response, request_id } = await sdk(h.url, h.token).chat.completions.create(ask()).withResponse();
    expect(request_id).toBe('req_up_1');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('99');
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('a prompt too long for every provider is a 400 context_length_exceeded, not an outage', async () => {
    const tooLong = { kind: 'status', status: 400, body: { error: { message: 'maximum context length exceeded', code: 'context_length_exceeded' } } } as const;
    await using a = await startFakeProvider({ name: 'alpha', fallback: tooLong });
    await using b = await startFakeProvider({ name: 'beta', fallback: tooLong });
    await using h = await door([prov('alpha', a.url), prov('beta', b.url)]);
    const err = await caught(sdk(h.url, h.token).chat.completions.create(ask()));
    expect([err.status, err.code, err.param]).toEqual([400, 'context_length_exceeded', 'messages']);
    expect(await (await h.api('/readyz')).json()).toMatchObject({ llm: { mode: 'normal' } });
  });

  it('a wrong token is a 401 invalid_api_key', async () => {
    await using a = await startFakeProvider({ name: 'alpha' });
    await using h = await door([prov('alpha', a.url)]);
    const err = await caught(sdk(h.url, 'not-the-token').chat.completions.create(ask()));
    expect([err.status, err.code]).toEqual([401, 'invalid_api_key']);
  });
});

describe('issue 15: CORS', () => {
  const preflight = (h: { url: string }, origin: string) =>
    fetch(`${h.url}/v1/chat/completions`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });

  it('none by default: a preflight gets no CORS headers', async () => {
    await using a = await startFakeProvider({ name: 'alpha' });
    await using h = await door([prov('alpha', a.url)]);
    const r = await preflight(h, 'https://app.example');
    await r.arrayBuffer();
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allowed origins get answered preflights and the headers on answers and errors; others do not', async () => {
    await using a = await startFakeProvider({ name: 'alpha' });
    await using h = await door([prov('alpha', a.url)], { cors_origins: ['https://app.example'] });
    const ok = await preflight(h, 'https://app.example');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await preflight(h, 'https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await h.api('/v1/chat/completions', { method: 'POST', json: ask(), headers: { origin: 'https://app.example' } });
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(answer.headers.get('access-control-expose-headers')).toContain('x-nxs-provider');
    await answer.arrayBuffer();
    const denied = await h.api('/v1/models', { token: 'wrong', headers: { origin: 'https://app.example' } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe('https://app.example');
    await denied.arrayBuffer();
  });
});
