import type { Db } from '../../store/database.ts';
import type { Clock } from '../../core/clock.ts';
import type { HostMetrics } from '../host-metrics.ts';

/** What the collector needs of the queue: its declared queues and their unfinished jobs (from memory). */
export interface QueueView {
  readonly declared: string[];
  unfinished(): Record<string, number>;
}

interface Row {
  queue: string;
  kind: 'waiting' | 'blocked' | 'dead';
  n: number;
  later: number;
  oldest: number | null;
}

/**
 * Jobs by queue and state and the oldest due job's wait, in one query. Each arm reads one of the
 * queue's partial indexes (due, blocked, dead), so the cost follows the jobs waiting, never the
 * done rows kept for a day; running jobs are what the queue holds in memory less those.
 */
export function queueCollector(m: HostMetrics, db: Db, clock: Clock, queue: () => QueueView | undefined): () => void {
  let statement: ReturnType<typeof prepare> | null = null;
  return () => {
    const q = queue();
    m.queueJobs.reset();
    m.queueOldest.reset();
    if (!q) return;
    statement ??= prepare(db);
    const now = clock.now();
    const unfinished = q.unfinished();
    const by = new Map<string, { queued: number; delayed: number; blocked: number; dead: number; oldest: number | null }>();
    const entry = (name: string) => {
      let e = by.get(name);
      if (!e) by.set(name, (e = { queued: 0, delayed: 0, blocked: 0, dead: 0, oldest: null }));
      return e;
    };
    for (const name of q.declared) entry(name);
    for (const r of statement.all({ now })) {
      const e = entry(r.queue);
      if (r.kind === 'waiting') {
        e.delayed = r.later;
        e.queued = r.n - r.later;
        e.oldest = r.oldest;
      } else e[r.kind] = r.n;
    }
    for (const [name, e] of by) {
      const running = Math.max(0, (unfinished[name] ?? 0) - e.queued - e.delayed - e.blocked);
      m.queueJobs.set([name, 'queued'], e.queued);
      m.queueJobs.set([name, 'delayed'], e.delayed);
      m.queueJobs.set([name, 'blocked'], e.blocked);
      m.queueJobs.set([name, 'running'], running);
      m.queueJobs.set([name, 'dead'], e.dead);
      m.queueOldest.set([name], e.oldest === null ? 0 : Math.max(0, now - e.oldest) / 1000);
    }
  };
}

function prepare(db: Db) {
  return db.prepare<[{ now: number }], Row>(
    `SELECT queue, 'waiting' AS kind, COUNT(*) AS n, SUM(run_at > @now) AS later, MIN(CASE WHEN run_at <= @now THEN run_at END) AS oldest
       FROM queue_jobs WHERE state = 'queued' AND blocked = 0 GROUP BY queue
     UNION ALL SELECT queue, 'blocked', COUNT(*), 0, NULL FROM queue_jobs WHERE blocked = 1 GROUP BY queue
     UNION ALL SELECT queue, 'dead', COUNT(*), 0, NULL FROM queue_jobs WHERE state = 'dead' GROUP BY queue`,
  );
}
