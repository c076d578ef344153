// bench/gateway.ts: the latency nxs's /v1 door adds over a direct call, its
// throughput, its cost per request, and failover time, side by side with
// @portkey-ai/gateway and two floors, on loopback against the same fake upstream
// (test/helpers/fake-provider.ts).
//
// Method: upstream, nxs and the peers are real servers on 127.0.0.1. nxs runs as
// a child process (this file with --serve-nxs: a host with only the providers
// step); Portkey runs as a child (`build/start-server.js --headless`) with an
// equivalent fallback config in the x-portkey-config header. Floors: a bare Node
// proxy (bench/lib/bare-proxy.ts: node:http in, an undici Pool dispatch out, nothing else) and,
// when `nginx` is on PATH (Debian: apt-get install nginx-light), nginx as a keep-alive
// reverse proxy (one worker): what any proxy process in the path costs on this
// machine. Latency: N sequential non-streaming requests per path after a warm-up, the
// paths interleaved request by request; added latency = percentile(via proxy) -
// percentile(direct) within each run, then the median over RUNS runs. Cost per
// request: each proxy's on-CPU time (all threads, /proc/<pid>/task/*/schedstat) and,
// when perf can count them, instructions retired (perf stat -p), over the N requests
// it served. BENCH_CACHE=N turns nxs's answer cache on (default off). Throughput: C
// concurrent clients for D seconds. Failover: primary refuses / returns 500 / hangs
// (both with a 1000 ms timeout and no retries), secondary answers; per request time,
// median over requests; nxs is measured both cold (first request after boot, before
// its breaker and sticky provider learn, in a warm process: the door has served 200
// requests that do not reach the chain and a separate client has run 300 failovers
// on other providers) and warm (afterwards). BENCH_ONLY=failover skips the latency
// part, BENCH_ONLY=latency the failover part. BENCH_COMPARE_TREE=<checkout> adds that
// tree's nxs as one more interleaved path (A/B; BENCH_COMPARE_NODE_ARGS adds Node flags to it). BENCH_NXS_NODE_ARGS passes Node flags
// to the nxs child (--cpu-prof, --trace-gc, --perf-basic-prof). Then the failure figures
// (bench/lib/gateway-failures.ts): time to a 503 when every provider refuses, time to an answer when
// the primary says 429 with Retry-After 30, and the time to first byte a stream gains through each
// proxy; BENCH_ONLY=failures runs those alone. Ends with one JSON line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import path from 'node:path';
import { SEA_EXEC_ARGV } from '../build/exec-argv.ts';
import { startFakeProvider, refusedUrl } from '../test/helpers/fake-provider.ts';
import { LeanClient } from './lib/lean-client.ts';
import { startNodeChild, startPortkey, findNginx, startNginx, type Peer } from './lib/peers.ts';
import { cpuNs, countInstructions, perfAvailable, type Counter } from './lib/proc-cost.ts';
import { median } from './lib/stats.ts';
import { allRefuse, primaryRateLimited, streamFirstByte, type FailureDeps } from './lib/gateway-failures.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N ?? 2000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// Warm-up rounds before each measured run (the JIT settles; 3000 for steady-state cost figures).
const WARM = Number(process.env.BENCH_WARM ?? 200);
const CONC = Number(process.env.BENCH_CONC ?? 16);
const DUR_MS = Number(process.env.BENCH_DUR_MS ?? 2000);
// 32+ characters: the host refuses a weaker operator token (NXS_ERR_TOKEN_WEAK).
const TOKEN = 'bench-token-0123456789-abcdefghijklmnop';
const BODY = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
// The measuring client: the lean one (bench/lib/lean-client.ts, why there) or, for comparison with
// the figures before 2026-11-22, Node's fetch.
const CLIENT = process.env.BENCH_CLIENT === 'fetch' ? 'fetch' : 'lean';
const leanClients: LeanClient[] = [];
// Seeds each latency run's shuffled orders (declared before the top-level await below runs main()).
let runIndex = 0;
const leanOf = new WeakMap<object, { client: LeanClient; request: Buffer }>();

if (process.argv[2] === '--serve-nxs') await serveNxs(JSON.parse(process.argv[3]!) as unknown[]);
else await main();

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
  /** The proxy's process, whose CPU time and instructions per request are read; none for direct. */
  pid?: number;
}

interface PathFigures {
  p50: number;
  p99: number;
  /** The tail a GC pause or a stalled vCPU shows in (2 requests in 2000). */
  p999: number;
  /** On-CPU time of the proxy process per request (all threads), microseconds. */
  cpu_us?: number;
  /** Instructions the proxy process retired per request (user + kernel), thousands. */
  kinstr?: number;
}

async function main(): Promise<void> {
  // The upstream in its own process (bench/lib/fake-upstream.ts says why).
  const upstream = await startNodeChild(path.join(import.meta.dirname, 'lib/fake-upstream.ts'), []);
  const portkey = await startPortkey();
  const nginxBin = findNginx();
  const results: Record<string, unknown> = {
    method: `N=${N} sequential interleaved across paths after ${WARM} warm-up rounds, ${CONC} concurrent for ${DUR_MS} ms, median of ${RUNS} runs, loopback, 2 shared cores, ${CLIENT === 'lean' ? 'lean keep-alive client' : 'fetch client'}, upstream in its own process`,
    answer_cache_entries: Number(process.env.BENCH_CACHE ?? 0),
    nginx: nginxBin ? spawnSync(nginxBin, ['-v'], { encoding: 'utf8' }).stderr.trim() : 'skipped: no nginx on PATH (apt-get install nginx-light)',
    instruction_counts: perfAvailable() ? 'perf stat' : 'skipped: perf cannot count instructions here',
    loadavg_start: loadavg().map(round),
  };
  const peers: Peer[] = [portkey];
  const failureDeps: FailureDeps = { startNxs: (providers, warm) => startNxs(providers, warm), token: TOKEN, portkeyUrl: portkey.url, upstreamUrl: upstream.url, runs: RUNS };
  try {
    if (process.env.BENCH_ONLY === 'failures') {
      Object.assign(results, await failures(failureDeps));
      results.loadavg_end = loadavg().map(round);
      console.error(JSON.stringify(results, null, 2));
      console.log(JSON.stringify({ bench: 'gateway', ...results }));
      return;
    }
    if (process.env.BENCH_ONLY === 'failover') {
      results.failover_ms = await failover(upstream, portkey.url);
      console.log(JSON.stringify({ bench: 'gateway', ...results }));
      return;
    }
    const nxs = await startNxs([{ name: 'up', base_url: upstream.url, model: 'm', api_key: 'sk-up', retries: 0 }]);
    const bare = await startNodeChild(path.join(import.meta.dirname, 'lib/bare-proxy.ts'), [upstream.url]);
    const nginx = nginxBin ? await startNginx(nginxBin, upstream.url) : null;
    // BENCH_COMPARE_TREE=<another checkout>: its nxs as one more interleaved path (A/B of a change).
    const otherTree = process.env.BENCH_COMPARE_TREE;
    // It runs with the same shipped flags, then BENCH_COMPARE_NODE_ARGS (an A/B of a flag: the same tree twice).
    const otherArgs = [...SEA_EXEC_ARGV, ...(process.env.BENCH_COMPARE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)];
    const other = otherTree ? await startNodeChild(path.join(otherTree, 'bench/gateway.ts'), ['--serve-nxs', JSON.stringify([{ name: 'up', base_url: upstream.url, model: 'm', api_key: 'sk-up', retries: 0 }])], otherArgs) : null;
    peers.push(nxs, bare, ...(nginx ? [nginx] : []), ...(other ? [other] : []));
    const targets: Target[] = [
      { name: 'direct', url: `${upstream.url}/chat/completions`, headers: { authorization: 'Bearer sk-up' } },
      { name: 'nxs', url: `${nxs.url}/v1/chat/completions`, headers: { authorization: `Bearer ${TOKEN}` }, pid: nxs.pid },
      { name: 'bare_node_proxy', url: `${bare.url}/v1/chat/completions`, headers: {}, pid: bare.pid },
      ...(nginx ? [{ name: 'nginx', url: `${nginx.url}/v1/chat/completions`, headers: {}, pid: nginx.pid }] : []),
      ...(other ? [{ name: 'nxs_compare_tree', url: `${other.url}/v1/chat/completions`, headers: { authorization: `Bearer ${TOKEN}` }, pid: other.pid }] : []),
      { name: 'portkey', url: `${portkey.url}/v1/chat/completions`, headers: { 'x-portkey-config': JSON.stringify({ strategy: { mode: 'fallback' }, targets: [{ provider: 'openai', custom_host: upstream.url, api_key: 'sk-up', retry: { attempts: 0 } }] }) }, pid: portkey.pid },
    ];
    const runs: Record<string, PathFigures>[] = [];
    const rps: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let run = 0; run < RUNS; run++) {
      runs.push(await latency(targets));
      for (const t of targets) rps[t.name]!.push(await throughput(t));
    }
    const m = (name: string, k: keyof PathFigures): number | undefined => {
      const xs = runs.map((r) => r[name]![k]).filter((x): x is number => x !== undefined);
      return xs.length ? median(xs) : undefined;
    };
    const proxies = targets.filter((t) => t.pid !== undefined).map((t) => t.name);
    results.latency_ms = Object.fromEntries(targets.map((t) => [t.name, { p50: round(m(t.name, 'p50')!), p99: round(m(t.name, 'p99')!), p999: round(m(t.name, 'p999')!) }]));
    // Added latency per run (the run's own direct figures), then the median over runs.
    const addedOf = (name: string, k: 'p50' | 'p99' | 'p999'): number => median(runs.map((r) => r[name]![k] - r.direct![k]));
    const added = Object.fromEntries(proxies.map((n) => [n, { p50_ms: round(addedOf(n, 'p50')), p99_ms: round(addedOf(n, 'p99')), p999_ms: round(addedOf(n, 'p999')) }]));
    results.added_ms = added;
    results.per_request_cost = Object.fromEntries(proxies.map((n) => [n, { cpu_us: round(m(n, 'cpu_us') ?? NaN), kinstr: m(n, 'kinstr') === undefined ? null : round(m(n, 'kinstr')!) }]));
    results.throughput_rps = Object.fromEntries(targets.map((t) => [t.name, Math.round(median(rps[t.name]!))]));
    results.added_p50_ratio_nxs_over_portkey = added.portkey!.p50_ms > 0 ? round(added.nxs!.p50_ms / added.portkey!.p50_ms) : null;
    for (const p of [nxs, bare, nginx, other]) p?.kill();
    if (process.env.BENCH_ONLY !== 'latency') {
      results.failover_ms = await failover(upstream, portkey.url);
      Object.assign(results, await failures(failureDeps));
    }
    const fo = results.failover_ms as { refused: { nxs_cold: number } } | undefined;
    const rl = results.primary_429_retry_after_30 as { nxs_cold_over_direct: number } | undefined;
    results.targets_met = {
      added_p50_le_0_5_ms: added.nxs!.p50_ms <= 0.5,
      added_p99_le_2_ms: added.nxs!.p99_ms <= 2,
      added_p50_le_half_portkey: added.nxs!.p50_ms <= added.portkey!.p50_ms / 2,
      failover_refused_le_50_ms: fo ? fo.refused.nxs_cold <= 50 : null,
      primary_429_within_2x_direct: rl ? rl.nxs_cold_over_direct <= 2 : null,
    };
  } finally {
    for (const p of peers) p.kill();
    upstream.kill();
    for (const c of leanClients) c.close();
  }
  if (CLIENT === 'lean') results.lean_client_reconnects = leanClients.reduce((n, c) => n + c.reconnects, 0);
  results.loadavg_end = loadavg().map(round);
  console.error(JSON.stringify(results, null, 2));
  console.log(JSON.stringify({ bench: 'gateway', ...results }));
}

/** The failure figures (bench/lib/gateway-failures.ts). */
async function failures(d: FailureDeps): Promise<Record<string, unknown>> {
  return {
    all_refuse_503: await allRefuse(d),
    primary_429_retry_after_30: await primaryRateLimited(d),
    stream_first_byte_ms: await streamFirstByte(d, Math.min(N, 500)),
  };
}

async function failover(upstream: { url: string }, portkeyUrl: string): Promise<Record<string, unknown>> {
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

/** One request to `t`, timed from the first byte sent to the last byte read; `client` for a throughput worker's own connection. */
async function once(t: Target, client?: LeanClient): Promise<number> {
  if (CLIENT === 'fetch') {
    const t0 = performance.now();
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: BODY });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${t.name}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    return performance.now() - t0;
  }
  let lean = leanOf.get(t);
  if (!lean) {
    lean = { client: newLeanClient(t.url), request: LeanClient.post(t.url, t.headers, BODY) };
    leanOf.set(t, lean);
  }
  const t0 = performance.now();
  const answer = await (client ?? lean.client).send(lean.request);
  const ms = performance.now() - t0;
  if (answer.status !== 200) throw new Error(`${t.name}: HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
  return ms;
}

function newLeanClient(url: string): LeanClient {
  const c = new LeanClient(url);
  leanClients.push(c);
  return c;
}

// Interleaved: round i sends one request to every path in turn, so a burst of load from other processes on
// the shared machine lands on all paths alike instead of on whichever block was running. Each proxy
// serves only its own requests, so its CPU time and instructions over the loop, divided by N, are its
// cost per request (idle wake-ups included: they are part of what it costs).
/** mulberry32: a small seeded generator, so a run's orders can be replayed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], random: () => number): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
}

async function latency(targets: Target[]): Promise<Record<string, PathFigures>> {
  for (let i = 0; i < WARM; i++) for (const t of targets) await once(t);
  const withPid = targets.filter((t) => t.pid !== undefined);
  const counters = new Map<string, Counter>();
  for (const t of withPid) counters.set(t.name, await countInstructions(t.pid!));
  const cpu0 = new Map(withPid.map((t) => [t.name, cpuNs(t.pid!)]));
  const xs: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  // Each round goes through the paths in a fresh shuffled order, so every path follows every other
  // equally often: what a neighbour leaves behind (Portkey's collector and timers still running on
  // the other vCPU, caches warmed or evicted) lands on all alike. Rotating one fixed order, as
  // until 2026-11-22, kept each path behind the same neighbour in 5 rounds of 6, and an A/A run
  // (the same nxs twice) then differed by 0.5-0.9 ms at p99 and 20-28k instructions a request.
  const random = seededRandom(0x6e7873 + runIndex++);
  const order = [...targets];
  for (let i = 0; i < N; i++) {
    shuffle(order, random);
    for (const t of order) xs[t.name]!.push(await once(t));
  }
  const out: Record<string, PathFigures> = {};
  for (const t of targets) {
    const v = xs[t.name]!.sort((a, b) => a - b);
    const f: PathFigures = { p50: v[Math.floor(v.length * 0.5)]!, p99: v[Math.floor(v.length * 0.99)]!, p999: v[Math.floor(v.length * 0.999)]! };
    if (t.pid !== undefined) {
      const c0 = cpu0.get(t.name);
      const c1 = cpuNs(t.pid);
      if (c0 != null && c1 != null) f.cpu_us = (c1 - c0) / N / 1000;
      const n = await counters.get(t.name)!.stop();
      if (n) f.kinstr = (n.instructionsUser + n.instructionsKernel) / N / 1000;
    }
    out[t.name] = f;
  }
  return out;
}

async function throughput(t: Target): Promise<number> {
  let n = 0;
  const end = performance.now() + DUR_MS;
  await Promise.all(Array.from({ length: CONC }, async () => {
    const client = CLIENT === 'lean' ? newLeanClient(t.url) : undefined;
    while (performance.now() < end) {
      await once(t, client);
      n++;
    }
    client?.close();
  }));
  return n / (DUR_MS / 1000);
}

async function startNxs(providers: unknown[], warm?: unknown[]): Promise<Peer> {
  // The flags dist/nxs runs with (build/exec-argv.ts), then BENCH_NXS_NODE_ARGS: Node flags for the
  // nxs child only (--cpu-prof, --trace-gc, --perf-basic-prof).
  const nodeArgs = [...SEA_EXEC_ARGV, ...(process.env.BENCH_NXS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)];
  return startNodeChild(import.meta.filename, ['--serve-nxs', JSON.stringify(providers), ...(warm ? [JSON.stringify(warm)] : [])], nodeArgs);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
