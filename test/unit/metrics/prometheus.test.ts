import { describe, it, expect } from 'vitest';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestHost } from '../../helpers/test-host.ts';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { startPrometheus, type RealPrometheus } from '../../helpers/prometheus.ts';

/** Scrapes to wait through before giving up: Prometheus scrapes every second, so ~10 s at most. */
const MAX_SCRAPES = 10;

describe('a real Prometheus scraping a real host', () => {
  it('reads the failover counter and the queue gauge back through its HTTP API', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 503 } });
    await using b = await startFakeProvider({ name: 'b', fallback: { kind: 'ok', content: 'from b' } });
    await using h = await startTestHost({
      config: {
        providers: [a, b].map((f) => ({ name: f.name, base_url: f.url, model: `${f.name}-model`, retries: 0 })),
        llm_client: { local_probe: [], retry_base_ms: 0 },
      },
    });
    // A provider failover: a refuses, b answers.
    const chat = await h.api('/v1/chat/completions', { method: 'POST', json: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] } });
    expect(chat.status).toBe(200);
    expect(chat.headers.get('x-nxs-provider')).toBe('b');
    // A queued message: a queue with no worker holds it.
    h.parts.queue!.declare({ name: 'hold' });
    h.parts.queue!.enqueue({ queue: 'hold', payload: { text: 'waiting' } });

    // Prometheus scrapes as an operator would set it up: a token holding only READ_METRICS, in a file.
    const made = await h.api('/api/tokens', { method: 'POST', json: { capabilities: ['READ_METRICS'], name: 'prometheus' } });
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-scrape-token-'));
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, ((await made.json()) as { token: string }).token, { mode: 0o600 });
    // Each scrape the host serves runs its collectors: that is the event to wait on.
    const scrapes = new EventEmitter();
    h.parts.metrics!.registry.onCollect(() => void scrapes.emit('scrape'));

    try {
      await using prom = await startPrometheus({ target: new URL(h.url).host, tokenFile });
      const seen = await afterScrapes(scrapes, prom, async () => {
        const [target] = await prom.targets();
        if (target?.health !== 'up') return null;
        const failovers = await prom.query('nxs_provider_failovers_total{job="nxs"}');
        const queued = await prom.query('nxs_queue_jobs{job="nxs",queue="hold",state="queued"}');
        // A scrape is counted once its answer is done, so it shows from the next scrape on.
        const scraped = await prom.query('nxs_http_requests_total{job="nxs",route="/metrics",status="200"}');
        return failovers.length > 0 && queued.length > 0 && scraped.length > 0 ? { target, failovers, queued, scraped } : null;
      });
      expect(seen.target.scrapeUrl).toBe(`${h.url}/metrics`);
      expect(seen.failovers.map((r) => [r.metric.provider, r.value])).toEqual([['a', 1]]);
      expect(seen.queued.map((r) => r.value)).toEqual([1]);
      // Prometheus 2.x asks for OpenMetrics first: the host answered in it, and Prometheus parsed it.
      expect(seen.scraped[0]!.value).toBeGreaterThanOrEqual(1);
      const up = await prom.query('up{job="nxs"}');
      expect(up.map((r) => r.value)).toEqual([1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});

/** After each scrape the host serves, asks `check`; gives up after MAX_SCRAPES with Prometheus' own view. */
async function afterScrapes<T>(scrapes: EventEmitter, prom: RealPrometheus, check: () => Promise<T | null>): Promise<T> {
  for (let n = 0; n < MAX_SCRAPES; n++) {
    await once(scrapes, 'scrape');
    // The scrape's samples are committed after the answer has gone: the next scrape is the next look.
    const found = await check();
    if (found !== null) return found;
  }
  throw new Error(`nothing after ${MAX_SCRAPES} scrapes; targets: ${JSON.stringify(await prom.targets())}\n${prom.log()}`);
}
