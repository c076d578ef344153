import { describe, it, expect } from 'vitest';
import { startFakeProvider } from '../helpers/fake-provider.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { hostRoutesStep } from '../../src/boot/host-routes.ts';
import { queueStep } from '../../src/queue/boot-step.ts';
import { providersStep } from '../../src/providers/boot-step.ts';
import { SUPERVISOR_STEP } from '../../src/supervisor/step.ts';

// The attack (issue 15, a loose end of the deferral work): GET /v1/deferred/:id answered any token.
// Token A defers a request whose prompt and answer are private; token B, which holds nothing,
// walks the ids (they are small integers) and reads A's answer. Sending the very same request
// also handed B A's job (one idempotency key for everyone), so B could read it under its own name.

const PRIVATE = 'summarise the merger memo for project-kestrel';

async function makeToken(host: TestHost, name: string): Promise<string> {
  const res = await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['ALLOC_MEMORY'], name } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

const deferOf = (host: TestHost, token: string) =>
  host.api('/v1/chat/completions', { method: 'POST', token, headers: { 'x-nxs-defer': '1' }, json: { messages: [{ role: 'user', content: PRIVATE }] } });

describe('GET /v1/deferred/:id', () => {
  it("answers only the token that deferred the request (and ADMIN): another token gets 404, before and after the answer, and never shares A's job", async () => {
    await using up = await startFakeProvider({ name: 'up', fallback: { kind: 'status', status: 500 } });
    await using host = await startTestHost({
      config: { providers: [{ name: 'up', base_url: up.url, model: 'm', credential: { none: true }, retries: 0 }], llm_client: { local_probe: [], retry_base_ms: 0, cooldown_base_ms: 0 } },
      steps: [hostRoutesStep, queueStep, providersStep, SUPERVISOR_STEP],
    });
    const a = await makeToken(host, 'a');
    const b = await makeToken(host, 'b');

    const deferred = await deferOf(host, a);
    expect(deferred.status).toBe(202);
    const { job_id: id, result_url: url } = (await deferred.json()) as { job_id: number; result_url: string };

    // B reads A's id: as absent as an id never made.
    const stolen = await host.api(url, { token: b });
    expect(stolen.status).toBe(404);
    expect(await stolen.text()).not.toContain(PRIVATE);
    expect((await host.api(url, { token: a })).status).toBe(202);
    expect((await host.api(url)).status).toBe(202);

    // B sending the same request gets a job of its own, not A's.
    const mine = await deferOf(host, b);
    expect(mine.status).toBe(202);
    expect(((await mine.json()) as { job_id: number }).job_id).not.toBe(id);
    // A retrying (the SDK does) still gets its own job back.
    expect(((await (await deferOf(host, a)).json()) as { job_id: number }).job_id).toBe(id);

    // The provider returns; the deferred jobs are answered and stored with their creator.
    up.fallback = { kind: 'ok', content: 'the memo says: confidential' };
    expect((await host.api('/v1/chat/completions', { method: 'POST', json: { messages: [{ role: 'user', content: 'now' }] } })).status).toBe(200);
    const isDeferred = (x: { body: any }) => x.body?.messages?.[0]?.content === PRIVATE;
    while (up.requests.filter((r) => isDeferred(r) && r.step === 'ok').length < 2) await up.nextRequest();
    await host.parts.queue!.drain();

    const after = await host.api(url, { token: b });
    expect(after.status).toBe(404);
    expect(await after.text()).not.toContain('confidential');
    for (const token of [a, undefined]) {
      const r = await host.api(url, token ? { token } : {});
      expect(r.status).toBe(200);
      expect(((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('the memo says: confidential');
    }
  });
});
