import type { Db } from '../store/database.ts';
import type { JobFilter, JobRecord, JobState } from './types.ts';

/** A row of queue_jobs as SQLite returns it. */
export interface JobRow {
  id: number;
  queue: string;
  grp: string | null;
  payload: string;
  state: JobState;
  blocked: number;
  priority: number;
  attempts: number;
  max_attempts: number;
  run_at: number;
  created_at: number;
  updated_at: number;
  lease_until: number | null;
  last_error: string | null;
  last_code: string | null;
  idem_key: string | null;
  created_by: string | null;
}

export function toRecord<P>(row: JobRow): JobRecord<P> {
  return {
    id: row.id,
    queue: row.queue,
    group: row.grp,
    payload: JSON.parse(row.payload) as P,
    state: row.state,
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    createdAt: row.created_at,
    lastError: row.last_error,
    idempotencyKey: row.idem_key,
    createdBy: row.created_by,
  };
}

export interface RunRow {
  id: number;
  job_id: number;
  queue: string;
  grp: string | null;
  attempt: number;
  started_at: number;
  finished_at: number | null;
  outcome: 'done' | 'retry' | 'dead' | 'interrupted';
  error: string | null;
}

/**
 * Every statement the queue runs, prepared once: the hot path (insert, claim,
 * complete) never re-parses SQL. One concept: the SQL of the queue.
 */
export function prepareJobStatements(db: Db) {
  return {
    insert: db.prepare<[string, string | null, string, number, number, number, number, number, number, string | null, string | null]>(
      `INSERT INTO queue_jobs (queue, grp, payload, state, blocked, priority, attempts, max_attempts, run_at, created_at, updated_at, idem_key, created_by)
       VALUES (?, ?, ?, 'queued', ?, ?, 0, ?, ?, ?, ?, ?, ?)`,
    ),
    byId: db.prepare<[number], JobRow>(`SELECT * FROM queue_jobs WHERE id = ?`),
    byIdem: db.prepare<[string, string], JobRow>(`SELECT * FROM queue_jobs WHERE queue = ? AND idem_key = ?`),
    // One UPDATE ... RETURNING claims up to N runnable heads at once. Only heads are
    // unblocked, so no two jobs of one group can be claimed together.
    claim: db.prepare<[number, number, string, number, number], JobRow>(
      `UPDATE queue_jobs SET state = 'running', attempts = attempts + 1, lease_until = ?, updated_at = ?
       WHERE id IN (SELECT id FROM queue_jobs INDEXED BY queue_jobs_ready WHERE queue = ? AND state = 'queued' AND blocked = 0 AND run_at <= ?
                    ORDER BY priority DESC, id LIMIT ?)
       RETURNING *`,
    ),
    insertRun: db.prepare<[number, string, string | null, number, number, number | null, string, string | null]>(
      `INSERT INTO queue_runs (job_id, queue, grp, attempt, started_at, finished_at, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    complete: db.prepare<[number, number]>(`UPDATE queue_jobs SET state = 'done', blocked = 0, lease_until = NULL, updated_at = ? WHERE id = ?`),
    // A lane's followers: the next jobs of a group whose head was just claimed,
    // claimed with it so they run back to back without a commit between them.
    followers: db.prepare<[string, string, number], { id: number; run_at: number }>(
      `SELECT id, run_at FROM queue_jobs INDEXED BY queue_jobs_blocked WHERE queue = ? AND grp = ? AND blocked = 1 AND state = 'queued' ORDER BY id LIMIT ?`,
    ),
    claimFollowers: db.prepare<[number, number, string, string, number], JobRow>(
      `UPDATE queue_jobs SET state = 'running', attempts = attempts + 1, lease_until = ?, updated_at = ?
       WHERE queue = ? AND grp = ? AND blocked = 1 AND state = 'queued' AND id <= ? RETURNING *`,
    ),
    // A follower the lane did not run goes back, untouched, behind its group's head.
    release: db.prepare<[number, number]>(`UPDATE queue_jobs SET state = 'queued', attempts = attempts - 1, lease_until = NULL, updated_at = ? WHERE id = ?`),
    // A retried job is its group's head (a lane follower was claimed blocked), so it is unblocked.
    retryAt: db.prepare<[number, string, string | null, number, number]>(
      `UPDATE queue_jobs SET state = 'queued', blocked = 0, run_at = ?, lease_until = NULL, last_error = ?, last_code = ?, updated_at = ? WHERE id = ?`,
    ),
    dead: db.prepare<[string, string | null, number, number]>(
      `UPDATE queue_jobs SET state = 'dead', blocked = 0, lease_until = NULL, last_error = ?, last_code = ?, updated_at = ? WHERE id = ?`,
    ),
    // Only queued jobs are ever blocked, so the small blocked-only index answers this.
    unblockNext: db.prepare<[string, string], { run_at: number }>(
      `UPDATE queue_jobs SET blocked = 0 WHERE id = (SELECT id FROM queue_jobs INDEXED BY queue_jobs_blocked WHERE queue = ? AND grp = ? AND blocked = 1 ORDER BY id LIMIT 1) RETURNING run_at`,
    ),
    requeueDead: db.prepare<[number, number, number, number], JobRow>(
      `UPDATE queue_jobs SET state = 'queued', blocked = ?, attempts = 0, run_at = ?, updated_at = ? WHERE id = ? AND state = 'dead' RETURNING *`,
    ),
    nextDue: db.prepare<[string, number], { t: number | null }>(
      `SELECT MIN(run_at) AS t FROM queue_jobs WHERE queue = ? AND state = 'queued' AND blocked = 0 AND run_at > ?`,
    ),
    activeCounts: db.prepare<[], { queue: string; grp: string | null; n: number }>(
      `SELECT queue, grp, COUNT(*) AS n FROM queue_jobs WHERE state IN ('queued', 'running') GROUP BY queue, grp`,
    ),
    runningAtStart: db.prepare<[], JobRow>(`SELECT * FROM queue_jobs WHERE state = 'running' ORDER BY id`),
    requeueInterrupted: db.prepare<[number, number, number]>(`UPDATE queue_jobs SET state = 'queued', blocked = ?, lease_until = NULL, updated_at = ? WHERE id = ?`),
    stateCounts: db.prepare<[], { queue: string; state: JobState; n: number }>(`SELECT queue, state, COUNT(*) AS n FROM queue_jobs GROUP BY queue, state`),
    delayedCounts: db.prepare<[number], { queue: string; n: number }>(
      `SELECT queue, COUNT(*) AS n FROM queue_jobs WHERE state = 'queued' AND run_at > ? GROUP BY queue`,
    ),
    purgeDeadAll: db.prepare<[]>(`DELETE FROM queue_jobs WHERE state = 'dead'`),
    purgeDeadQueue: db.prepare<[string]>(`DELETE FROM queue_jobs WHERE state = 'dead' AND queue = ?`),
    pruneDone: db.prepare<[number]>(`DELETE FROM queue_jobs WHERE state = 'done' AND updated_at < ?`),
    // Runs are inserted in start order, so the oldest are the lowest ids: stop at the first young one.
    pruneRuns: db.prepare<[number]>(
      `DELETE FROM queue_runs WHERE id < coalesce((SELECT id FROM queue_runs WHERE started_at >= ? ORDER BY id LIMIT 1), 9223372036854775807)`,
    ),
    history: db.prepare<[{ queue: string | null; grp: string | null; job: number | null; limit: number }], RunRow>(
      `SELECT * FROM queue_runs WHERE (@queue IS NULL OR queue = @queue) AND (@grp IS NULL OR grp = @grp) AND (@job IS NULL OR job_id = @job) ORDER BY id DESC LIMIT @limit`,
    ),
    // Runs of one creator's jobs: a run of a pruned job has no creator left and is not shown.
    historyOf: db.prepare<[{ queue: string | null; grp: string | null; job: number | null; creator: string; limit: number }], RunRow>(
      `SELECT r.* FROM queue_runs r JOIN queue_jobs j ON j.id = r.job_id
       WHERE j.created_by = @creator AND (@queue IS NULL OR r.queue = @queue) AND (@grp IS NULL OR r.grp = @grp) AND (@job IS NULL OR r.job_id = @job)
       ORDER BY r.id DESC LIMIT @limit`,
    ),
  };
}

export type JobStatements = ReturnType<typeof prepareJobStatements>;

/** Lists jobs newest first; the filter's fields are optional and combined with AND. */
export function listJobs(db: Db, filter: JobFilter): JobRow[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (filter.queue !== undefined) (where.push('queue = ?'), args.push(filter.queue));
  if (filter.state !== undefined) (where.push('state = ?'), args.push(filter.state));
  if (filter.group !== undefined) (where.push('grp = ?'), args.push(filter.group));
  if (filter.createdBy !== undefined) (where.push('created_by = ?'), args.push(filter.createdBy));
  args.push(Math.max(1, Math.min(filter.limit ?? 100, 10_000)));
  return db.prepare<(string | number)[], JobRow>(`SELECT * FROM queue_jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`).all(...args);
}
