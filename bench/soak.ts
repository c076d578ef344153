// bench/soak.ts (`npm run soak`): a day of a host's life, accelerated, against the built dist/nxs.
// Messages on every channel (HTTP, the file inbox, a fake Telegram), /v1 traffic while the primary
// provider flaps (500s and resets for 20 s of every minute), a scheduled prompt every second, a
// whole-host checkpoint every minute, and a clean restart midway. Every minute it prints RSS, the V8
// heap, open file descriptors, the SQLite files' sizes and the p99 answer latency; at the end it
// judges them (bench/lib/soak-growth.ts states the bounds) and exits 1 when one kept growing after
// warm-up. Ends with one JSON line.
//
//   npm run soak                      # 60 minutes
//   npm run soak -- --minutes 5       # CI's variant (SOAK_MINUTES=5 works too)
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startFakeProvider } from '../test/helpers/fake-provider.ts';
import { startFakeTelegram } from '../test/helpers/fake-telegram.ts';
import { baseConfig, remoteProvider, startHost, tempDir, TOKEN, type DrillHost } from './lib/drill-host.ts';
import { followMessage, getJson, postMessage } from './lib/message-client.ts';
import { judgeSoak, type SoakSample } from './lib/soak-growth.ts';
import { percentile } from './lib/stats.ts';

const argMinutes = process.argv.find((a, i) => process.argv[i - 1] === '--minutes');
const MINUTES = Number(argMinutes ?? process.env.SOAK_MINUTES ?? 60);
const MINUTE_MS = Number(process.env.SOAK_MINUTE_MS ?? 60_000);
const WARMUP = Math.max(1, Math.round(MINUTES * 0.2));
const MiB = 1048576;

const primary = await startFakeProvider({ name: 'primary' });
const secondary = await startFakeProvider({ name: 'secondary' });
const tg = await startFakeTelegram({ token: '123456:SOAK-TOKEN' });
const dir = tempDir('nxs-soak-');
const dataDir = path.join(dir, 'data');
const spec = {
  home: path.join(dir, 'home'),
  dataDir,
  config: baseConfig([remoteProvider('primary', primary.url), remoteProvider('secondary', secondary.url)], {
    log: { level: 'warn', pretty: 'never' },
    assistant: { telegram: { enabled: true, api_base: tg.url, poll_timeout_s: 5 } },
  }),
  env: { NXS_TELEGRAM_TOKEN: tg.token },
};
let host: DrillHost = await startHost(spec);
// Interrupted (Ctrl-C, a CI timeout): stop the host rather than leave it running without its soak.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void host.stop().then(() => process.exit(130)));
let latencies: number[] = [];
let sent = 0;
let failures = 0;
const timers: NodeJS.Timeout[] = [];
const every = (ms: number, fn: () => Promise<unknown>): void => void timers.push(setInterval(() => void fn().catch(() => (failures += 1)), ms));

async function timedMessage(conv: string): Promise<void> {
  const t0 = performance.now();
  const id = await postMessage(host.url, conv, `soak ${++sent}`);
  const m = await followMessage(host.url, id);
  if (m.status === 'answered') latencies.push(performance.now() - t0);
}

async function v1Call(): Promise<void> {
  const t0 = performance.now();
  const res = await fetch(`${host.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: `door ${++sent}` }] }) });
  await res.text();
  if (res.status === 200) latencies.push(performance.now() - t0);
}

async function addTask(): Promise<void> {
  await getJson(host.url, '/api/tasks', { method: 'POST', body: JSON.stringify({ name: 'soak-beat', every: '1s', queue: 'assistant.prompt', payload: { prompt: 'heartbeat', channel: 'http', essential: true } }) }).catch((e: Error) => {
    if (!e.message.includes('NXS_ERR_TASK_EXISTS')) throw e;
  });
}

function flap(minute: number): void {
  // 20 s of every minute the primary fails (alternately 500s and resets); the chain must ride it out.
  primary.fallback = minute % 2 === 0 ? { kind: 'status', status: 500 } : { kind: 'reset' };
  setTimeout(() => (primary.fallback = { kind: 'ok' }), MINUTE_MS / 3).unref();
}

function sample(minute: number, lastPid: number): SoakSample {
  const pid = host.pid;
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const size = (f: string): number => (existsSync(path.join(dataDir, f)) ? statSync(path.join(dataDir, f)).size : 0);
  let messages = 0;
  try {
    const db = new Database(path.join(dataDir, 'nxs.db'), { readonly: true, fileMustExist: true });
    messages = (db.prepare('SELECT count(*) AS n FROM assistant_messages').get() as { n: number }).n;
    db.close();
  } catch {
    // A busy store: the next minute counts them.
  }
  const p99 = latencies.length ? percentile(latencies, 99) : null;
  latencies = [];
  return { minute, restarted: pid !== lastPid, rssBytes: rss, heapBytes: null, fds, dbBytes: size('nxs.db') + size('nxs.db-wal') + size('nxs.db-shm'), walBytes: size('nxs.db-wal'), messages, p99Ms: p99 };
}

await addTask();
every(500, () => timedMessage(`soak-${sent % 5}`));
every(250, v1Call);
every(2000, async () => void tg.push({ message: { message_id: sent, text: `tg ${++sent}`, chat: { id: 42, type: 'private' }, from: { id: 42, first_name: 'Soak' } } }));
every(5000, async () => writeFileSync(path.join(dataDir, 'inbox', `soak-${++sent}.txt`), `file ${sent}`));
every(MINUTE_MS, () => getJson(host.url, '/api/checkpoints/host', { method: 'POST' }));

const samples: SoakSample[] = [];
let lastPid = host.pid;
process.stdout.write('minute  rss_MiB  heap_MiB  fds  db_MiB  wal_MiB  messages  p99_ms  note\n');
for (let minute = 1; minute <= MINUTES; minute++) {
  flap(minute);
  await new Promise((r) => setTimeout(r, MINUTE_MS));
  const s = sample(minute, lastPid);
  s.heapBytes = ((await getJson(host.url, '/api/status').catch(() => ({}))) as { memory_heap_used_bytes?: number }).memory_heap_used_bytes ?? null;
  lastPid = host.pid;
  samples.push(s);
  const f = (b: number | null): string => (b === null ? 'n/a' : (b / MiB).toFixed(1));
  process.stdout.write(`${String(minute).padStart(6)}  ${f(s.rssBytes).padStart(7)}  ${f(s.heapBytes).padStart(8)}  ${String(s.fds).padStart(3)}  ${f(s.dbBytes).padStart(6)}  ${f(s.walBytes).padStart(7)}  ${String(s.messages).padStart(8)}  ${s.p99Ms === null ? '   n/a' : String(Math.round(s.p99Ms)).padStart(6)}  ${s.restarted ? 'restarted' : minute <= WARMUP ? 'warm-up' : ''}\n`);
  if (minute === Math.floor(MINUTES / 2)) {
    // The restart midway: a clean stop and a new process on the same data folder (an upgrade, a reboot).
    await host.stop();
    host = await startHost(spec);
    await addTask();
  }
}
for (const t of timers) clearInterval(t);
await host.stop();
await primary.close();
await secondary.close();
await tg.close();
const bounds = judgeSoak(samples, WARMUP);
for (const b of bounds) process.stdout.write(`${b.ok ? 'ok  ' : 'GREW'} ${b.metric}: ${Math.round(b.baseline)} -> ${Math.round(b.last)} (${b.rule})\n`);
process.stdout.write(`client-side failures (refused posts, broken streams): ${failures}\n`);
process.stdout.write(JSON.stringify({ soak: { minutes: MINUTES, warmup_minutes: WARMUP, samples, bounds, failures } }) + '\n');
process.exit(bounds.every((b) => b.ok) ? 0 : 1);
