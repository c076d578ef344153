import type { Db } from '../store/database.ts';
import type { JobStatements } from './job-store.ts';

/**
 * Jobs a crash (or a stop past its deadline) left 'running': each gets an
 * 'interrupted' attempt row, then is queued again (at-least-once) or, once it
 * used every attempt, dead (a job that kills the host every time must not
 * crash-loop it). A group may have had a whole lane running; its earliest
 * surviving job becomes the head again and the others wait behind it, so the
 * group's order holds across the crash.
 */
export function recoverInterrupted(db: Db, sql: JobStatements, now: number): { requeued: number; dead: number } {
  let requeued = 0;
  let dead = 0;
  db.transaction(() => {
    const headSeen = new Set<string>();
    const groupsWithDeadHead = new Map<string, { queue: string; grp: string }>();
    for (const row of sql.runningAtStart.all()) {
      // updated_at is the claim time of the attempt the crash cut.
      sql.insertRun.run(row.id, row.queue, row.grp, row.attempts, row.updated_at, null, 'interrupted', null);
      const key = `${row.queue}\u0000${row.grp ?? ''}`;
      if (row.attempts >= row.max_attempts) {
        sql.dead.run(`interrupted ${row.attempts} times: the host stopped or crashed while it ran`, 'NXS_ERR_JOB_TIMEOUT', now, row.id);
        if (row.grp !== null && !headSeen.has(key)) groupsWithDeadHead.set(key, { queue: row.queue, grp: row.grp });
        dead++;
        continue;
      }
      // Rows come in id order: the first survivor of a group is its head.
      const isHead = row.grp === null || !headSeen.has(key);
      if (row.grp !== null) headSeen.add(key);
      groupsWithDeadHead.delete(key);
      sql.requeueInterrupted.run(isHead ? 0 : 1, now, row.id);
      requeued++;
    }
    // Every recovered job of these groups went dead: the next waiting job leads.
    for (const { queue, grp } of groupsWithDeadHead.values()) sql.unblockNext.run(queue, grp);
  })();
  return { requeued, dead };
}
