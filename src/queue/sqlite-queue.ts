import type { Context } from '../core/context.ts';
import { NxsError, errorMessage } from '../core/errors.ts';
import type { EnqueueInput, JobHandler, JobQueue, JobFilter, JobRecord, JobState, QueueDeclaration, QueueStats } from './types.ts';
import { prepareJobStatements, listJobs, toRecord, type JobRow, type JobStatements, type RunRow } from './job-store.ts';
import { ActiveCounts } from './active-counts.ts';
import { DEFAULT_MAX_ATTEMPTS } from './retry-policy.ts';
import { applyOutcome, type Outcome, type OutcomeDeps, type OutcomeEffects, type SettledJob } from './apply-outcome.ts';
import { claimLanes } from './claim.ts';
import { checkDeclaration, checkEnqueueFields, checkQueueName, serialisePayload } from './validate.ts';
import { recoverInterrupted } from './recover.ts';
import { WakeTimer } from './wake-timer.ts';
import { nextLaneSize, type Lane } from './lane.ts';
import { startLane, type LaneRunnerDeps } from './lane-runner.ts';
import { runMaintenance } from './maintenance.ts';

export type { SettledJob };

export interface QueueOptions {
  /** Jitter source in [0, 1); injected so tests are deterministic. */
  random?: () => number;
  /** Completed jobs between two maintenance passes (prune old rows, PRAGMA optimize). */
  maintenanceEvery?: number;
  /** How long done jobs and finished attempts are kept (idempotency keys are remembered as long). */
  retentionMs?: number;
  /** Lease of one attempt (queues may set their own `leaseMs`); past it the attempt is aborted and retried. */
  leaseMs?: number;
  /** Most jobs of one group a slot runs back to back (1 turns lanes off). */
  maxLane?: number;
  /** A lane starts no further follower after this long, so other groups get the slot. */
  laneBudgetMs?: number;
  /** Told of each enqueue and each committed outcome (the host's metrics); nothing waits on it. */
  observer?: { enqueued(queue: string): void; settled(queue: string, outcome: SettledJob['outcome']): void };
}

/**
 * The durable queue on the host's SQLite store. Work is event-driven: an enqueue,
 * a finished lane or a profile change schedules one "pump" (setImmediate, so the
 * outcomes of one turn are batched); a pump commits every pending outcome and
 * claims work for the free slots in ONE transaction, then starts the handlers.
 * Delayed jobs and retries wake one exact timer at the next due time; with
 * nothing due the queue holds no timer at all.
 */
export class SqliteQueue implements JobQueue {
  private readonly ctx: Context;
  private readonly sql: JobStatements;
  private readonly random: () => number;
  private readonly maintenanceEvery: number;
  private readonly retentionMs: number;
  private readonly leaseMs: number;
  private readonly maxLane: number;
  private readonly decls = new Map<string, QueueDeclaration>();
  private readonly handlers = new Map<string, JobHandler<unknown>>();
  private readonly laneSize = new Map<string, number>();
  /** Queues that crossed the backlog mark (80% of the bound) and have not yet fallen back under half. */
  private readonly backlogged = new Set<string>();
  private counts = new ActiveCounts();
  private readonly lanes = new Set<Lane>();
  private readonly settledListeners = new Set<(jobs: SettledJob[]) => void>();
  private readonly timer: WakeTimer;
  private outcomes: Outcome[] = [];
  private pumpScheduled = false;
  private dueDirty = true;
  private stopped = false;
  private closed = false;
  private drainWaiters: (() => void)[] = [];
  private sinceMaintenance = 0;
  private rotation = 0;
  private readonly offProfile: () => void;
  private readonly pumpNow = (): void => this.pump();
  private readonly outcomeDeps: OutcomeDeps;
  private readonly laneDeps: LaneRunnerDeps;
  private readonly observer: QueueOptions['observer'];

  constructor(ctx: Context, opts: QueueOptions = {}) {
    this.ctx = ctx;
    this.sql = prepareJobStatements(ctx.db);
    this.random = opts.random ?? Math.random;
    this.maintenanceEvery = opts.maintenanceEvery ?? 5_000;
    this.retentionMs = opts.retentionMs ?? 24 * 3_600_000;
    this.leaseMs = opts.leaseMs ?? 5 * 60_000;
    this.maxLane = Math.max(1, opts.maxLane ?? 64);
    this.observer = opts.observer;
    this.timer = new WakeTimer(ctx.clock, () => {
      this.dueDirty = true;
      this.pump();
    });
    this.outcomeDeps = { sql: this.sql, redactor: ctx.redactor, random: this.random, decl: (q) => this.decls.get(q) };
    this.laneDeps = {
      clock: ctx.clock,
      handlerFor: (q) => this.handlers.get(q),
      leaseMsFor: (q) => this.decls.get(q)?.leaseMs ?? this.leaseMs,
      budgetMs: opts.laneBudgetMs ?? 20,
      isStopping: () => this.stopped,
      onOutcome: (o) => this.outcomes.push(o),
      onLaneEnd: (lane, ranAll) => {
        const q = lane.rows[0]!.queue;
        this.laneSize.set(q, nextLaneSize(this.laneSize.get(q) ?? 1, ranAll, this.maxLane));
        this.lanes.delete(lane);
        this.schedulePump();
      },
    };
    this.reloadCounts();
    // A larger tier means more slots now; a smaller one simply claims less next time.
    this.offProfile = ctx.profile.onChange(() => this.schedulePump());
  }

  declare(decl: QueueDeclaration): void {
    checkDeclaration(decl);
    this.decls.set(decl.name, { ...decl });
  }

  get declared(): string[] {
    return [...this.decls.keys()];
  }

  enqueue<P>(input: EnqueueInput<P>): JobRecord<P> {
    checkEnqueueFields(input);
    const queue = input.queue;
    const decl = this.decls.get(queue);
    if (!decl) {
      checkQueueName(queue);
      throw new NxsError('NXS_ERR_QUEUE_UNKNOWN', `queue "${queue}" is not declared (declared: ${this.declared.join(', ') || 'none'})`, { field: 'queue', queue });
    }
    if (this.closed) throw new NxsError('NXS_ERR_QUEUE_STOPPED', 'the queue has stopped and takes no new jobs');
    const payload = serialisePayload(input.payload);
    if (input.idempotencyKey !== undefined) {
      const existing = this.sql.byIdem.get(queue, input.idempotencyKey);
      if (existing) return toRecord<P>(existing);
    }
    const group = input.group ?? null;
    this.checkBounds(queue, group);
    const now = this.ctx.clock.now();
    const runAt = input.runAt ?? now;
    const blocked = group !== null && this.counts.group(queue, group) > 0 ? 1 : 0;
    const maxAttempts = input.maxAttempts ?? decl.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const priority = input.priority ?? 0;
    const createdBy = input.createdBy ?? null;
    const id = Number(this.sql.insert.run(queue, group, payload, blocked, priority, maxAttempts, runAt, now, now, input.idempotencyKey ?? null, createdBy).lastInsertRowid);
    this.counts.add(queue, group);
    this.observer?.enqueued(queue);
    this.noteBacklog(queue);
    if (!blocked && this.handlers.has(queue)) {
      if (runAt <= now) this.schedulePump();
      else if (!this.stopped) this.timer.atLeastBy(runAt);
    }
    const idempotencyKey = input.idempotencyKey ?? null;
    return { id, queue, group, payload: input.payload, state: 'queued', priority, attempts: 0, maxAttempts, runAt, createdAt: now, lastError: null, idempotencyKey, createdBy };
  }

  private checkBounds(queue: string, group: string | null): void {
    const { tier, queue: bounds } = this.ctx.profile.current;
    if (this.counts.queue(queue) >= bounds.maxPerQueue) {
      throw new NxsError('NXS_ERR_QUEUE_FULL', `queue "${queue}" holds ${this.counts.queue(queue)} unfinished jobs, the bound of tier ${tier}; retry later`, { queue, bound: bounds.maxPerQueue, tier });
    }
    if (group !== null && this.counts.group(queue, group) >= bounds.maxPerGroup) {
      const n = this.counts.group(queue, group);
      throw new NxsError('NXS_ERR_QUEUE_FULL', `group "${group}" of queue "${queue}" holds ${n} unfinished jobs, the bound of tier ${tier}; retry later`, { queue, group, bound: bounds.maxPerGroup, tier });
    }
  }

  /** Room left before enqueue fails with NXS_ERR_QUEUE_FULL (checked up front by bulk callers, so they write nothing on failure). */
  room(queue: string, group?: string): number {
    const { maxPerQueue, maxPerGroup } = this.ctx.profile.current.queue;
    const q = maxPerQueue - this.counts.queue(queue);
    return group === undefined ? q : Math.min(q, maxPerGroup - this.counts.group(queue, group));
  }

  process<P>(queue: string, handler: JobHandler<P>): () => void {
    if (!this.decls.has(queue)) throw new NxsError('NXS_ERR_QUEUE_UNKNOWN', `queue "${queue}" is not declared; declare it before processing it`, { field: 'queue', queue });
    if (this.handlers.has(queue)) throw new NxsError('NXS_ERR_QUEUE_INVALID', `queue "${queue}" already has a handler; stop the first one before adding another`, { field: 'queue', queue });
    const h = handler as JobHandler<unknown>;
    this.handlers.set(queue, h);
    this.dueDirty = true;
    this.schedulePump();
    return () => {
      if (this.handlers.get(queue) === h) this.handlers.delete(queue);
      this.dueDirty = true;
      this.schedulePump();
    };
  }

  get(id: number): JobRecord | null {
    const row = this.sql.byId.get(id);
    return row ? toRecord(row) : null;
  }

  list(filter: JobFilter = {}): JobRecord[] {
    return listJobs(this.ctx.db, filter).map((r) => toRecord(r));
  }

  /** Attempts, newest first: every finished (or crash-interrupted) run with its start, end and outcome. */
  history(filter: { queue?: string; group?: string; jobId?: number; createdBy?: string; limit?: number } = {}): RunRow[] {
    const args = { queue: filter.queue ?? null, grp: filter.group ?? null, job: filter.jobId ?? null, limit: Math.max(1, Math.min(filter.limit ?? 100, 10_000)) };
    return filter.createdBy === undefined ? this.sql.history.all(args) : this.sql.historyOf.all({ ...args, creator: filter.createdBy });
  }

  stats(): QueueStats {
    const queues: QueueStats['queues'] = {};
    const entry = (q: string) => (queues[q] ??= { queued: 0, running: 0, dead: 0, done: 0, delayed: 0 });
    for (const q of this.decls.keys()) entry(q);
    for (const r of this.sql.stateCounts.all()) entry(r.queue)[r.state] = r.n;
    for (const r of this.sql.delayedCounts.all(this.ctx.clock.now())) entry(r.queue).delayed = r.n;
    return { queues };
  }

  retry(id: number): JobRecord {
    const row = this.sql.byId.get(id);
    if (!row) throw new NxsError('NXS_ERR_JOB_NOT_FOUND', `no job has id ${id}`, { id });
    if (row.state !== 'dead') throw new NxsError('NXS_ERR_JOB_NOT_DEAD', `job ${id} is ${row.state}; only a dead job can be re-run`, { id, state: row.state });
    if (!this.decls.has(row.queue)) throw new NxsError('NXS_ERR_QUEUE_UNKNOWN', `job ${id} belongs to queue "${row.queue}", which is not declared`, { field: 'queue', queue: row.queue });
    this.checkBounds(row.queue, row.grp);
    // Behind its group's running head, but ahead of the group's later jobs (lowest id).
    const blocked = row.grp !== null && this.counts.group(row.queue, row.grp) > 0 ? 1 : 0;
    const now = this.ctx.clock.now();
    const updated = this.sql.requeueDead.get(blocked, now, now, id)!;
    this.counts.add(row.queue, row.grp);
    if (!blocked) this.schedulePump();
    return toRecord(updated);
  }

  purgeDead(queue?: string): number {
    if (queue !== undefined) checkQueueName(queue);
    return (queue === undefined ? this.sql.purgeDeadAll.run() : this.sql.purgeDeadQueue.run(queue)).changes;
  }

  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Called with each batch of committed outcomes (the selftest counts on it). */
  onSettled(listener: (jobs: SettledJob[]) => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  /** Jobs the last run left running: claimed again (at-least-once), or dead once they used every attempt. */
  recover(): { requeued: number; dead: number } {
    const result = recoverInterrupted(this.ctx.db, this.sql, this.ctx.clock.now());
    this.reloadCounts();
    this.dueDirty = true;
    this.schedulePump();
    return result;
  }

  get runningCount(): number {
    return this.lanes.size;
  }

  /** Queued + running jobs per declared queue, from memory. */
  unfinished(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const q of this.decls.keys()) out[q] = this.counts.queue(q);
    return out;
  }

  get activeGroups(): number {
    return this.counts.groups;
  }

  get timerArmed(): number | null {
    return this.timer.dueAt;
  }

  /** Stops claiming, lets running jobs finish within `deadlineMs`, commits their outcomes, then lets go of the store. */
  async stop(deadlineMs: number): Promise<void> {
    if (this.closed) return;
    this.stopped = true;
    this.offProfile();
    this.timer.clear();
    if (!this.isIdle()) {
      let handle: ReturnType<typeof this.ctx.clock.setTimeout> | undefined;
      await Promise.race([this.drain(), new Promise<void>((r) => (handle = this.ctx.clock.setTimeout(r, deadlineMs)))]);
      if (handle) this.ctx.clock.clearTimeout(handle);
    }
    for (const lane of this.lanes) {
      if (lane.lease) this.ctx.clock.clearTimeout(lane.lease);
      lane.controller.abort(new NxsError('NXS_ERR_QUEUE_STOPPED', 'the host is stopping'));
    }
    if (this.outcomes.length > 0) this.pump();
    // Lanes still running stay 'running' in the store: the next start claims them again.
    this.closed = true;
    this.timer.clear();
  }

  /** Tells the doctor once when a queue fills past 80% of its bound (it may step the tier up). */
  private noteBacklog(queue: string): void {
    const limit = this.ctx.profile.current.queue.maxPerQueue;
    const depth = this.counts.queue(queue);
    if (depth < limit * 0.8 || this.backlogged.has(queue)) return;
    this.backlogged.add(queue);
    this.ctx.log.warn({ queue, depth, limit }, 'queue: backlog past 80% of the bound');
    this.ctx.events.emit('queue.backlog', { queue, depth, limit });
  }

  /** Re-reads the unfinished counts from the store: after a caller's transaction that enqueued was rolled back. */
  resyncCounts(): void {
    this.reloadCounts();
  }

  private reloadCounts(): void {
    const fresh = new ActiveCounts();
    for (const r of this.sql.activeCounts.all()) fresh.add(r.queue, r.grp, r.n);
    this.counts = fresh;
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(this.pumpNow);
  }

  private pump(): void {
    this.pumpScheduled = false;
    if (this.closed) return;
    const now = this.ctx.clock.now();
    const outcomes = this.outcomes;
    this.outcomes = [];
    const settled: SettledJob[] = [];
    const dead: NonNullable<OutcomeEffects['dead']>[] = [];
    const claimed: JobRow[][] = [];
    try {
      this.ctx.db.transaction(() => {
        for (const o of outcomes) {
          const fx = applyOutcome(this.outcomeDeps, o, now);
          settled.push(fx.settled);
          if (fx.dead) dead.push(fx.dead);
          if (fx.dueChanged) this.dueDirty = true;
        }
        if (!this.stopped) this.claimInto(claimed, now);
      })();
    } catch (err) {
      // The store refused (disk full, I/O error): keep the outcomes and try again shortly.
      this.outcomes = outcomes.concat(this.outcomes);
      this.ctx.log.error({ err: errorMessage(err) }, 'queue: cannot commit job outcomes; retrying in 1 s');
      this.timer.atLeastBy(now + 1_000);
      return;
    }
    for (const s of settled) {
      this.observer?.settled(s.queue, s.outcome);
      if (s.outcome === 'retry') continue;
      this.counts.remove(s.queue, s.group);
      if (this.backlogged.has(s.queue) && this.counts.queue(s.queue) < this.ctx.profile.current.queue.maxPerQueue / 2) this.backlogged.delete(s.queue);
    }
    for (const d of dead) {
      this.ctx.log.warn({ job: d.row.id, queue: d.row.queue, code: d.code }, 'queue: job is dead');
      this.ctx.events.emit('queue.job.dead', { id: d.row.id, queue: d.row.queue, group: d.row.grp, code: d.code, error: d.error });
    }
    for (const rows of claimed) this.lanes.add(startLane(this.laneDeps, rows));
    if (settled.length > 0) {
      for (const l of this.settledListeners) l(settled);
      this.maybeMaintain(settled.length);
    }
    if (this.dueDirty && !this.stopped) this.rearmTimer(now);
    if (this.isIdle()) this.wakeDrainWaiters();
  }

  private claimInto(claimed: JobRow[][], now: number): void {
    let free = this.ctx.profile.current.workerConcurrency - this.lanes.size;
    const queues = [...this.handlers.keys()];
    // Rotate the starting queue so one busy queue cannot starve the others.
    this.rotation = (this.rotation + 1) % Math.max(1, queues.length);
    for (let i = 0; i < queues.length && free > 0; i++) {
      const q = queues[(this.rotation + i) % queues.length]!;
      const lanes = claimLanes(this.sql, q, free, this.laneSize.get(q) ?? 1, now, now + (this.decls.get(q)?.leaseMs ?? this.leaseMs));
      claimed.push(...lanes);
      free -= lanes.length;
    }
  }

  private maybeMaintain(completed: number): void {
    this.sinceMaintenance += completed;
    if (this.sinceMaintenance < this.maintenanceEvery) return;
    this.sinceMaintenance = 0;
    runMaintenance(this.ctx.db, this.sql, this.ctx.log, this.ctx.clock.now() - this.retentionMs);
  }

  private rearmTimer(now: number): void {
    this.dueDirty = false;
    let next = Infinity;
    for (const q of this.handlers.keys()) {
      const t = this.sql.nextDue.get(q, now)?.t;
      if (t !== null && t !== undefined && t < next) next = t;
    }
    this.timer.set(next);
  }

  private isIdle(): boolean {
    return this.lanes.size === 0 && this.outcomes.length === 0 && !this.pumpScheduled;
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}

