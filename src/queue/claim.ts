import type { JobRow, JobStatements } from './job-store.ts';

/**
 * Claims up to `free` lanes from queue `q` (inside the pump's transaction): the
 * ready heads by priority then age, and for each grouped head up to
 * `laneSize - 1` followers, the contiguous run of its group's next jobs that
 * are due now. Every claimed job is 'running' with its lease before any runs.
 */
export function claimLanes(sql: JobStatements, q: string, free: number, laneSize: number, now: number, leaseUntil: number): JobRow[][] {
  const heads = sql.claim.all(leaseUntil, now, q, now, free);
  heads.sort((a, b) => b.priority - a.priority || a.id - b.id);
  const lanes: JobRow[][] = [];
  for (const head of heads) {
    const lane = [head];
    if (head.grp !== null && laneSize > 1) {
      let last = -1;
      for (const f of sql.followers.all(q, head.grp, laneSize - 1)) {
        if (f.run_at > now) break;
        last = f.id;
      }
      if (last > 0) lane.push(...sql.claimFollowers.all(leaseUntil, now, q, head.grp, last).sort((a, b) => a.id - b.id));
    }
    lanes.push(lane);
  }
  return lanes;
}
