// bench/gateway.ts: the latency nxs's /v1 door adds over a direct call, its
// throughput, and failover time, side by side with @portkey-ai/gateway, on
// loopback against the same fake upstream (test/helpers/fake-provider.ts).
//
// Method: upstream, nxs and Portkey are real servers on 127.0.0.1. nxs runs as
// a child process (this file with --serve-nxs: a host with only the providers
// step); Portkey runs as a child (`build/start-server.js --headless`) with an
// equivalent fallback config in the x-portkey-config header. Latency: N
// sequential non-streaming requests per path after a warm-up; added latency =
// percentile(via gateway) - percentile(direct), the paths interleaved request by request.
// BENCH_CACHE=N turns nxs's answer cache on (default off). Throughput: C concurrent
// clients for D seconds. Each figure is the median of RUNS runs. Failover:
// primary refuses / returns 500 / hangs (both with a 1000 ms timeout and no
// retries), secondary answers; per request time, median over requests; nxs
// is measured both cold (first request after boot, before its breaker and
// sticky provider learn, in a warm process: the door has served 200 requests
// that do not reach the chain and a separate client has run 300 failovers on
// other providers) and warm (afterwards). BENCH_ONLY=failover skips the
// latency part, BENCH_ONLY=latency the failover part. Ends with one JSON line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startFakeProvider, refusedUrl, type FakeProvider } from '../test/helpers/fake-provider.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONC = Number(process.env.BENCH_CONC ?? 16);
const DUR_MS = Number(process.env.BENCH_DUR_MS ?? 2000);
const TOKEN = 'bench-token-0123456789';
const BODY = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });

if (process.argv[2] === '--serve-nxs') await serveNxs(JSON.parse(process.argv[3]!) as unknown[]);
else if (process.argv[2] === '--serve-bare') await serveBare(process.argv[3]!);
else await main();

// The floor: the least a Node proxy can do (node:http in, one undici Pool out, JSON parsed and
// re-serialised once each way, no auth, no routing, no failover). Not a product: a reference so
// the added latency of nxs reads against what any Node process in the path costs on this machine.
async function serveBare(upstream: string): Promise<void> {
  const { createServer } = await import('node:http');
  const { Pool } = await import('undici');
  const u = new URL(upstream);
  const pool = new Pool(u.origin, { connections: 64 });
  const base = u.pathname.replace(/\/+$/, '');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        const r = await pool.request({ path: `${base}/chat/completions`, method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-up' }, body: JSON.stringify(body) });
        const text = JSON.stringify(JSON.parse(await r.body.text()));
        res.writeHead(r.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })();
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }) + '\n'));
}

async function serveNxs(providers: unknown[]): Promise<void> {
  const { startHost } = await import('../src/boot/host.ts');
  const { hostRoutesStep } = await import('../src/boot/host-routes.ts');
  const { providersStep } = await import('../src/providers/boot-step.ts');
  const { stringify } = await import('yaml');
  const home = mkdtempSync(path.join(tmpdir(), 'nxs-bench-'));
  writeFileSync(path.join(home, 'nxs.yaml'), stringify({ log: { level: 'warn', pretty: 'never' }, providers, llm_client: { local_probe: [], retry_base_ms: 0, cache_entries: Number(process.env.BENCH_CACHE ?? 0) } }));
  const host = await startHost({
    version: 'bench',
    env: { NXS_HOME: home, NXS_PORT: '0', NXS_API_TOKEN: TOKEN },
    paths: { runtimeDir: ROOT, payloadDir: path.join(ROOT, 'payload'), identityDir: path.join(ROOT, 'identity'), sqliteBinding: undefined, packed: false },
    logDestination: createWriteStream('/dev/null'),
    steps: [hostRoutesStep, providersStep],
  });
  const warm = process.argv[4] ? (JSON.parse(process.argv[4]) as unknown[]) : null;
  if (warm) {
    // A long-running host has run this code many times before its first failover: warm the
    // process (JIT, pools) on a separate client and providers, leaving the measured chain's
    // breaker and sticky state untouched.
    const { createFallbackClient } = await import('../src/providers/create-client.ts');
    const { ConfigCheck } = await import('../src/config/check.ts');
    const { parseChain } = await import('../src/providers/config.ts');
    const c = createFallbackClient(host.ctx, { chain: parseChain(warm, 'warm', new ConfigCheck()) });
    for (let i = 0; i < 300; i++) {
      await c.chat({ messages: [{ role: 'user', content: `warm ${i}` }] });
      c.demote('warm-dead', 'bench');
      c.health.set({ ...c.health.get('warm-dead'), state: 'closed', failures: 0, openUntil: 0 });
    }
    await c.close();
  }
  process.stdout.write(JSON.stringify({ url: host.url }) + '\n');
  process.on('SIGTERM', () => void host.stop('bench done').then(() => process.exit(0)));
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

async function main(): Promise<void> {
  const upstream = await startFakeProvider({ name: 'up' });
  const portkey = await startPortkey();
  const results: Record<string, unknown> = { method: `N=${N} sequential interleaved across paths, ${CONC} concurrent for ${DUR_MS} ms, median of ${RUNS} runs, loopback, 2 shared cores`, answer_cache_entries: Number(process.env.BENCH_CACHE ?? 0), loadavg_start: loadavg().map(round) };
  try {
    if (process.env.BENCH_ONLY === 'failover') {
      results.failover_ms = await failover(upstream, portkey.url);
      console.log(JSON.stringify({ bench: 'gateway', ...results }));
      return;
    }
    const nxs = await startNxs([{ name: 'up', base_url: upstream.url, model: 'm', api_key: 'sk-up', retries: 0 }]);
    const bare = await startChild(['--serve-bare', upstream.url]);
    const targets: Target[] = [
      { name: 'direct', url: `${upstream.url}/chat/completions`, headers: { authorization: 'Bearer sk-up' } },
      { name: 'nxs', url: `${nxs.url}/v1/chat/completions`, headers: { authorization: `Bearer ${TOKEN}` } },
      { name: 'bare_node_proxy', url: `${bare.url}/v1/chat/completions`, headers: {} },
      { name: 'portkey', url: `${portkey.url}/v1/chat/completions`, headers: { 'x-portkey-config': JSON.stringify({ strategy: { mode: 'fallback' }, targets: [{ provider: 'openai', custom_host: upstream.url, api_key: 'sk-up', retry: { attempts: 0 } }] }) } },
    ];
    const lat: Record<string, { p50: number[]; p99: number[]; rps: number[] }> = {};
    for (const t of targets) lat[t.name] = { p50: [], p99: [], rps: [] };
    for (let run = 0; run < RUNS; run++) {
      const l = await latency(targets);
      for (const t of targets) {
        lat[t.name]!.p50.push(l[t.name]!.p50);
        lat[t.name]!.p99.push(l[t.name]!.p99);
      }
      for (const t of targets) lat[t.name]!.rps.push(await throughput(t));
    }
    const m = (name: string, k: 'p50' | 'p99' | 'rps') => median(lat[name]![k]);
    const added = (name: string) => ({ p50_ms: round(m(name, 'p50') - m('direct', 'p50')), p99_ms: round(m(name, 'p99') - m('direct', 'p99')) });
    results.latency_ms = Object.fromEntries(targets.map((t) => [t.name, { p50: round(m(t.name, 'p50')), p99: round(m(t.name, 'p99')) }]));
    results.added_ms = { nxs: added('nxs'), portkey: added('portkey'), bare_node_proxy: added('bare_node_proxy') };
    results.throughput_rps = Object.fromEntries(targets.map((t) => [t.name, Math.round(m(t.name, 'rps'))]));
    const a = results.added_ms as { nxs: { p50_ms: number }; portkey: { p50_ms: number } };
    results.added_p50_ratio_nxs_over_portkey = a.portkey.p50_ms > 0 ? round(a.nxs.p50_ms / a.portkey.p50_ms) : null;
    nxs.kill();
    bare.kill();
    if (process.env.BENCH_ONLY !== 'latency') results.failover_ms = await failover(upstream, portkey.url);
  } finally {
    portkey.child.kill();
    await upstream.close();
  }
  results.loadavg_end = loadavg().map(round);
  console.error(JSON.stringify(results, null, 2));
  console.log(JSON.stringify({ bench: 'gateway', ...results }));
}

async function failover(upstream: FakeProvider, portkeyUrl: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const bad500 = await startFakeProvider({ name: 'bad500', fallback: { kind: 'status', status: 500 } });
  const hang = await startFakeProvider({ name: 'hang', fallback: { kind: 'hang' } });
  const refused = await refusedUrl();
  const scenarios: [string, string][] = [['refused', refused], ['http_500', bad500.url], ['hang', hang.url]];
  for (const [name, primary] of scenarios) {
    const chain = [
      { name: 'primary', base_url: primary, model: 'm', api_key: 'sk-p', retries: 0, timeouts: { connect_ms: 1000, first_byte_ms: 1000, total_ms: 1000 } },
      { name: 'secondary', base_url: upstream.url, model: 'm', api_key: 'sk-up', retries: 0 },
    ];
    const cold: number[] = [];
    const warm: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const nxs = await startNxs(chain, [
        { name: 'warm-dead', base_url: refused, model: 'm', api_key: 'sk-w', retries: 0 },
        { name: 'warm-up', base_url: upstream.url, model: 'm', api_key: 'sk-w', retries: 0 },
      ]);
      const t: Target = { name: 'nxs', url: `${nxs.url}/v1/chat/completions`, headers: { authorization: `Bearer ${TOKEN}` } };
      // Warm the door and the process (HTTP parsing, auth, validation, JIT) without touching the chain,
      // so "cold" is the first failover itself, not the first request the process ever served.
      for (let i = 0; i < 100; i++) {
        await fetch(`${nxs.url}/v1/models`, { headers: t.headers }).then((r) => r.text());
        await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: '{"messages": []}' }).then((r) => r.text());
      }
      cold.push(await once(t));
      for (let i = 0; i < 20; i++) warm.push(await once(t));
      nxs.kill();
    }
    const pk: Target = { name: 'portkey', url: `${portkeyUrl}/v1/chat/completions`, headers: { 'x-portkey-config': JSON.stringify({ strategy: { mode: 'fallback' }, request_timeout: 1000, targets: [{ provider: 'openai', custom_host: primary, api_key: 'sk-p', retry: { attempts: 0 } }, { provider: 'openai', custom_host: upstream.url, api_key: 'sk-up', retry: { attempts: 0 } }] }) } };
    const pks: number[] = [];
    for (let i = 0; i < (name === 'hang' ? 5 : 20); i++) pks.push(await once(pk));
    out[name] = { nxs_cold: round(median(cold)), nxs_warm: round(median(warm)), portkey: round(median(pks)) };
  }
  await bad500.close();
  await hang.close();
  return out;
}

async function once(t: Target): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: BODY });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${t.name}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return performance.now() - t0;
}

// Interleaved: request i goes to every path in turn, so a burst of load from other processes on
// the shared machine lands on all paths alike instead of on whichever block was running.
async function latency(targets: Target[]): Promise<Record<string, { p50: number; p99: number }>> {
  for (let i = 0; i < 200; i++) for (const t of targets) await once(t);
  const xs: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let i = 0; i < N; i++) for (const t of targets) xs[t.name]!.push(await once(t));
  return Object.fromEntries(
    targets.map((t) => {
      const v = xs[t.name]!.sort((a, b) => a - b);
      return [t.name, { p50: v[Math.floor(v.length * 0.5)]!, p99: v[Math.floor(v.length * 0.99)]! }];
    }),
  );
}

async function throughput(t: Target): Promise<number> {
  let n = 0;
  const end = performance.now() + DUR_MS;
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (performance.now() < end) {
      await once(t);
      n++;
    }
  }));
  return n / (DUR_MS / 1000);
}

async function startNxs(providers: unknown[], warm?: unknown[]): Promise<{ url: string; kill(): void }> {
  return startChild(['--serve-nxs', JSON.stringify(providers), ...(warm ? [JSON.stringify(warm)] : [])]);
}

async function startChild(args: string[]): Promise<{ url: string; kill(): void }> {
  const child = spawn(process.execPath, [import.meta.filename, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await firstLine(child, (line) => (JSON.parse(line) as { url: string }).url);
  return { url, kill: () => child.kill('SIGTERM') };
}

async function startPortkey(): Promise<{ url: string; child: ChildProcess }> {
  const script = path.join(path.dirname(createRequire(import.meta.url).resolve('@portkey-ai/gateway/package.json')), 'build/start-server.js');
  const port = Number(new URL(await refusedUrl()).port);
  const child = spawn(process.execPath, [script, `--port=${port}`, '--headless'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  await firstLine(child, (line) => (line.includes('Ready for connections') ? true : undefined));
  return { url: `http://127.0.0.1:${port}`, child };
}

function firstLine<T>(child: ChildProcess, pick: (line: string) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      for (const line of buf.split('\n')) {
        try {
          const v = pick(line);
          if (v !== undefined) return resolve(v);
        } catch {
          // not the line we wait for
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${code} before it was ready`)));
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
