import { describe, it, expect } from 'vitest';
import { APICallError, generateText, streamText } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { providersStep } from '../../../src/providers/boot-step.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { queueStep } from '../../../src/queue/boot-step.ts';

// Issue 15: the /v1 door driven by the Vercel AI SDK (the OpenAI-compatible provider) through the
// failures the issue saw: "Response did not contain any choices" when everything was down, a cut
// stream spliced and finished as `stop`, a 429 held on one provider, reasoning held back.

const prov = (name: string, url: string, extra: Record<string, unknown> = {}) => ({ name, base_url: url, model: `${name}-model`, credential: { none: true }, retries: 0, ...extra });

// The queue runs, as on a real host: with it the old door answered every outage with a 202.
async function door(providers: Record<string, unknown>[]) {
  const h = await startTestHost({ config: { providers, llm_client: { local_probe: [], retry_base_ms: 0 } }, steps: [hostRoutesStep, queueStep, providersStep] });
  const nxs = createOpenAICompatible({ name: 'nxs', baseURL: `${h.url}/v1`, apiKey: h.token });
  return Object.assign(h, { model: (id = 'auto') => nxs.chatModel(id) });
}

async function parts(result: ReturnType<typeof streamText>): Promise<{ text: string; errors: unknown[]; finish: string | undefined; reasoning: string }> {
  let text = '';
  let reasoning = '';
  let finish: string | undefined;
  const errors: unknown[] = [];
  for await (const p of result.fullStream) {
    if (p.type === 'text-delta') text += p.text;
    if (p.type === 'reasoning-delta') reasoning += p.text;
    if (p.type === 'error') errors.push(p.error);
    if (p.type === 'finish') finish = p.finishReason;
  }
  return { text, errors, finish, reasoning };
}

describe('issue 15 with the Vercel AI SDK', () => {
  it('answers generateText and streamText', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'ok', content: 'hello there' } });
    await using h = await door([prov('alpha', a.url)]);
    expect((await generateText({ model: h.model(), prompt: 'hi', maxRetries: 0 })).text).toBe('hello there');
    const s = await parts(streamText({ model: h.model(), prompt: 'hi', maxRetries: 0 }));
    expect([s.text, s.errors, s.finish]).toEqual(['hello there', [], 'stop']);
  });

  it('every provider down: generateText throws an APICallError with status 503, not "no choices"', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'status', status: 500 } });
    await using h = await door([prov('alpha', a.url)]);
    const err = await generateText({ model: h.model(), prompt: 'hi', maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(err)).toBe(true);
    expect((err as APICallError).statusCode).toBe(503);
    expect((err as APICallError).isRetryable).toBe(true);
  });

  it('every provider down, streamed: the stream reports the 503 as an error', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'status', status: 503 } });
    await using h = await door([prov('alpha', a.url)]);
    const s = await parts(streamText({ model: h.model(), prompt: 'hi', maxRetries: 0, onError: () => {} }));
    expect(s.text).toBe('');
    expect(s.errors).toHaveLength(1);
    expect((s.errors[0] as APICallError).statusCode).toBe(503);
  });

  it('a stream cut mid-answer ends in an error, never finished as stop with a spliced answer', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'cut-mid-stream', sent: ['pong ', 'from '] } });
    await using b = await startFakeProvider({ name: 'beta', fallback: { kind: 'ok', content: 'pong from beta: hello' } });
    await using h = await door([prov('alpha', a.url), prov('beta', b.url)]);
    const s = await parts(streamText({ model: h.model(), prompt: 'hi', maxRetries: 0, onError: () => {} }));
    expect(s.text).toBe('pong from ');
    expect(s.errors).toHaveLength(1);
    expect(s.finish).not.toBe('stop');
    expect(b.requests).toHaveLength(0);
  });

  it('a 429 with Retry-After goes to the next provider at once', async () => {
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'status', status: 429, headers: { 'retry-after': '30' } } });
    await using b = await startFakeProvider({ name: 'beta', fallback: { kind: 'ok', content: 'from beta' } });
    await using h = await door([prov('alpha', a.url, { retries: 2 }), prov('beta', b.url)]);
    const r = await generateText({ model: h.model(), prompt: 'hi', maxRetries: 0 });
    expect(r.text).toBe('from beta');
    expect(r.response.headers?.['x-nxs-provider']).toBe('beta');
    expect(a.requests).toHaveLength(1);
  });

  it('a listed model goes only to its provider; an unknown one is a 404', async () => {
    await using a = await startFakeProvider({ name: 'alpha' });
    await using b = await startFakeProvider({ name: 'beta' });
    await using h = await door([prov('alpha', a.url), prov('beta', b.url)]);
    expect((await generateText({ model: h.model('beta-model'), prompt: 'hi', maxRetries: 0 })).text).toBe('Hello from beta');
    expect(a.requests).toHaveLength(0);
    const err = await generateText({ model: h.model('gpt-9'), prompt: 'hi', maxRetries: 0 }).catch((e: unknown) => e);
    expect((err as APICallError).statusCode).toBe(404);
  });

  it('reasoning deltas arrive one by one, as the provider sends them', async () => {
    const thoughts = ['First', ', second', ', third.'];
    await using a = await startFakeProvider({ name: 'alpha', fallback: { kind: 'gated', deltas: [...thoughts.map((t) => ({ reasoning_content: t })), { content: 'Done.' }] } });
    await using h = await door([prov('alpha', a.url)]);
    const it = streamText({ model: h.model(), prompt: 'think', maxRetries: 0 }).fullStream[Symbol.asyncIterator]();
    const nextOf = async (type: string) => {
      for (let r = await it.next(); !r.done; r = await it.next()) if (r.value.type === type) return r.value;
      throw new Error(`the stream ended before a ${type}`);
    };
    for (const t of thoughts) {
      await a.release();
      expect(await nextOf('reasoning-delta')).toMatchObject({ text: t });
    }
    await a.release();
    expect(await nextOf('text-delta')).toMatchObject({ text: 'Done.' });
    expect(await nextOf('finish')).toMatchObject({ finishReason: 'stop' });
  });
});
