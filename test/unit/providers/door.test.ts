import { describe, it, expect } from 'vitest';
import OpenAI from 'openai';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { providersStep } from '../../../src/providers/boot-step.ts';
import { queueStep } from '../../../src/queue/boot-step.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';

const PLANTED = 'sk-planted-secret-9f8e7d6c5b4a';

function chain(urls: Record<string, string>, extra: Record<string, unknown> = {}) {
  return Object.entries(urls).map(([name, url]) => ({ name, base_url: url, model: `${name}-model`, models: { [`${name}-alias`]: `${name}-model` }, retries: 0, ...extra }));
}

async function host(providers: Record<string, unknown>[], opts: { queue?: boolean; env?: Record<string, string>; client?: Record<string, unknown> } = {}) {
  return startTestHost({
    config: { providers, llm_client: { local_probe: [], retry_base_ms: 0, breaker_failures: 1, ...(opts.client ?? {}) } },
    env: { A_API_KEY: PLANTED, ...(opts.env ?? {}) },
    steps: opts.queue ? [hostRoutesStep, queueStep, providersStep] : [hostRoutesStep, providersStep],
  });
}

const sdk = (url: string, token: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: token, maxRetries: 0 });

describe('the /v1 door', () => {
  it('answers the official SDK, plain and streaming, and lists models', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'ok', content: 'hello there' } });
    await using h = await host(chain({ a: a.url }));
    const client = sdk(h.url, h.token);
    const r = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toBe('hello there');
    expect(a.requests[0]!.headers.authorization).toBe(`Bearer ${PLANTED}`);
    const s = await client.chat.completions.create({ model: 'a-alias', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('hello there');
    expect(a.requests[1]!.body.model).toBe('a-model');
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['auto', 'a-alias']);
  });

  it('fails over behind the door', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 503 } });
    await using b = await startFakeProvider({ name: 'b' });
    await using h = await host(chain({ a: a.url, b: b.url }));
    const r = await h.api('/v1/chat/completions', { method: 'POST', json: { model: 'auto', messages: [{ role: 'user', content: 'x' }] } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-nxs-provider')).toBe('b');
  });

  it.each([
    ['no messages', { model: 'auto' }, 'messages'],
    ['a bad role', { messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
    ['content of the wrong type', { messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    ['a list body', [1, 2], 'the body'],
    ['stream not a boolean', { messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
  ])('400 with an OpenAI error for %s', async (_n, body, param) => {
    await using a = await startFakeProvider({ name: 'a' });
    await using h = await host(chain({ a: a.url }));
    const r = await h.api('/v1/chat/completions', { method: 'POST', json: body });
    expect(r.status).toBe(400);
    expect(r.headers.get('x-nxs-error-code')).toBe('NXS_ERR_LLM_BAD_REQUEST');
    const e = (await r.json()) as { error: { message: string; type: string; code: string; param: string | null } };
    // OpenAI's own codes, and `param` naming the field (none for a body that is not an object).
    expect(e.error).toMatchObject({ type: 'invalid_request_error', code: expect.stringMatching(/^(missing_required_parameter|invalid_type|invalid_value)$/), param: param === 'the body' ? null : param });
    expect(e.error.message).toContain(param);
    expect(a.requests).toHaveLength(0);
  });

  it('400 for a body that is not JSON; 401 without the token; 404 for an unknown model', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    await using h = await host(chain({ a: a.url }));
    const bad = await h.api('/v1/chat/completions', { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    await expect(sdk(h.url, 'wrong-token').chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401 });
    await expect(sdk(h.url, h.token).chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404 });
  });

  it('every provider down and no queue: 503 NXS_ERR_PROVIDERS_EXHAUSTED; readyz and status say emergency', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 500 } });
    await using h = await host(chain({ a: a.url }));
    const r = await h.api('/v1/chat/completions', { method: 'POST', json: { messages: [{ role: 'user', content: 'x' }] } });
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('NXS_ERR_PROVIDERS_EXHAUSTED');
    expect(await (await h.api('/readyz')).json()).toMatchObject({ llm: { mode: 'emergency' } });
    expect(await (await h.api('/api/status')).json()).toMatchObject({ providers: { mode: 'emergency' } });
  });

  it('defers to the durable queue when every provider fails and the caller asked for it (x-nxs-defer), and answers once one returns', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 500 } });
    await using h = await host(chain({ a: a.url }), { queue: true, client: { cooldown_base_ms: 0 } });
    const r = await h.api('/v1/chat/completions', { method: 'POST', json: { messages: [{ role: 'user', content: 'later please' }] }, headers: { 'x-nxs-defer': '1' } });
    expect(r.status).toBe(202);
    const body = (await r.json()) as { job_id: number; status: string; result_url: string };
    expect(body.status).toBe('deferred');
    expect((await h.api(body.result_url)).status).toBe(202);
    a.fallback = { kind: 'ok', content: 'here it is' };
    // Any success ends emergency mode; the waiting job is released by the recovery event.
    const ok = await h.api('/v1/chat/completions', { method: 'POST', json: { messages: [{ role: 'user', content: 'now' }] } });
    expect(ok.status).toBe(200);
    const isLater = (x: { body: any }) => x.body?.messages?.[0]?.content === 'later please';
    while (a.requests.filter(isLater).length < 2) await a.nextRequest();
    await h.parts.queue!.drain();
    const done = await h.api(body.result_url);
    expect(done.status).toBe(200);
    expect(((await done.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('here it is');
  });

  it('a planted key never appears in logs, errors, status, or /v1 answers', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    a.script({ kind: 'status', status: 401, body: { error: { message: `invalid key ${PLANTED}` } } });
    await using b = await startFakeProvider({ name: 'b', fallback: { kind: 'status', status: 400, body: { error: { message: `bad request for key ${PLANTED}` } } } });
    await using h = await host(chain({ a: a.url, b: b.url }), { env: { B_API_KEY: PLANTED } });
    const outputs: string[] = [];
    const r = await h.api('/v1/chat/completions', { method: 'POST', json: { messages: [{ role: 'user', content: 'x' }] } });
    outputs.push(await r.text());
    const s = await h.api('/v1/chat/completions', { method: 'POST', json: { messages: [{ role: 'user', content: 'y' }], stream: true } });
    outputs.push(await s.text());
    outputs.push(await (await h.api('/api/status')).text(), await (await h.api('/api/providers')).text(), await (await h.api('/readyz')).text());
    outputs.push(await (await h.api('/api/providers/test', { method: 'POST', json: {} })).text());
    expect(r.status).toBe(400);
    const all = [...outputs, ...h.logLines].join('\n');
    expect(all).not.toContain(PLANTED);
    expect(all).toContain('[REDACTED]');
  });

  it('a provider that echoes its key back never hands it to the caller, plain or streamed', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'ok', content: `your key is ${PLANTED}` } });
    await using h = await host(chain({ a: a.url }));
    const plain = await (await h.api('/v1/chat/completions', { method: 'POST', json: { messages: [{ role: 'user', content: 'x' }] } })).text();
    const streamed = await (await h.api('/v1/chat/completions', { method: 'POST', json: { messages: [{ role: 'user', content: 'y' }], stream: true } })).text();
    for (const answer of [plain, streamed]) {
      expect(answer).not.toContain(PLANTED);
      expect(answer).toContain('[REDACTED]');
    }
    expect((JSON.parse(plain) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('your key is [REDACTED]');
  });

  it('a stream cut mid-answer reaches the SDK whole when a provider declared to continue finishes it, or as an error', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'cut-mid-stream', sent: ['The sky ', 'is '] } });
    await using b = await startFakeProvider({ name: 'b', fallback: { kind: 'ok', content: 'blue.' } });
    await using h = await host([...chain({ a: a.url }), ...chain({ b: b.url }, { continuation: 'assistant-prefix' })], { client: { breaker_failures: 5 } });
    const client = sdk(h.url, h.token);
    let text = '';
    for await (const c of await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'q' }], stream: true })) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('The sky is blue.');
    const raw = await (await h.api('/v1/chat/completions', { method: 'POST', json: { messages: [{ role: 'user', content: 'q2' }], stream: true } })).text();
    expect(raw).toMatch(/: nxs ending=(continued|complete) provider=b/);
    b.fallback = { kind: 'cut-mid-stream', sent: ['also cut '] };
    a.fallback = { kind: 'cut-mid-stream', sent: ['cut '] };
    const s = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'q3' }], stream: true });
    let partial = '';
    await expect((async () => {
      for await (const c of s) partial += c.choices[0]?.delta?.content ?? '';
    })()).rejects.toThrow(/cut after/);
    expect(partial.length).toBeGreaterThan(0);
  });
});
