import { describe, it, expect } from 'vitest';
import { sdk, caught } from '../helpers/openai-sdk.ts';
import { startFakeProvider } from '../helpers/fake-provider.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { hostRoutesStep } from '../../src/boot/host-routes.ts';
import { providersStep } from '../../src/providers/boot-step.ts';
import { SUPERVISOR_STEP } from '../../src/supervisor/step.ts';

// The attack (issue 15, item 7): the operator hands a local program a door token meant for the
// cheap model and a modest rate. Before door tokens had bounds, the program could ask for the
// expensive model, send as many requests as it liked and spend any number of tokens a day: every
// token was as good as the operator's at /v1. Here the program tries each, with the official SDK
// (no retries of its own), and every try fails safely in OpenAI's shape, before any provider is asked.

const ask = (model = 'cheap') => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] });

async function makeToken(host: TestHost, body: Record<string, unknown>): Promise<string> {
  const res = await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['ALLOC_MEMORY'], ...body } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

async function gateway() {
  // Each answer reports 3 prompt + 3 completion tokens (test/helpers/fake-provider.ts).
  const cheap = await startFakeProvider({ name: 'cheap', models: ['cheap'] });
  const dear = await startFakeProvider({ name: 'dear', models: ['dear'] });
  const clock = new FakeClock();
  const host = await startTestHost({
    clock,
    config: {
      providers: [
        { name: 'cheap', base_url: cheap.url, model: 'cheap', credential: { none: true }, retries: 0 },
        { name: 'dear', base_url: dear.url, model: 'dear', credential: { none: true }, retries: 0 },
      ],
      llm_client: { local_probe: [] },
    },
    steps: [hostRoutesStep, providersStep, SUPERVISOR_STEP],
  });
  return {
    host, clock, cheap, dear,
    async [Symbol.asyncDispose]() {
      await host[Symbol.asyncDispose]();
      await cheap.close();
      await dear.close();
    },
  };
}

describe('a door token with bounds', () => {
  it('may not use a model off its allowlist (403), nor see it in /v1/models', async () => {
    await using g = await gateway();
    const t = await makeToken(g.host, { models: ['cheap'] });
    expect((await sdk(g.host.url, t).chat.completions.create(ask())).choices[0]!.message.content).toMatch(/cheap/);
    const err = await caught(sdk(g.host.url, t).chat.completions.create(ask('dear')));
    expect(err.status).toBe(403);
    expect(err.code).toBe('model_not_allowed');
    expect(err.type).toBe('permission_error');
    expect(err.param).toBe('model');
    // auto (the whole chain) is a model too: not listed, not allowed.
    expect((await caught(sdk(g.host.url, t).chat.completions.create(ask('auto')))).status).toBe(403);
    expect((await sdk(g.host.url, t).models.list()).data.map((m) => m.id)).toEqual(['cheap']);
    expect(g.dear.requests).toHaveLength(0);
  });

  it('is held to its requests per minute: 429 rate_limit_exceeded with Retry-After, and let in again once the bucket refills', async () => {
    await using g = await gateway();
    const t = await makeToken(g.host, { limits: { requests_per_minute: 2 } });
    await sdk(g.host.url, t).chat.completions.create(ask());
    await sdk(g.host.url, t).chat.completions.create(ask());
    const err = await caught(sdk(g.host.url, t).chat.completions.create(ask()));
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.type).toBe('requests');
    expect(err.headers?.get('retry-after')).toBe('30');
    expect(err.headers?.get('x-ratelimit-limit-requests')).toBe('2');
    expect(err.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(g.cheap.requests).toHaveLength(2);
    // The operator's own token is not bound by it.
    await sdk(g.host.url, g.host.token).chat.completions.create(ask());
    g.clock.jump(30_000);
    await sdk(g.host.url, t).chat.completions.create(ask());
  });

  it('is held to its tokens per minute, counted from what the provider reported', async () => {
    await using g = await gateway();
    const t = await makeToken(g.host, { limits: { tokens_per_minute: 10 } });
    await sdk(g.host.url, t).chat.completions.create(ask());
    await sdk(g.host.url, t).chat.completions.create(ask());
    // 12 tokens used of 10 a minute: back above one token in (1 + 2) / 10 of a minute.
    const err = await caught(sdk(g.host.url, t).chat.completions.create(ask()));
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.type).toBe('tokens');
    expect(err.headers?.get('retry-after')).toBe('18');
    g.clock.jump(18_000);
    await sdk(g.host.url, t).chat.completions.create(ask());
  });

  it('is held to its daily token budget, streams included: 429 insufficient_quota until 00:00 UTC', async () => {
    await using g = await gateway();
    const t = await makeToken(g.host, { limits: { daily_tokens: 12 } });
    await sdk(g.host.url, t).chat.completions.create(ask());
    // A stream reports no usage here: its tokens are estimated from what passed, and counted.
    let text = '';
    for await (const c of await sdk(g.host.url, t).chat.completions.create({ ...ask(), stream: true })) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toMatch(/cheap/);
    const err = await caught(sdk(g.host.url, t).chat.completions.create(ask()));
    expect(err.status).toBe(429);
    expect(err.code).toBe('insufficient_quota');
    expect(err.type).toBe('insufficient_quota');
    // The fake clock starts at 2026-01-01T00:00:00Z: a whole day to wait.
    expect(err.headers?.get('retry-after')).toBe('86400');
    expect((await caught(sdk(g.host.url, t).chat.completions.create({ ...ask(), stream: true }))).status).toBe(429);
    expect(g.cheap.requests).toHaveLength(2);
    g.clock.jump(86_400_000);
    await sdk(g.host.url, t).chat.completions.create(ask());
  });

  it("is counted per token, provider and day; a token reads only its own usage, ADMIN every caller's", async () => {
    await using g = await gateway();
    const t = await makeToken(g.host, {});
    const other = await makeToken(g.host, {});
    await sdk(g.host.url, t).chat.completions.create(ask());
    await sdk(g.host.url, t).chat.completions.create(ask('dear'));
    await sdk(g.host.url, other).chat.completions.create(ask());
    await sdk(g.host.url, g.host.token).chat.completions.create(ask());

    const own = (await (await g.host.api('/api/providers/usage', { token: t })).json()) as { rows: { principal: string; provider: string; requests: number; prompt_tokens: number; completion_tokens: number; day: string }[] };
    expect(own.rows.map((r) => [r.day, r.provider, r.requests, r.prompt_tokens, r.completion_tokens])).toEqual([['2026-01-01', 'cheap', 1, 3, 3], ['2026-01-01', 'dear', 1, 3, 3]]);
    expect(new Set(own.rows.map((r) => r.principal)).size).toBe(1);
    const all = (await (await g.host.api('/api/providers/usage?days=1')).json()) as { rows: { principal: string }[]; totals: { requests: number } };
    expect(new Set(all.rows.map((r) => r.principal)).size).toBe(3);
    expect(all.totals.requests).toBe(4);
    expect((await g.host.api('/api/providers/usage?days=0')).status).toBe(400);
  });

  it('refuses bounds that are not bounds when the token is made', async () => {
    await using g = await gateway();
    for (const body of [{ limits: { requests_per_minute: 0 } }, { limits: { rpm: 5 } }, { models: [] }, { models: [''] }]) {
      const res = await g.host.api('/api/tokens', { method: 'POST', json: { capabilities: ['ALLOC_MEMORY'], ...body } });
      expect(res.status).toBe(400);
      expect(res.headers.get('x-nxs-error-code')).toBe('NXS_ERR_TOKEN_INVALID');
    }
  });
});
