// Detection time: medians over repeated runs on this machine's real /proc, /sys and /etc.
//   local      the non-network probes alone (what boot waits for)
//   offline    all probes; endpoints and local LLM ports closed on 127.0.0.1 (refused at once)
//   online     all probes; endpoints and LM Studio / Ollama are live fake servers on 127.0.0.1
//   dead       all probes; endpoints and LLM ports are a loopback blackhole (accepts, never answers):
//              the bound is what you wait for
//   boot       startHost in this process; the detect phase's share of start-to-ready
// Run: node bench/detect.ts [runs]   (default 15; 10 for the dead-network case)
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { detectAll, detectLocal, DETECT_DEFAULTS } from '../src/detect/detect.ts';
import { startHost } from '../src/boot/host.ts';
import { BOOT_STEPS } from '../src/boot/steps.ts';
import { readBootLog } from '../src/store/boot-records.ts';

const RUNS = Math.max(10, Number(process.argv[2]) || 15);
const REPO = path.resolve(import.meta.dirname, '..');
const env = process.env;
const dataDir = mkdtempSync(path.join(tmpdir(), 'nxs-bench-detect-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return Math.round((s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2) * 10) / 10;
}

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<{ median: number; max: number }> {
  await fn(); // warm the module and file caches once, as a running host would be
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return { median: median(xs), max: Math.round(Math.max(...xs) * 10) / 10 };
}

async function server(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const s = http.createServer(handler);
  s.on('connection', (c) => (sockets.add(c), c.on('close', () => sockets.delete(c))));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    close: () => {
      for (const c of sockets) c.destroy();
      return new Promise((r) => s.close(() => r()));
    },
  };
}

const closed = await server(() => {});
await closed.close();
const up = await server((req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.url === '/v1/models') res.end(JSON.stringify({ data: [{ id: 'm1' }] }));
  else if (req.url === '/api/tags') res.end(JSON.stringify({ models: [{ name: 'm1' }] }));
  else res.writeHead(401).end('{}');
});
const hole = await server(() => {});

const base = { root: '/', env, dataDir };
const local = await timeIt(RUNS, () => detectLocal(base));
const offline = await timeIt(RUNS, () => detectAll({ ...base, endpoints: [`${closed.url}/v1`, `${closed.url}/v2`], lmstudioUrl: closed.url, ollamaUrl: closed.url }, { network: true, now: Date.now }));
const online = await timeIt(RUNS, () => detectAll({ ...base, endpoints: [`${up.url}/v1`, `${up.url}/v2`], lmstudioUrl: up.url, ollamaUrl: up.url }, { network: true, now: Date.now }));
const dead = await timeIt(10, () => detectAll({ ...base, endpoints: [`${hole.url}/v1`], lmstudioUrl: hole.url, ollamaUrl: hole.url }, { network: true, now: Date.now }));
await Promise.all([up.close(), hole.close()]);

// Start-to-ready of a real host in this process, and the detect phase inside it (from the boot log).
const boots: { ready: number; detect: number }[] = [];
let bootSteps = 'all boot steps';
for (let i = 0; i < RUNS; i++) {
  const home = mkdtempSync(path.join(tmpdir(), 'nxs-bench-home-'));
  const t0 = performance.now();
  let host;
  try {
    host = await startHost({
      version: 'bench',
      env: { NXS_HOME: home, NXS_PORT: '0', NXS_LOG_LEVEL: 'error', PATH: env.PATH },
      paths: { runtimeDir: REPO, payloadDir: path.join(REPO, 'payload'), identityDir: path.join(REPO, 'identity'), sqliteBinding: undefined, packed: false },
      logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
      steps: bootSteps === 'all boot steps' ? BOOT_STEPS : BOOT_STEPS.filter((s) => s.name === 'detect'),
    });
  } catch (err) {
    // Another part's step may not start on this box; measure detect alone rather than nothing.
    if (bootSteps !== 'all boot steps') throw err;
    bootSteps = `detect step only (full boot failed: ${String(err).slice(0, 80)})`;
    rmSync(home, { recursive: true, force: true });
    i--;
    continue;
  }
  const ready = performance.now() - t0;
  const m = /phase detect: ([\d.]+) ms/.exec(readBootLog(host.ctx.db, undefined)!.log);
  await host.stop('bench');
  rmSync(home, { recursive: true, force: true });
  boots.push({ ready, detect: Number(m?.[1] ?? NaN) });
}
rmSync(dataDir, { recursive: true, force: true });

const readyMs = median(boots.map((b) => b.ready));
const detectMs = median(boots.map((b) => b.detect));
const result = {
  bench: 'detect',
  runs: RUNS,
  local_ms: local.median,
  local_max_ms: local.max,
  offline_ms: offline.median,
  online_ms: online.median,
  dead_network_ms: dead.median,
  network_bound_ms: DETECT_DEFAULTS.networkTimeoutMs,
  non_network_share_offline: Math.round((local.median / offline.median) * 100) / 100,
  boot_ready_ms: readyMs,
  boot_detect_phase_ms: detectMs,
  detect_share_of_ready: Math.round((detectMs / readyMs) * 100) / 100,
  boot_steps: bootSteps,
  target_local_ms: 300,
  target_all_ms: 2000,
};
console.log(`local ${local.median} ms (max ${local.max}), offline ${offline.median} ms, online ${online.median} ms, dead network ${dead.median} ms; boot ready ${readyMs} ms of which detect ${detectMs} ms (${bootSteps})`);
console.log(JSON.stringify(result));
