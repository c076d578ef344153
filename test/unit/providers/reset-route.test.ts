import { describe, it, expect } from 'vitest';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { providersStep } from '../../../src/providers/boot-step.ts';

// Issue 18: the console's providers page reads each provider's latency p50/p95 from GET /api/providers
// and ends a cooldown with POST /api/providers/:name/reset (ADMIN), the providers part's own route.

interface View { name: string; state: string; available: string; failures: number; open_until: string | null; last_error: string | null; latency: { samples: number; p50_ms: number; p95_ms: number } | null }

describe('GET /api/providers latency and POST /api/providers/:name/reset', () => {
  it('shows the answering provider\'s latency, and a reset closes the failed one\'s breaker', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    await using b = await startFakeProvider({ name: 'b' });
    await using h = await startTestHost({
      config: {
        providers: [{ name: 'a', base_url: a.url, model: 'm', credential: { none: true }, retries: 0 }, { name: 'b', base_url: b.url, model: 'm', credential: { none: true }, retries: 0 }],
        // One failure opens a's breaker for an hour: only a reset brings it back within the test.
        llm_client: { local_probe: [], breaker_failures: 1, cooldown_base_ms: 3_600_000 },
      },
      steps: [providersStep],
    });
    const providers = async (): Promise<View[]> => ((await (await h.api('/api/providers')).json()) as { providers: View[] }).providers;
    expect((await providers()).map((p) => p.latency)).toEqual([null, null]);

    a.script({ kind: 'status', status: 503 });
    const r = await h.parts.llm!.chat({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.provider).toBe('b');
    const [pa, pb] = await providers();
    // a failed over: its attempt says how it failed, not how fast it answers.
    expect(pa).toMatchObject({ name: 'a', state: 'open', available: 'resting', latency: null });
    expect(pa!.open_until).not.toBeNull();
    expect(pb!.latency).toMatchObject({ samples: 1 });
    expect(pb!.latency!.p50_ms).toBe(pb!.latency!.p95_ms);

    const reset = await h.api('/api/providers/a/reset', { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(((await reset.json()) as { provider: View }).provider).toMatchObject({ name: 'a', state: 'closed', available: 'usable', failures: 0, open_until: null, last_error: expect.stringContaining('503') });
    expect((await providers())[0]).toMatchObject({ state: 'closed', available: 'usable' });
    expect(h.logLines.some((l) => l.includes('provider cooldown reset by the operator') && l.includes('"provider":"a"') && l.includes('"by":"operator"'))).toBe(true);
  });

  it('names the provider it does not know (404), and the console no longer has its own reset route', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    await using h = await startTestHost({ config: { providers: [{ name: 'a', base_url: a.url, model: 'm', credential: { none: true } }], llm_client: { local_probe: [] } }, steps: [providersStep] });
    const res = await h.api('/api/providers/nope/reset', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-nxs-error-code')).toBe('NXS_ERR_NOT_FOUND');
    expect(await res.json()).toEqual({ success: false, error: 'no provider named nope; see: nxs providers ls' });
    expect(h.routes().map((r) => `${r.method} ${r.path}`)).not.toContain('POST /api/console/providers/:name/reset');
  });
});
