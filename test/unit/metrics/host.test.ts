import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { startTestHost, type TestHost } from '../../helpers/test-host.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { ConfigCheck } from '../../../src/config/check.ts';
import { metricsSection } from '../../../src/metrics/config.ts';
import { observedAudit } from '../../../src/metrics/observed-audit.ts';
import { HostMetrics } from '../../../src/metrics/host-metrics.ts';
import { sample } from './sample.ts';


async function tokenWith(h: TestHost, capabilities: string[]): Promise<string> {
  const r = await h.api('/api/tokens', { method: 'POST', json: { capabilities, name: 'scraper' } });
  expect(r.status).toBe(201);
  return ((await r.json()) as { token: string }).token;
}

describe('GET /metrics on a real host', () => {
  it('needs a token holding READ_METRICS (ADMIN holds it too)', async () => {
    await using h = await startTestHost();
    expect((await h.api('/metrics', { token: null })).status).toBe(401);
    const other = await h.api('/metrics', { token: await tokenWith(h, ['KILL_AGENT']) });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: string }).error).toContain('READ_METRICS');
    const scraper = await h.api('/metrics', { token: await tokenWith(h, ['READ_METRICS']) });
    expect(scraper.status).toBe(200);
    expect(scraper.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect((await h.api('/metrics')).status).toBe(200);
  });

  it('passes promtool check metrics, and answers OpenMetrics when asked', async () => {
    await using h = await startTestHost();
    await h.api('/api/agents/123');
    await h.api('/no/such/path');
    const text = await (await h.api('/metrics')).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error, 'promtool is missing: apt-get install prometheus (test/install-tools.sh)').toBeUndefined();
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
    const om = await h.api('/metrics', { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const omText = await om.text();
    expect(omText.endsWith('# EOF\n')).toBe(true);
    expect(omText).toContain('# TYPE nxs_http_requests counter\n');
  });

  it('labels requests by route pattern, never the raw URL', async () => {
    await using h = await startTestHost();
    await h.api('/api/agents/123');
    await h.api('/api/agents/456');
    await h.api('/wp-login.php?x=1');
    const text = await (await h.api('/metrics')).text();
    expect(sample(text, 'nxs_http_requests_total{method="GET",route="/api/agents/:id",status="404"}')).toBe(2);
    expect(sample(text, 'nxs_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(text).not.toContain('123');
    expect(text).not.toContain('wp-login');
  });

  it('shows a waiting job in the queue gauge with its age, and counts it enqueued', async () => {
    const clock = new FakeClock();
    await using h = await startTestHost({ clock });
    const queue = h.parts.queue!;
    // Declared with no handler: the job waits, as one does behind a busy or stopped worker.
    queue.declare({ name: 'hold' });
    queue.enqueue({ queue: 'hold', payload: { n: 1 } });
    queue.enqueue({ queue: 'hold', payload: { n: 2 }, runAt: clock.now() + 60_000 });
    clock.jump(5_000);
    const text = await (await h.api('/metrics')).text();
    expect(sample(text, 'nxs_queue_jobs{queue="hold",state="queued"}')).toBe(1);
    expect(sample(text, 'nxs_queue_jobs{queue="hold",state="delayed"}')).toBe(1);
    expect(sample(text, 'nxs_queue_jobs{queue="hold",state="running"}')).toBe(0);
    expect(sample(text, 'nxs_queue_oldest_waiting_seconds{queue="hold"}')).toBe(5);
    expect(sample(text, 'nxs_queue_enqueued_total{queue="hold"}')).toBe(2);
  });

  it('counts completed jobs and events announced on the bus', async () => {
    await using h = await startTestHost();
    const queue = h.parts.queue!;
    queue.enqueue({ queue: 'selftest', payload: { i: 1 } });
    await queue.drain();
    h.ctx.events.emit('tier.changed', { from: 'standard', to: 'minimal', reason: 'memory' });
    h.ctx.events.emit('agent.crashed', { agentId: '7', name: 'a', kind: 'oom', detail: 'x' });
    const text = await (await h.api('/metrics')).text();
    expect(sample(text, 'nxs_queue_completed_total{queue="selftest"}')).toBe(1);
    expect(sample(text, 'nxs_tier_changes_total{from="standard",to="minimal"}')).toBe(1);
    expect(sample(text, 'nxs_agent_crashes_total{kind="oom"}')).toBe(1);
  });
});

describe('provider and door metrics', () => {
  it('count attempts, failovers, tokens, time to first byte and what the door added', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'status', status: 503 } });
    await using b = await startFakeProvider({ name: 'b', fallback: { kind: 'ok', content: 'from b' } });
    await using h = await startTestHost({
      config: { providers: [a, b].map((f) => ({ name: f.name, base_url: f.url, model: `${f.name}-model`, retries: 0 })), llm_client: { local_probe: [], retry_base_ms: 0, breaker_failures: 5 } },
    });
    const chat = await h.api('/v1/chat/completions', { method: 'POST', json: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] } });
    expect(chat.status).toBe(200);
    expect(Number(chat.headers.get('x-nxs-upstream-ms'))).toBeGreaterThan(0);
    const streamed = await h.api('/v1/chat/completions', { method: 'POST', json: { model: 'auto', stream: true, messages: [{ role: 'user', content: 'hi' }] } });
    expect(await streamed.text()).toContain('[DONE]');
    const text = await (await h.api('/metrics')).text();
    // After the failover b is sticky: the streamed call goes to b first.
    expect(sample(text, 'nxs_provider_failovers_total{provider="a"}')).toBe(1);
    expect(sample(text, 'nxs_provider_requests_total{provider="a",outcome="failover"}')).toBe(1);
    expect(sample(text, 'nxs_provider_requests_total{provider="b",outcome="ok"}')).toBe(2);
    expect(sample(text, 'nxs_provider_request_duration_seconds_count{provider="b"}')).toBe(2);
    expect(sample(text, 'nxs_provider_first_byte_seconds_count{provider="b"}')).toBe(1);
    expect(sample(text, 'nxs_provider_tokens_total{provider="b",direction="input"}')).toBe(3);
    expect(sample(text, 'nxs_provider_tokens_total{provider="b",direction="output"}')).toBe(3);
    expect(sample(text, 'nxs_door_added_latency_seconds_count{route="/v1/chat/completions"}')).toBe(1);
    expect(sample(text, 'nxs_provider_breaker_state{provider="a",state="closed"}')).toBe(1);
    expect(sample(text, 'nxs_provider_available{provider="b"}')).toBe(1);
  });
});

describe('the loopback scrape port (metrics.listen)', () => {
  it('is off by default', async () => {
    await using h = await startTestHost();
    expect(h.parts.status.get('metrics')!()).toEqual({ route: '/metrics', listen: null });
  });

  it('answers GET /metrics without a token, and nothing else', async () => {
    await using h = await startTestHost({ config: { metrics: { listen: '127.0.0.1:0' } } });
    const { listen } = h.parts.status.get('metrics')!() as { listen: string };
    expect(listen).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const r = await fetch(listen);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('process_resident_memory_bytes ');
    expect((await fetch(listen.replace('/metrics', '/api/status'))).status).toBe(404);
    expect((await fetch(listen, { method: 'POST' })).status).toBe(405);
  });
});

describe('the metrics config section', () => {
  const parse = (metrics: unknown) => metricsSection.parse({ metrics }, new ConfigCheck(new Map([['metrics', '/etc/nxs.yaml']])));

  it.each([
    [undefined, null],
    [{ listen: '127.0.0.1:9464' }, { host: '127.0.0.1', port: 9464 }],
    [{ listen: 9464 }, { host: '127.0.0.1', port: 9464 }],
    [{ listen: '[::1]:9464' }, { host: '::1', port: 9464 }],
    [{ listen: 'localhost:0' }, { host: 'localhost', port: 0 }],
    [{ listen: '0.0.0.0:9464', allow_non_loopback: true }, { host: '0.0.0.0', port: 9464 }],
  ])('%j -> %j', (metrics, listen) => {
    expect(parse(metrics).listen).toEqual(listen);
  });

  it('refuses a non-loopback address unless allowed, naming the key, the file and the fix', () => {
    expect(() => parse({ listen: '0.0.0.0:9464' })).toThrow(/^\/etc\/nxs\.yaml: metrics\.listen must be a loopback address .*allow_non_loopback: true.*; got "0\.0\.0\.0:9464"$/);
  });

  it.each([['nope'], ['127.0.0.1:99999'], [':9464'], ['[127.0.0.1]:1'], [{ port: 1 }]])('refuses %j with the expected form', (listen) => {
    expect(() => parse({ listen })).toThrow(expect.objectContaining({ code: 'NXS_ERR_CONFIG_INVALID', message: expect.stringContaining('HOST:PORT') }));
  });
});

describe('counting at the audit trail', () => {
  it('counts tool calls by known tool, shell commands and denials; an unknown tool name is not a label', () => {
    const m = new HostMetrics('test');
    const written: string[] = [];
    const audit = observedAudit({ record: (e) => (written.push(e.operation_type), { ...e, operation_id: '1', timestamp: 0 }) }, m.audit);
    const rec = (operation_type: string, allowed: boolean) => audit.record({ agent_id: 'a', operation_type, allowed, principal: 'p' });
    rec('tool.shell', true);
    rec('tool.shell', false);
    rec('tool.ignore previous instructions', false);
    rec('egress.connect', false);
    rec('egress.connect', true);
    expect(written).toHaveLength(5);
    expect(m.sandboxCommands.get(['allowed'])).toBe(1);
    expect(m.sandboxCommands.get(['denied'])).toBe(1);
    expect(m.toolCalls.get(['unknown', 'denied'])).toBe(1);
    expect(m.denials.get(['tool'])).toBe(2);
    expect(m.denials.get(['egress'])).toBe(1);
  });
});
