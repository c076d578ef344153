import type { Clock } from '../core/clock.ts';
import { NxsError, errorMessage } from '../core/errors.ts';
import type { JobHandler, JobRecord } from './types.ts';
import { toRecord, type JobRow } from './job-store.ts';
import type { Outcome } from './apply-outcome.ts';
import type { Lane } from './lane.ts';

export interface LaneRunnerDeps {
  clock: Clock;
  handlerFor(queue: string): JobHandler<unknown> | undefined;
  leaseMsFor(queue: string): number;
  /** A lane starts no further follower after this long, so other groups get the slot. */
  budgetMs: number;
  isStopping(): boolean;
  /** Each finished attempt, in lane order. */
  onOutcome(o: Outcome): void;
  /** The lane let go of its slot; `ranAll` when it ran every job it claimed. */
  onLaneEnd(lane: Lane, ranAll: boolean): void;
}

/** Starts a lane: its jobs run one after another, the next as soon as the previous succeeds. */
export function startLane(deps: LaneRunnerDeps, rows: JobRow[]): Lane {
  const lane: Lane = { rows, index: 0, startedMono: deps.clock.monotonic(), controller: new AbortController(), lease: null };
  runLaneJob(deps, lane);
  return lane;
}

function runLaneJob(deps: LaneRunnerDeps, lane: Lane): void {
  const { clock } = deps;
  const row = lane.rows[lane.index]!;
  const startedAt = clock.now();
  let settled = false;
  const finish = (ok: boolean, error: unknown): void => {
    if (settled) return;
    settled = true;
    if (lane.lease) clock.clearTimeout(lane.lease);
    lane.lease = null;
    const more = lane.index + 1 < lane.rows.length;
    const goOn = ok && more && !deps.isStopping() && deps.handlerFor(row.queue) !== undefined && clock.monotonic() - lane.startedMono < deps.budgetMs;
    const release = more && !goOn ? lane.rows.slice(lane.index + 1) : [];
    deps.onOutcome({ row, startedAt, ok, error, release, last: !goOn });
    if (goOn) {
      lane.index++;
      runLaneJob(deps, lane);
    } else {
      deps.onLaneEnd(lane, ok && release.length === 0);
    }
  };
  // The lease: an attempt that outlives it is aborted and fails (then retried), freeing its slot.
  const leaseMs = deps.leaseMsFor(row.queue);
  lane.lease = clock.setTimeout(() => {
    const err = new NxsError('NXS_ERR_JOB_TIMEOUT', `job ${row.id} ran longer than its lease of ${leaseMs} ms`, { id: row.id, leaseMs });
    lane.controller.abort(err);
    finish(false, err);
  }, leaseMs);
  lane.lease.unref();
  const handler = deps.handlerFor(row.queue);
  let record: JobRecord;
  try {
    record = toRecord(row);
    record.state = 'running';
  } catch (err) {
    finish(false, new NxsError('NXS_ERR_QUEUE_INVALID', `job ${row.id} has a payload that is not valid JSON: ${errorMessage(err)}`));
    return;
  }
  if (!handler) {
    finish(false, new NxsError('NXS_ERR_QUEUE_STOPPED', `queue "${row.queue}" lost its handler`));
    return;
  }
  Promise.resolve()
    .then(() => handler(record.payload, { job: record, attempt: row.attempts, signal: lane.controller.signal }))
    .then(
      () => finish(true, null),
      (err: unknown) => finish(false, err),
    );
}
