// What a server process spends, read from outside it, so a proxy's own per-request cost can be
// compared without trusting wall-clock time on a shared machine:
// - CPU time: the sum of every thread's on-CPU nanoseconds (/proc/<pid>/task/*/schedstat), so
//   libuv and V8 helper threads (GC, compiler) count too;
// - instructions retired (user and kernel), from `perf stat -p <pid>` when perf can count them:
//   far steadier between runs than time, since a busy neighbour does not change what ran.
import { readdirSync, readFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';

/** Nanoseconds the process has run on a CPU so far, all threads; null once it has gone. */
export function cpuNs(pid: number): number | null {
  let total = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // a thread that ended between the listing and the read: its time is gone with it
      }
    }
  } catch {
    return null;
  }
  return total;
}

export interface Counted {
  instructionsUser: number;
  instructionsKernel: number;
}

export interface Counter {
  /** Stops counting and returns the totals since start, or null when perf could not count. */
  stop(): Promise<Counted | null>;
}

let perfWorks: boolean | undefined;

/** Whether `perf stat` can count instructions here (a VM may hide the hardware counters). */
export function perfAvailable(): boolean {
  if (perfWorks === undefined) {
    const r = spawnSync('perf', ['stat', '-x,', '-e', 'instructions:u', 'true'], { encoding: 'utf8' });
    perfWorks = r.status === 0 && /^\d+,/m.test(r.stderr ?? '');
  }
  return perfWorks;
}

/** Counts the instructions a running process (every thread) retires until stop(). */
export async function countInstructions(pid: number): Promise<Counter> {
  if (!perfAvailable()) return { stop: async () => null };
  const perf = spawn('perf', ['stat', '-x,', '-e', 'instructions:u,instructions:k', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  perf.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  // perf attaches asynchronously; give it the moment it needs before the measured window opens.
  await new Promise((r) => setTimeout(r, 200));
  return {
    stop: () =>
      new Promise((resolve) => {
        perf.on('exit', () => {
          const count = (ev: string): number => Number(new RegExp(`^(\\d+),[^,]*,${ev.replace(':', '\\:')}`, 'm').exec(err)?.[1] ?? NaN);
          const u = count('instructions:u');
          const k = count('instructions:k');
          resolve(Number.isFinite(u) ? { instructionsUser: u, instructionsKernel: k } : null);
        });
        perf.kill('SIGINT');
      }),
  };
}
