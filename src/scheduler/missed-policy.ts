import { nextRun, type ScheduleSpec } from './schedule.ts';

export type MissedPolicy = 'skip' | 'once' | 'each';
export const MISSED_POLICIES: readonly MissedPolicy[] = ['skip', 'once', 'each'];

/** A run this late (timer jitter, a busy event loop) is on time, whatever the policy. */
export const ON_TIME_MS = 60_000;
/** `each` never queues more catch-up runs than this in one go. */
export const MAX_CATCH_UP = 1_000;
/** Occurrences counted one by one before the rest of a long outage is jumped over. */
const MAX_SCAN = 10_000;

export interface DuePlan {
  /** Due times to run now, oldest first. */
  run: number[];
  /** Due times passed over by the policy. */
  skipped: number;
  /** The latest skipped due time (for the record). */
  lastSkipped: number | null;
  /** The next due time after now, or null when the schedule is over. */
  next: number | null;
}

/**
 * What to do with a task whose due time `due` has come, at `now`: pure, tested
 * as a table. One occurrence, barely late: run it. Otherwise the host was down
 * (or stalled) and the task's missed-run policy decides: `skip` runs none,
 * `once` runs one for the latest occurrence, `each` runs every occurrence no
 * older than `maxLatenessMs`. `once` also honours `maxLatenessMs`.
 */
export function planDue(spec: ScheduleSpec, due: number, now: number, policy: MissedPolicy, maxLatenessMs: number): DuePlan {
  if (due > now) return { run: [], skipped: 0, lastSkipped: null, next: due };
  const next = nextRun(spec, now);
  const afterDue = nextRun(spec, due);
  if ((afterDue === null || afterDue > now) && now - due <= ON_TIME_MS) return { run: [due], skipped: 0, lastSkipped: null, next };
  const windowStart = now - maxLatenessMs;
  let stale = 0;
  let lastStale: number | null = null;
  let t: number | null = due;
  // Occurrences older than the window are only counted; after many, jump over the rest.
  for (let steps = 0; t !== null && t < windowStart && steps < MAX_SCAN; steps++) {
    stale++;
    lastStale = t;
    t = nextRun(spec, t);
  }
  if (t !== null && t < windowStart) {
    lastStale = t;
    t = nextRun(spec, windowStart - 1);
    stale++;
  }
  const fresh: number[] = [];
  for (; t !== null && t <= now; t = nextRun(spec, t)) fresh.push(t);
  const run = policy === 'skip' ? [] : policy === 'once' ? fresh.slice(-1) : fresh.slice(-MAX_CATCH_UP);
  const passed = fresh.slice(0, fresh.length - run.length);
  return { run, skipped: stale + passed.length, lastSkipped: passed.length > 0 ? passed[passed.length - 1]! : lastStale, next };
}
