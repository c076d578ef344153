// Metrics: the host CPU one scrape of GET /metrics costs at the standard tier, with the state of a
// host that has been busy for a day: 20,000 done jobs kept for their retention, 40 waiting, 20 dead,
// 5,000 answered messages and 12 waiting, 30 checkpoints, 3 providers with traffic on their
// counters and 40 routes seen. One scrape = the collectors (their queries) + writing the text,
// measured with process.cpuUsage (user + system) around scrape() inside a real host, so it is
// this process's CPU only, not the client's. Median and p99 over SCRAPES scrapes, each format.
// Also: the wall time of a whole GET /metrics through the host's HTTP server (client in-process).
//
//   node bench/metrics.ts            (env BENCH_SCRAPES=500)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { startHost } from '../src/boot/host.ts';
import { scrape } from '../src/metrics/scrape.ts';
import { median, percentile, round } from './lib/stats.ts';

const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 500);
const REPO = path.resolve(import.meta.dirname, '..');

const home = mkdtempSync(path.join(tmpdir(), 'nxs-bench-metrics-'));
const providers = ['groq', 'openrouter', 'local'].map((name, i) => ({ name, base_url: `http://127.0.0.1:${9 + i}/v1`, model: `${name}-model`, retries: 0 }));
writeFileSync(path.join(home, 'nxs.yaml'), stringify({ tier: 'standard', log: { level: 'warn', pretty: 'never' }, providers, llm_client: { local_probe: [] } }));
const host = await startHost({
  version: 'bench',
  env: { NXS_HOME: home, NXS_PORT: '0', GROQ_API_KEY: 'k', OPENROUTER_API_KEY: 'k', LOCAL_API_KEY: 'k' },
  paths: { runtimeDir: REPO, payloadDir: path.join(REPO, 'payload'), identityDir: path.join(REPO, 'identity'), sqliteBinding: undefined, packed: false },
  logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
});
await host.announced;
const { db } = host.ctx;
const queue = host.parts.queue!;
const m = host.parts.metrics!;

// A day of work: done jobs kept for queue.retention_hours, some waiting behind a stopped worker, some dead.
queue.declare({ name: 'bench.hold' });
queue.declare({ name: 'bench.fail', maxAttempts: 1 });
queue.process('bench.fail', () => {
  throw new Error('always fails');
});
for (let batch = 0; batch < 20; batch++) {
  for (let i = 0; i < 1000; i++) queue.enqueue({ queue: 'selftest', group: `g${i % 50}`, payload: { i } });
  await queue.drain();
}
for (let i = 0; i < 20; i++) queue.enqueue({ queue: 'bench.fail', payload: { i } });
await queue.drain();
for (let i = 0; i < 40; i++) queue.enqueue({ queue: 'bench.hold', payload: { i } });
const insertMessage = db.prepare('INSERT INTO assistant_messages (conversation_id, channel, address, sender, text, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
db.transaction(() => {
  for (let i = 0; i < 5000; i++) insertMessage.run(`c${i % 40}`, i % 2 ? 'telegram' : 'http', '{}', 'owner', `message ${i}`, 'answered', Date.now());
  for (let i = 0; i < 12; i++) insertMessage.run(`c${i}`, 'telegram', '{}', 'owner', `waiting ${i}`, i % 3 ? 'queued' : 'deferred', Date.now());
  const cp = db.prepare('INSERT INTO checkpoints (id, kind, agent_id, agent_name, created_at, bytes, file, format, signer, origin) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)');
  for (let i = 0; i < 30; i++) cp.run(`cp${i}`, i % 3 ? 'agent' : 'host', i % 3 ? String(i) : null, i % 3 ? 'agent' : null, Date.now() - i * 3_600_000, 1_000_000 + i, `/nowhere/cp${i}`, 'self', 'local');
})();
// Counters as traffic leaves them: attempts, latencies, routes.
for (let i = 0; i < 2000; i++) {
  const p = providers[i % 3]!.name;
  m.providers.attempt(p, i % 10 ? 'ok' : 'failover', 0.2 + (i % 50) / 10);
  m.providers.firstByte(p, 0.1 + (i % 30) / 10);
  m.providers.tokens(p, 100, 40);
  m.http.observe({ method: i % 2 ? 'GET' : 'POST', route: `/api/route/${i % 20}`, status: i % 7 ? 200 : 404, seconds: (i % 100) / 1000 });
}

async function measure(accept: string | undefined): Promise<{ medianUs: number; p99Us: number; bytes: number; series: number }> {
  const xs: number[] = [];
  let body = '';
  for (let i = 0; i < 50; i++) await scrape(m, accept, () => undefined);
  for (let i = 0; i < SCRAPES; i++) {
    const c0 = process.cpuUsage();
    body = (await scrape(m, accept, () => undefined)).body;
    const c = process.cpuUsage(c0);
    xs.push(c.user + c.system);
  }
  return { medianUs: round(median(xs), 0), p99Us: round(percentile(xs, 99), 0), bytes: Buffer.byteLength(body), series: body.split('\n').filter((l) => l && !l.startsWith('#')).length };
}

const text = await measure(undefined);
const om = await measure('application/openmetrics-text; version=1.0.0');
const walls: number[] = [];
for (let i = 0; i < Math.min(SCRAPES, 200); i++) {
  const t0 = performance.now();
  const r = await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${host.parts.operatorToken}` } });
  await r.text();
  walls.push((performance.now() - t0) * 1000);
}
await host.stop('bench done');
rmSync(home, { recursive: true, force: true });

const rows = [
  { what: 'scrape CPU, 0.0.4 text', median_us: text.medianUs, p99_us: text.p99Us, bytes: text.bytes, samples: text.series },
  { what: 'scrape CPU, OpenMetrics', median_us: om.medianUs, p99_us: om.p99Us, bytes: om.bytes, samples: om.series },
  { what: 'GET /metrics wall (HTTP, client in-process)', median_us: round(median(walls), 0), p99_us: round(percentile(walls, 99), 0) },
];
console.table(rows);
console.log(JSON.stringify({ bench: 'metrics', tier: 'standard', scrapes: SCRAPES, rows }));
