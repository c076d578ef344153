// bench/lib/gateway-failures.ts: the failure figures of bench:gateway (issue 15, item 9), each nxs
// beside a direct call and Portkey where the comparison applies:
// - time to a 503 when every provider refuses (connection refused), cold (the first request after
//   boot) and warm (breakers open, nxs answers from what it knows);
// - time to an answer when the primary says 429 with Retry-After: 30 and the secondary is healthy
//   (an upstream that takes UPSTREAM_DELAY_MS, as a real provider does), against a direct call to
//   that healthy provider (target: within 2x);
// - time to the first byte of a stream's body (the first SSE event), direct, via nxs and via
//   Portkey, and the time each proxy adds.
// Requests go through node:http with one keep-alive agent per path (the same instrument for all).
import { Agent, request } from 'node:http';
import { startFakeProvider, refusedUrl, completion } from '../../test/helpers/fake-provider.ts';
import { median } from './stats.ts';
import type { Peer } from './peers.ts';

/** The healthy provider's own time to answer in the 429 scenario (a small, fast model's). */
export const UPSTREAM_DELAY_MS = 50;

export interface FailureDeps {
  /**
   * Starts an nxs door with this chain (bench/gateway.ts --serve-nxs); `warm`: a separate chain the
   * process first runs 300 calls and failovers on, so "cold" is the first failure, not the first call.
   */
  startNxs(providers: unknown[], warm?: unknown[]): Promise<Peer>;
  token: string;
  portkeyUrl: string;
  /** The bench's upstream (answers at once, streams too). */
  upstreamUrl: string;
  runs: number;
}

interface Timed {
  ms: number;
  status: number;
}

const BODY = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
const STREAM_BODY = JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'hello' }] });

/** One POST; `firstByte`: timed to the first byte of the body (the rest is read before resolving). */
function timed(agent: Agent, url: string, headers: Record<string, string>, body: string, firstByte = false): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first: number | null = null;
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.on('data', () => {
        first ??= performance.now() - t0;
      });
      res.on('end', () => resolve({ ms: firstByte ? (first ?? performance.now() - t0) : performance.now() - t0, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

const portkeyHeaders = (targets: { url: string; key: string }[], extra: Record<string, unknown> = {}) => ({
  'x-portkey-config': JSON.stringify({ strategy: { mode: 'fallback' }, targets: targets.map((t) => ({ provider: 'openai', custom_host: t.url, api_key: t.key, retry: { attempts: 0 } })), ...extra }),
});

/** A chain the nxs process warms on (as bench/gateway.ts's failover part does), leaving the measured one untouched. */
async function warmChain(d: FailureDeps): Promise<unknown[]> {
  return [
    { name: 'warm-dead', base_url: await refusedUrl(), model: 'm', api_key: 'sk-w', retries: 0 },
    { name: 'warm-up', base_url: d.upstreamUrl, model: 'm', api_key: 'sk-w', retries: 0 },
  ];
}

/** Every provider refuses: how long until the caller holds its 503. */
export async function allRefuse(d: FailureDeps): Promise<Record<string, unknown>> {
  const [r1, r2] = [await refusedUrl(), await refusedUrl()];
  const warmUp = await warmChain(d);
  const chain = [
    { name: 'one', base_url: r1, model: 'm', api_key: 'sk-1', retries: 0 },
    { name: 'two', base_url: r2, model: 'm', api_key: 'sk-2', retries: 0 },
  ];
  const cold: number[] = [];
  const warm: number[] = [];
  const statuses = new Set<number>();
  for (let r = 0; r < d.runs; r++) {
    const nxs = await d.startNxs(chain, warmUp);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = `${nxs.url}/v1/chat/completions`;
    const h = { authorization: `Bearer ${d.token}` };
    // The door itself warmed (parsing, auth, validation) without touching the chain.
    for (let i = 0; i < 100; i++) await timed(agent, url, h, '{"messages": []}');
    const c = await timed(agent, url, h, BODY);
    cold.push(c.ms);
    statuses.add(c.status);
    for (let i = 0; i < 50; i++) {
      const w = await timed(agent, url, h, BODY);
      warm.push(w.ms);
      statuses.add(w.status);
    }
    agent.destroy();
    nxs.kill();
  }
  const pkAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const pk: Timed[] = [];
  for (let i = 0; i < 50; i++) pk.push(await timed(pkAgent, `${d.portkeyUrl}/v1/chat/completions`, portkeyHeaders([{ url: r1, key: 'sk-1' }, { url: r2, key: 'sk-2' }]), BODY));
  pkAgent.destroy();
  return {
    nxs_status: [...statuses],
    nxs_cold_ms: round(median(cold)),
    nxs_warm_ms: round(median(warm)),
    portkey_status: [...new Set(pk.map((p) => p.status))],
    portkey_ms: round(median(pk.map((p) => p.ms))),
  };
}

/** The primary says 429 with Retry-After: 30; the secondary (UPSTREAM_DELAY_MS to answer) is healthy. */
export async function primaryRateLimited(d: FailureDeps): Promise<Record<string, unknown>> {
  const refuse429 = { kind: 'status' as const, status: 429, headers: { 'retry-after': '30' }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } };
  const limited = await startFakeProvider({ name: 'limited' });
  const healthy = await startFakeProvider({
    name: 'healthy',
    fallback: { kind: 'custom', handle: (r, res) => void setTimeout(() => {
      const text = JSON.stringify(completion('healthy', String(r.body?.model ?? 'm'), 'Hello from healthy'));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    }, UPSTREAM_DELAY_MS) },
  });
  // As configured in the report: two retries on the limited provider.
  const chain = [
    { name: 'limited', base_url: limited.url, model: 'm', api_key: 'sk-l', retries: 2 },
    { name: 'healthy', base_url: healthy.url, model: 'm', api_key: 'sk-h', retries: 0 },
  ];
  try {
    const warmUp = await warmChain(d);
    const direct: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    const directAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let r = 0; r < d.runs; r++) {
      const nxs = await d.startNxs(chain, warmUp);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const url = `${nxs.url}/v1/chat/completions`;
      const h = { authorization: `Bearer ${d.token}` };
      for (let i = 0; i < 100; i++) await timed(agent, url, h, '{"messages": []}');
      // Connections to both providers opened and the path run, while the primary still answers: each
      // request steered to one provider (x-nxs-config targets moves no sticky provider). "Cold" is then
      // the first 429 itself, not nxs's first call to a provider.
      limited.fallback = { kind: 'ok' };
      for (let i = 0; i < 50; i++) {
        for (const target of ['healthy', 'limited']) await timed(agent, url, { ...h, 'x-nxs-config': JSON.stringify({ targets: [target] }) }, BODY);
      }
      limited.fallback = refuse429;
      const warmed = limited.requests.length;
      for (let i = 0; i < 3; i++) direct.push((await timed(directAgent, `${healthy.url}/chat/completions`, { authorization: 'Bearer sk-h' }, BODY)).ms);
      const c = await timed(agent, url, h, BODY);
      if (c.status !== 200) throw new Error(`nxs answered ${c.status} with a healthy secondary`);
      if (limited.requests.length !== warmed + 1) throw new Error('the cold request did not meet the 429 once');
      cold.push(c.ms);
      for (let i = 0; i < 20; i++) {
        warm.push((await timed(agent, url, h, BODY)).ms);
        direct.push((await timed(directAgent, `${healthy.url}/chat/completions`, { authorization: 'Bearer sk-h' }, BODY)).ms);
      }
      agent.destroy();
      nxs.kill();
    }
    directAgent.destroy();
    const pkAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const pk: number[] = [];
    limited.fallback = refuse429;
    for (let i = 0; i < 20; i++) pk.push((await timed(pkAgent, `${d.portkeyUrl}/v1/chat/completions`, portkeyHeaders([{ url: limited.url, key: 'sk-l' }, { url: healthy.url, key: 'sk-h' }]), BODY)).ms);
    pkAgent.destroy();
    const directMs = median(direct);
    return {
      upstream_delay_ms: UPSTREAM_DELAY_MS,
      direct_healthy_ms: round(directMs),
      nxs_cold_ms: round(median(cold)),
      nxs_warm_ms: round(median(warm)),
      portkey_ms: round(median(pk)),
      nxs_cold_over_direct: round(median(cold) / directMs),
    };
  } finally {
    await limited.close();
    await healthy.close();
  }
}

/** Time to the first byte of a streamed answer's body: direct, via nxs, via Portkey. */
export async function streamFirstByte(d: FailureDeps, n: number): Promise<Record<string, unknown>> {
  const nxs = await d.startNxs([{ name: 'up', base_url: d.upstreamUrl, model: 'm', api_key: 'sk-up', retries: 0 }]);
  const paths = [
    { name: 'direct', url: `${d.upstreamUrl}/chat/completions`, headers: { authorization: 'Bearer sk-up' } },
    { name: 'nxs', url: `${nxs.url}/v1/chat/completions`, headers: { authorization: `Bearer ${d.token}` } },
    { name: 'portkey', url: `${d.portkeyUrl}/v1/chat/completions`, headers: portkeyHeaders([{ url: d.upstreamUrl, key: 'sk-up' }]) },
  ].map((p) => ({ ...p, agent: new Agent({ keepAlive: true, maxSockets: 1 }), xs: [] as number[] }));
  const out: Record<string, unknown> = {};
  try {
    // Portkey 1.x streams through a Response whose headers it then edits; on Node 24 that throws
    // (TypeError: immutable, in updateHeaders) and every stream is its 500. Measured only where it streams.
    const pkProbe = await timed(paths[2]!.agent, paths[2]!.url, paths[2]!.headers, STREAM_BODY, true);
    if (pkProbe.status !== 200) {
      out.portkey = `not measured: Portkey answered a stream with HTTP ${pkProbe.status} on Node ${process.versions.node} (its streaming path throws TypeError: immutable)`;
      paths[2]!.agent.destroy();
      paths.pop();
    }
    for (let i = 0; i < 200; i++) for (const p of paths) await timed(p.agent, p.url, p.headers, STREAM_BODY, true);
    // Interleaved, as the latency part is: load from others on the machine lands on every path alike.
    for (let i = 0; i < n; i++) {
      for (const p of paths) {
        const t = await timed(p.agent, p.url, p.headers, STREAM_BODY, true);
        if (t.status !== 200) throw new Error(`${p.name}: stream answered ${t.status}`);
        p.xs.push(t.ms);
      }
    }
  } finally {
    for (const p of paths) p.agent.destroy();
    nxs.kill();
  }
  const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!;
  const direct = paths[0]!.xs;
  for (const p of paths) out[p.name] = { p50_ms: round(pct(p.xs, 0.5)), p99_ms: round(pct(p.xs, 0.99)) };
  for (const p of paths.slice(1)) out[`${p.name}_added`] = { p50_ms: round(pct(p.xs, 0.5) - pct(direct, 0.5)), p99_ms: round(pct(p.xs, 0.99) - pct(direct, 0.99)) };
  return out;
}
