// The queue's contract with the rest of the host. src/queue implements it;
// the assistant, the scheduler, IPC and the fallback client's deferred
// requests consume it. Change it only with all of them in view.

export type JobState = 'queued' | 'running' | 'done' | 'dead';

export interface EnqueueInput<P = unknown> {
  /** A named queue; it must have been declared (`declare`) or enqueue fails with NXS_ERR_QUEUE_UNKNOWN. */
  queue: string;
  /** Jobs of one group run one at a time, in enqueue order (a conversation, an agent). Default: the job runs ungrouped. */
  group?: string;
  payload: P;
  /** Higher runs first among ready jobs of different groups. Default 0. */
  priority?: number;
  /** Epoch ms before which the job does not run. */
  runAt?: number;
  /** Enqueuing the same key twice in a queue yields the first job. */
  idempotencyKey?: string;
  /** Attempts before the job goes dead. Default from the queue's declaration. */
  maxAttempts?: number;
  /**
   * Who asked for the job, as a principal id (`token:<id>`, `operator`): a token that is not ADMIN
   * reads only the jobs it created (GET /api/queue/jobs). Unset for the host's own work.
   */
  createdBy?: string;
}

export interface JobRecord<P = unknown> {
  id: number;
  queue: string;
  group: string | null;
  payload: P;
  state: JobState;
  priority: number;
  attempts: number;
  maxAttempts: number;
  runAt: number;
  createdAt: number;
  lastError: string | null;
  idempotencyKey: string | null;
  createdBy: string | null;
}

export interface JobContext {
  job: JobRecord;
  /** 1 for the first run. */
  attempt: number;
  /** Aborted when the host stops or the lease is lost. */
  signal: AbortSignal;
}

/** A handler resolves to complete the job; a throw retries it (an NxsError's code picks the retry policy). */
export type JobHandler<P = unknown> = (payload: P, job: JobContext) => Promise<void>;

export interface QueueDeclaration {
  name: string;
  maxAttempts?: number;
  /** Backoff base and cap for retries, ms. */
  backoff?: { baseMs: number; maxMs: number };
  /** Retry policy per error code: `false` means do not retry (straight to dead). */
  retryByCode?: Record<string, { baseMs: number; maxMs: number } | false>;
  /** How long one attempt may run before its signal aborts and it fails with NXS_ERR_JOB_TIMEOUT (then retried). Default: config queue.lease_ms. */
  leaseMs?: number;
}

export interface JobFilter {
  queue?: string;
  state?: JobState;
  group?: string;
  /** Only jobs enqueued with this `createdBy`. */
  createdBy?: string;
  limit?: number;
}

export interface QueueStats {
  queues: Record<string, { queued: number; running: number; dead: number; done: number; delayed: number }>;
}

export interface JobQueue {
  declare(decl: QueueDeclaration): void;
  enqueue<P>(input: EnqueueInput<P>): JobRecord<P>;
  /** Starts working `queue` with `handler`; returns a function that stops taking new jobs. */
  process<P>(queue: string, handler: JobHandler<P>): () => void;
  get(id: number): JobRecord | null;
  list(filter?: JobFilter): JobRecord[];
  stats(): QueueStats;
  /** Moves a dead job back to queued. */
  retry(id: number): JobRecord;
  purgeDead(queue?: string): number;
  /** Resolves when no job is running (tests and shutdown). */
  drain(): Promise<void>;
}
