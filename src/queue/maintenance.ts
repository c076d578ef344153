import type { Db } from '../store/database.ts';
import type { Logger } from '../core/logger.ts';
import { errorMessage } from '../core/errors.ts';
import type { JobStatements } from './job-store.ts';

/**
 * Prunes done jobs and attempts older than the cutoff, then PRAGMA optimize.
 * Run every N completed jobs (a coarse cadence tied to work, not a timer loop).
 */
export function runMaintenance(db: Db, sql: JobStatements, log: Logger, cutoff: number): void {
  try {
    const jobs = sql.pruneDone.run(cutoff).changes;
    const runs = sql.pruneRuns.run(cutoff).changes;
    db.pragma('optimize');
    log.debug({ jobs, runs }, 'queue: maintenance done');
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'queue: maintenance failed');
  }
}
