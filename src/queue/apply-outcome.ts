import { errorMessage, isNxsError } from '../core/errors.ts';
import type { SecretRedactor } from '../core/secrets-redactor.ts';
import type { QueueDeclaration } from './types.ts';
import type { JobRow, JobStatements } from './job-store.ts';
import { decideRetry } from './retry-policy.ts';

/** How one attempt ended, waiting to be committed with the next claim. */
export interface Outcome {
  row: JobRow;
  startedAt: number;
  ok: boolean;
  error: unknown;
  /** Followers the lane gives back (it stopped early); released before this outcome applies. */
  release: JobRow[];
  /** No later job of this lane runs: the group's next job must be unblocked. */
  last: boolean;
}

export interface SettledJob {
  id: number;
  queue: string;
  group: string | null;
  outcome: 'done' | 'retry' | 'dead';
}

export interface OutcomeEffects {
  settled: SettledJob;
  dead?: { row: JobRow; error: string; code: string | null };
  /** A job with a future due time may now be runnable: the wake timer must be recomputed. */
  dueChanged: boolean;
}

export interface OutcomeDeps {
  sql: JobStatements;
  redactor: SecretRedactor;
  random: () => number;
  decl: (queue: string) => QueueDeclaration | undefined;
}

const MAX_ERROR_TEXT = 2000;

/** Writes one outcome (inside the pump's transaction): done, retry later, or dead; records the attempt; moves the group on. */
export function applyOutcome(deps: OutcomeDeps, o: Outcome, now: number): OutcomeEffects {
  const { sql } = deps;
  const { row } = o;
  for (const r of o.release) sql.release.run(now, r.id);
  const base = { id: row.id, queue: row.queue, group: row.grp };
  if (o.ok) {
    sql.complete.run(now, row.id);
    sql.insertRun.run(row.id, row.queue, row.grp, row.attempts, o.startedAt, now, 'done', null);
    return { settled: { ...base, outcome: 'done' }, dueChanged: row.grp !== null && o.last && unblockNext(sql, row, now) };
  }
  const code = errorCode(o.error);
  // Handler errors may quote a credential: scrub before it reaches the store, the CLI or logs.
  const text = deps.redactor.scrub(errorMessage(o.error)).slice(0, MAX_ERROR_TEXT);
  const decision = decideRetry(deps.decl(row.queue) ?? { name: row.queue }, { code: code ?? undefined, attempt: row.attempts, maxAttempts: row.max_attempts }, deps.random);
  if (decision.kind === 'retry') {
    // Still its group's head: the group waits for the retry.
    sql.retryAt.run(now + decision.delayMs, text, code, now, row.id);
    sql.insertRun.run(row.id, row.queue, row.grp, row.attempts, o.startedAt, now, 'retry', text);
    return { settled: { ...base, outcome: 'retry' }, dueChanged: true };
  }
  sql.dead.run(text, code, now, row.id);
  sql.insertRun.run(row.id, row.queue, row.grp, row.attempts, o.startedAt, now, 'dead', text);
  return { settled: { ...base, outcome: 'dead' }, dead: { row, error: text, code }, dueChanged: row.grp !== null && unblockNext(sql, row, now) };
}

/** Makes the group's next job its head; true when that job is due later (the timer must learn of it). */
function unblockNext(sql: JobStatements, row: JobRow, now: number): boolean {
  const next = sql.unblockNext.get(row.queue, row.grp!);
  return next !== undefined && next.run_at > now;
}

function errorCode(err: unknown): string | null {
  if (isNxsError(err)) return err.code;
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string') return (err as { code: string }).code;
  return null;
}
