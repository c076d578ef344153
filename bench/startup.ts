// npm run bench:startup: size, first-run and warm exec-to-ready, idle RSS and
// idle CPU of dist/nxs, run as a user would (fresh HOME, no node on PATH).
//   node bench/startup.ts [--runs 7] [--idle-seconds 60] [--file dist/nxs]
// Exec-to-ready is the time from spawn() until GET /readyz answers 200; the
// host prints its ready banner right after it turns ready, so the banner
// triggers the first /readyz request (no polling loop adds latency).
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median, round } from './lib/stats.ts';
import { startToReady, type Started } from './lib/start-to-ready.ts';
import { toolPath } from '../test/helpers/header-tools.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '7' }, 'idle-seconds': { type: 'string', default: '60' }, file: { type: 'string', default: path.join(root, 'dist/nxs') } },
});
const runs = Number(values.runs);
const idleSeconds = Number(values['idle-seconds']);
const file = path.resolve(values.file);
if (!existsSync(file)) {
  console.error(`bench: ${file} does not exist; run npm run build first`);
  process.exit(2);
}

const PATH = toolPath('system');
const startOnce = (home: string): Promise<Started> => startToReady(file, { HOME: home, PATH, NXS_LOG_LEVEL: 'warn' });

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

const firstRuns: number[] = [];
const warmRuns: number[] = [];
const base = mkdtempSync(path.join(tmpdir(), 'nxs-bench-'));
for (let i = 0; i < runs; i++) {
  const home = path.join(base, `first-${i}`);
  mkdirSync(home);
  const s = await startOnce(home);
  firstRuns.push(s.ms);
  await s.stop();
  rmSync(home, { recursive: true, force: true });
}
const warmHome = path.join(base, 'warm');
mkdirSync(warmHome);
await (await startOnce(warmHome)).stop();
for (let i = 0; i < runs; i++) {
  const s = await startOnce(warmHome);
  warmRuns.push(s.ms);
  await s.stop();
}

const idle = await startOnce(warmHome);
await new Promise((r) => setTimeout(r, 2000));
const rss = rssBytes(idle.pid);
const cpu0 = cpuMs(idle.pid);
await new Promise((r) => setTimeout(r, idleSeconds * 1000));
const idleCpuMs = cpuMs(idle.pid) - cpu0;
const rssAfter = rssBytes(idle.pid);
await idle.stop();
rmSync(base, { recursive: true, force: true });
rmSync(PATH, { recursive: true, force: true });

const result = {
  bench: 'startup',
  file: path.relative(root, file),
  size_bytes: statSync(file).size,
  runs,
  first_run_ms_median: round(median(firstRuns)),
  first_run_ms_all: firstRuns.map((x) => round(x)),
  warm_run_ms_median: round(median(warmRuns)),
  warm_run_ms_all: warmRuns.map((x) => round(x)),
  idle_rss_bytes: rss,
  idle_rss_after_bytes: rssAfter,
  idle_cpu_ms: round(idleCpuMs),
  idle_seconds: idleSeconds,
  idle_cpu_ms_per_minute: round((idleCpuMs * 60) / idleSeconds),
};
console.error(
  `size ${(result.size_bytes / 1e6).toFixed(1)} MB | first run ${result.first_run_ms_median} ms | warm ${result.warm_run_ms_median} ms | idle RSS ${(rss / 1048576).toFixed(1)} MiB | idle CPU ${result.idle_cpu_ms} ms in ${idleSeconds} s`,
);
console.log(JSON.stringify(result));
