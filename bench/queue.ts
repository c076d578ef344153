// Queue benchmark: nxs's durable queue against plainjob (SQLite through
// better-sqlite3) and BullMQ (Redis), side by side in one run on this machine.
//
// Method. Each system gets a fresh store. One run of a scenario: enqueue N jobs
// one call at a time (each call timed: enqueue latency), then process the
// backlog with an empty handler until every job is complete. Throughput is
// N / (enqueue time + processing time): durable end to end. Per-group order is
// on: nxs keeps order within each group and runs groups side by side up to the
// standard tier's concurrency (4); plainjob and BullMQ have no groups, so each
// runs one worker, the only setup that keeps the order of every group.
// Durability: nxs and plainjob use SQLite WAL with synchronous=NORMAL; Redis
// runs with appendonly yes + appendfsync everysec. Figures are medians of RUNS
// runs. Scenarios: 1 group and 100 groups. Ends with one JSON line.
//
//   node bench/queue.ts            (env BENCH_N=5000 BENCH_RUNS=3)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/database.ts';
import { ALL_MIGRATIONS } from '../src/store/migration-registry.ts';
import { systemClock } from '../src/core/clock.ts';
import { createLogger } from '../src/core/logger.ts';
import { EventBus } from '../src/core/events.ts';
import { SecretRedactor } from '../src/core/secrets-redactor.ts';
import { PROFILES, ProfileHolder } from '../src/detect/profile.ts';
import type { Context } from '../src/core/context.ts';
import { SqliteQueue } from '../src/queue/sqlite-queue.ts';

const N = Number(process.env.BENCH_N ?? 5000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCENARIOS = [1, 100];

interface RunResult {
  jobsPerSec: number;
  enqueueP50Us: number;
  enqueueP99Us: number;
  processPerSec: number;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const median = (xs: number[]): number => quantile(xs, 0.5);
const result = (lat: number[], enqMs: number, procMs: number): RunResult => ({
  jobsPerSec: Math.round((N / (enqMs + procMs)) * 1000),
  enqueueP50Us: Math.round(quantile(lat, 0.5) * 1000),
  enqueueP99Us: Math.round(quantile(lat, 0.99) * 1000),
  processPerSec: Math.round((N / procMs) * 1000),
});

async function runNxs(groups: number): Promise<RunResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-nxs-'));
  const db = openStore({ file: path.join(dir, 'nxs.db'), synchronous: 'normal', busyTimeoutMs: 1000, migrations: ALL_MIGRATIONS });
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  // Standard tier (4 slots); bounds raised so one group can hold the whole run.
  const profile = new ProfileHolder({ ...PROFILES.standard, queue: { maxPerQueue: 10_000_000, maxPerGroup: 10_000_000 } });
  const ctx = { db, clock: systemClock, profile, events: new EventBus(), redactor: new SecretRedactor(), log: createLogger({ level: 'warn', redactor: new SecretRedactor(), destination: sink }) } as unknown as Context;
  const queue = new SqliteQueue(ctx);
  queue.declare({ name: 'bench' });
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    queue.enqueue({ queue: 'bench', group: `g${i % groups}`, payload: { i } });
    lat.push(performance.now() - s);
  }
  const t1 = performance.now();
  queue.process('bench', async () => {});
  await queue.drain();
  const t2 = performance.now();
  await queue.stop(1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return result(lat, t1 - t0, t2 - t1);
}

async function runPlainjob(groups: number): Promise<RunResult> {
  const { better, defineQueue, defineWorker } = await import('plainjob');
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-pj-'));
  const db = new Database(path.join(dir, 'pj.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const quiet = { error() {}, warn() {}, info() {}, debug() {} };
  const queue = defineQueue({ connection: better(db), logger: quiet });
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    queue.add('bench', { i, group: `g${i % groups}` });
    lat.push(performance.now() - s);
  }
  const t1 = performance.now();
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  const worker = defineWorker('bench', async () => {}, { queue, logger: quiet, pollIntervall: 1, onCompleted: () => void (++done === N && finish()) });
  void worker.start();
  await all;
  const t2 = performance.now();
  await worker.stop();
  queue.close();
  rmSync(dir, { recursive: true, force: true });
  return result(lat, t1 - t0, t2 - t1);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function startRedis(): Promise<{ port: number; proc: ChildProcess; dir: string } | null> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-redis-'));
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`redis-server exited ${code}`)));
  });
  proc.stdout!.resume();
  return { port, proc, dir };
}

async function runBullmq(groups: number, port: number, run: number): Promise<RunResult> {
  const { Queue, Worker } = await import('bullmq');
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const name = `bench-${groups}-${run}`;
  const queue = new Queue(name, { connection });
  await queue.waitUntilReady();
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    await queue.add('job', { i, group: `g${i % groups}` });
    lat.push(performance.now() - s);
  }
  const t1 = performance.now();
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  const worker = new Worker(name, async () => {}, { connection, concurrency: 1 });
  worker.on('completed', () => void (++done === N && finish()));
  await all;
  const t2 = performance.now();
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return result(lat, t1 - t0, t2 - t1);
}

function summarise(runs: RunResult[]): RunResult {
  return {
    jobsPerSec: median(runs.map((r) => r.jobsPerSec)),
    enqueueP50Us: median(runs.map((r) => r.enqueueP50Us)),
    enqueueP99Us: median(runs.map((r) => r.enqueueP99Us)),
    processPerSec: median(runs.map((r) => r.processPerSec)),
  };
}

const redis = await startRedis();
const out: Record<string, Record<string, RunResult | null>> = {};
try {
  for (const groups of SCENARIOS) {
    const key = `groups_${groups}`;
    const acc: Record<string, RunResult[]> = { nxs: [], plainjob: [], bullmq: [] };
    // Interleaved so a burst of load on the machine hits every system alike.
    for (let r = 0; r < RUNS; r++) {
      acc.nxs!.push(await runNxs(groups));
      acc.plainjob!.push(await runPlainjob(groups));
      if (redis) acc.bullmq!.push(await runBullmq(groups, redis.port, r));
    }
    out[key] = { nxs: summarise(acc.nxs!), plainjob: summarise(acc.plainjob!), bullmq: redis ? summarise(acc.bullmq!) : null };
    for (const [sys, r] of Object.entries(out[key]!)) {
      if (!r) continue;
      console.log(`${key.padEnd(10)} ${sys.padEnd(9)} ${String(r.jobsPerSec).padStart(7)} jobs/s end to end  ${String(r.processPerSec).padStart(7)} jobs/s processing  enqueue p50 ${r.enqueueP50Us} µs  p99 ${r.enqueueP99Us} µs`);
    }
  }
} finally {
  if (redis) {
    redis.proc.kill('SIGTERM');
    await new Promise((r) => redis.proc.on('exit', r));
    rmSync(redis.dir, { recursive: true, force: true });
  }
}
if (!redis) console.log('note: redis-server not found; BullMQ skipped (apt-get install -y redis-server)');

const ratio = (a: number, b: number | undefined): number | null => (b ? Math.round((a / b) * 100) / 100 : null);
const ratios: Record<string, Record<string, number | null>> = {};
for (const [key, r] of Object.entries(out)) {
  ratios[key] = { nxs_vs_plainjob: ratio(r.nxs!.jobsPerSec, r.plainjob?.jobsPerSec), nxs_vs_bullmq: ratio(r.nxs!.jobsPerSec, r.bullmq?.jobsPerSec) };
  console.log(`${key.padEnd(10)} ratios: nxs/plainjob ${ratios[key]!.nxs_vs_plainjob}x, nxs/bullmq ${ratios[key]!.nxs_vs_bullmq ?? '-'}x`);
}
const targets = {
  throughput_2x_plainjob: Object.values(ratios).every((r) => (r.nxs_vs_plainjob ?? 0) >= 2),
  enqueue_p99_le_1ms: Object.values(out).every((r) => r.nxs!.enqueueP99Us <= 1000),
};
console.log(JSON.stringify({ bench: 'queue', n: N, runs: RUNS, method: 'median of runs; enqueue N then drain with empty handler; WAL+NORMAL vs AOF everysec', results: out, ratios, targets }));
