import type { Context } from '../core/context.ts';
import { NxsError, errorMessage, isNxsError } from '../core/errors.ts';
import type { SqliteQueue } from '../queue/sqlite-queue.ts';
import { WakeTimer } from '../queue/wake-timer.ts';
import { planDue, type MissedPolicy } from './missed-policy.ts';
import { checkTaskInput, type TaskInput } from './task-input.ts';
import { insertTask, prepareTaskStatements, specOf, type TaskRow, type TaskRunRow, type TaskStatements } from './task-store.ts';
import { formatDuration } from './duration.ts';

export interface TaskView {
  name: string;
  schedule: string;
  kind: TaskRow['kind'];
  queue: string;
  group: string | null;
  payload: unknown;
  missed: TaskRow['missed'];
  max_lateness: string;
  next_run: string | null;
  last_run: string | null;
}

/**
 * The job's payload: the task's, and when that is a JSON object, with the due
 * slot (`scheduled_for`, epoch ms) and the task's `name` added unless present,
 * so a handler can judge lateness (the assistant's scheduled prompts do).
 */
export function jobPayload(row: TaskRow, due: number): unknown {
  const p = JSON.parse(row.payload) as unknown;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return p;
  return { name: row.name, scheduled_for: due, ...(p as Record<string, unknown>) };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function describeSchedule(row: TaskRow): string {
  if (row.kind === 'cron') return `cron "${row.expr}"${row.tz ? ` (${row.tz})` : ' (UTC)'}`;
  if (row.kind === 'every') return `every ${formatDuration(Number(row.expr))}`;
  return `at ${iso(Number(row.expr))}`;
}

function view(row: TaskRow): TaskView {
  return {
    name: row.name,
    schedule: describeSchedule(row),
    kind: row.kind,
    queue: row.queue,
    group: row.grp,
    payload: JSON.parse(row.payload) as unknown,
    missed: row.missed,
    max_lateness: formatDuration(row.max_lateness_ms),
    next_run: iso(row.next_run),
    last_run: iso(row.last_run),
  };
}

/**
 * Persisted tasks that enqueue a job when due. One exact timer waits for the
 * earliest next_run of all tasks. Each firing is one transaction: record the
 * run (unique per task and due time), enqueue its job, advance next_run; so a
 * crash never fires an occurrence twice, and a recorded run never vanishes
 * (its job is in the durable queue). At start, occurrences missed while the
 * host was down go through the task's missed-run policy, and skipped ones are
 * recorded too.
 */
/** Told of each run enqueued and of occurrences a missed-run policy passed over (the host's metrics). */
export interface SchedulerObserver {
  ran(reason: 'scheduled' | 'manual'): void;
  missed(policy: MissedPolicy, occurrences: number): void;
}

export class Scheduler {
  private readonly ctx: Context;
  private readonly queue: SqliteQueue;
  private readonly observer: SchedulerObserver | undefined;
  private readonly sql: TaskStatements;
  private readonly timer: WakeTimer;
  private stopped = false;

  constructor(ctx: Context, queue: SqliteQueue, observer?: SchedulerObserver) {
    this.ctx = ctx;
    this.queue = queue;
    this.observer = observer;
    this.sql = prepareTaskStatements(ctx.db);
    this.timer = new WakeTimer(ctx.clock, () => this.wake());
  }

  /** Applies missed-run policies for the time the host was down, then waits for the next due task. */
  start(): void {
    this.stopped = false;
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    this.timer.clear();
  }

  add(input: TaskInput): TaskView {
    const now = this.ctx.clock.now();
    const draft = checkTaskInput(input, now);
    if (!this.queue.declared.includes(draft.queue)) {
      throw new NxsError('NXS_ERR_QUEUE_UNKNOWN', `queue "${draft.queue}" is not declared (declared: ${this.queue.declared.join(', ')})`, { field: 'queue', queue: draft.queue });
    }
    if (this.sql.byName.get(draft.name)) throw new NxsError('NXS_ERR_TASK_EXISTS', `a task named "${draft.name}" already exists; remove it first (nxs tasks rm ${draft.name})`, { name: draft.name });
    insertTask(this.sql, draft, now);
    this.rearm();
    return view(this.sql.byName.get(draft.name)!);
  }

  remove(name: string): void {
    this.ctx.db.transaction(() => {
      if (this.sql.remove.run(name).changes === 0) throw new NxsError('NXS_ERR_TASK_NOT_FOUND', `no task is named "${name}"`, { name });
      this.sql.removeRuns.run(name);
    })();
    this.rearm();
  }

  list(): TaskView[] {
    return this.sql.all.all().map(view);
  }

  get(name: string): TaskView {
    const row = this.sql.byName.get(name);
    if (!row) throw new NxsError('NXS_ERR_TASK_NOT_FOUND', `no task is named "${name}"`, { name });
    return view(row);
  }

  runs(name: string, limit = 20): TaskRunRow[] {
    return this.sql.runs.all(name, limit);
  }

  /** Fires the task now, outside its schedule; its next_run is unchanged. */
  runNow(name: string): TaskRunRow {
    const row = this.sql.byName.get(name);
    if (!row) throw new NxsError('NXS_ERR_TASK_NOT_FOUND', `no task is named "${name}"`, { name });
    let due = this.ctx.clock.now();
    // Two manual runs in one millisecond are still two runs.
    while (this.sql.recordRun.run(name, due, this.ctx.clock.now(), 'manual').changes === 0) due++;
    this.enqueueFor(row, due, 'manual');
    return this.sql.runs.all(name, 1)[0]!;
  }

  get nextWake(): number | null {
    return this.timer.dueAt;
  }

  private wake(): void {
    if (this.stopped) return;
    const now = this.ctx.clock.now();
    for (const row of this.sql.due.all(now)) {
      try {
        this.fireDue(row, now);
      } catch (err) {
        // One broken task must not stop the others; it is tried again at the next wake.
        this.ctx.log.error({ task: row.name, err: errorMessage(err) }, 'scheduler: cannot fire task');
      }
    }
    this.rearm();
  }

  private fireDue(row: TaskRow, now: number): void {
    const plan = planDue(specOf(row), row.next_run!, now, row.missed, row.max_lateness_ms);
    this.ctx.db.transaction(() => {
      for (const due of plan.run) {
        if (this.sql.recordRun.run(row.name, due, now, 'scheduled').changes > 0) this.enqueueFor(row, due, 'scheduled');
      }
      if (plan.skipped > 0 && plan.lastSkipped !== null) {
        this.sql.recordRun.run(row.name, plan.lastSkipped, now, `skipped ${plan.skipped} missed run(s) (policy ${row.missed})`);
        this.ctx.log.info({ task: row.name, skipped: plan.skipped, policy: row.missed }, 'scheduler: missed runs skipped');
      }
      this.sql.advance.run(plan.next, plan.run.length > 0 ? plan.run[plan.run.length - 1]! : null, row.name);
    })();
    if (plan.skipped > 0) this.observer?.missed(row.missed, plan.skipped);
  }

  private enqueueFor(row: TaskRow, due: number, reason: string): void {
    try {
      const job = this.queue.enqueue({
        queue: row.queue,
        payload: jobPayload(row, due),
        ...(row.grp !== null ? { group: row.grp } : {}),
        idempotencyKey: `task:${row.name}:${due}`,
      });
      this.sql.setRunJob.run(job.id, reason, row.name, due);
      this.observer?.ran(reason === 'manual' ? 'manual' : 'scheduled');
    } catch (err) {
      // Recorded, not lost: the run row says why no job exists.
      const code = isNxsError(err) ? err.code : 'NXS_ERR_INTERNAL';
      this.sql.setRunJob.run(null, `failed: ${code}: ${errorMessage(err)}`.slice(0, 500), row.name, due);
      this.ctx.log.warn({ task: row.name, code }, 'scheduler: cannot enqueue the task job');
    }
  }

  /** Re-reads the next due time from the store (after a caller's transaction that added tasks rolled back). */
  resync(): void {
    this.rearm();
  }

  private rearm(): void {
    if (this.stopped) return;
    const t = this.sql.nextDue.get()?.t ?? null;
    this.timer.set(t ?? Infinity);
  }
}
