import { NxsError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { SqliteQueue } from './sqlite-queue.ts';

export const SELFTEST_QUEUE = 'selftest';

export interface SelftestResult {
  enqueued: number;
  completed: number;
  groups: number;
  elapsed_ms: number;
  jobs_per_sec: number;
  first_id: number | null;
  last_id: number | null;
}

/** The built-in queue an operator (and the crash harness) uses to check the queue end to end. */
export function installSelftestQueue(queue: SqliteQueue): void {
  queue.declare({ name: SELFTEST_QUEUE, maxAttempts: 10, backoff: { baseMs: 100, maxMs: 5_000 } });
  // Completes at once and records nothing: what is measured is the queue itself.
  queue.process(SELFTEST_QUEUE, async () => {});
}

/**
 * Enqueues `n` selftest jobs across `groups` groups and, with `wait`, resolves
 * once every one is committed done (or rejects at `timeoutMs`).
 */
export async function runSelftest(queue: SqliteQueue, clock: Clock, opts: { n: number; groups: number; wait: boolean; timeoutMs: number; signal?: AbortSignal }): Promise<SelftestResult> {
  const t0 = clock.monotonic();
  const pending = new Set<number>();
  let completed = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  const off = queue.onSettled((jobs) => {
    for (const j of jobs) {
      if (j.outcome === 'done' && pending.delete(j.id)) completed++;
    }
    if (pending.size === 0) finish();
  });
  checkRoom(queue, opts.n, opts.groups);
  let first: number | null = null;
  let last: number | null = null;
  try {
    for (let i = 0; i < opts.n; i++) {
      const job = queue.enqueue({ queue: SELFTEST_QUEUE, group: opts.groups > 0 ? `selftest-${i % opts.groups}` : undefined, payload: { i } });
      pending.add(job.id);
      first ??= job.id;
      last = job.id;
    }
    if (opts.wait && pending.size > 0) {
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      const timedOut = new Promise<'timeout'>((r) => (timer = clock.setTimeout(() => r('timeout'), opts.timeoutMs)));
      const aborted = new Promise<'timeout'>((r) => opts.signal?.addEventListener('abort', () => r('timeout'), { once: true }));
      const outcome = await Promise.race([done.then(() => 'done' as const), timedOut, aborted]);
      if (timer) clock.clearTimeout(timer);
      if (outcome === 'timeout') {
        throw new NxsError('NXS_ERR_JOB_TIMEOUT', `selftest: ${completed} of ${opts.n} jobs completed within ${opts.timeoutMs} ms`, { completed, enqueued: opts.n });
      }
    }
  } finally {
    off();
  }
  const elapsed = clock.monotonic() - t0;
  return {
    enqueued: opts.n,
    completed,
    groups: opts.groups,
    elapsed_ms: Math.round(elapsed * 10) / 10,
    jobs_per_sec: opts.wait && elapsed > 0 ? Math.round((completed / elapsed) * 1000) : 0,
    first_id: first,
    last_id: last,
  };
}

/** All or nothing: refuses up front when the jobs would not all fit the tier's bounds. */
function checkRoom(queue: SqliteQueue, n: number, groups: number): void {
  if (queue.room(SELFTEST_QUEUE) < n) {
    throw new NxsError('NXS_ERR_QUEUE_FULL', `selftest: ${n} jobs do not fit queue "${SELFTEST_QUEUE}" (room for ${queue.room(SELFTEST_QUEUE)} under this tier's bound); use a smaller N`, { field: 'n' });
  }
  for (let g = 0; g < Math.min(groups, n); g++) {
    const need = Math.floor(n / groups) + (g < n % groups ? 1 : 0);
    const room = queue.room(SELFTEST_QUEUE, `selftest-${g}`);
    if (room < need) {
      throw new NxsError('NXS_ERR_QUEUE_FULL', `selftest: ${need} jobs per group do not fit (room for ${room} in group selftest-${g}); use more groups (--groups) or a smaller N`, { field: 'groups' });
    }
  }
}
