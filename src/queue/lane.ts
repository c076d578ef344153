import type { JobRow } from './job-store.ts';
import type { TimerHandle } from '../core/clock.ts';

/**
 * The jobs one slot runs back to back: a group's head and, for grouped jobs,
 * the followers claimed with it (ungrouped jobs run in lanes of one). Running
 * followers without a commit between them is what makes a single busy group
 * fast; their claims are durable before they run, so a crash re-runs them.
 */
export interface Lane {
  rows: JobRow[];
  /** Index of the job running now. */
  index: number;
  /** Monotonic ms when the lane started, for its time budget. */
  startedMono: number;
  controller: AbortController;
  /** The running attempt's lease timer. */
  lease: TimerHandle | null;
}

/**
 * How many followers a queue's next lane claims: pure. A lane that ran all its
 * jobs within the budget doubles the next one (fast handlers, fewer commits); a
 * lane that had to give jobs back halves it (slow handlers keep slots fair).
 */
export function nextLaneSize(current: number, ranAll: boolean, max: number): number {
  return ranAll ? Math.min(max, current * 2) : Math.max(1, Math.floor(current / 2));
}
