import Database from 'better-sqlite3';
import { QUEUE_MIGRATIONS } from '../src/queue/migrations.ts';
const db = new Database(':memory:');
for (const m of QUEUE_MIGRATIONS) m.up(db);
const qs = {
 claim: `UPDATE queue_jobs SET state = 'running', attempts = attempts + 1, lease_until = 1, updated_at = 1 WHERE id IN (SELECT id FROM queue_jobs INDEXED BY queue_jobs_ready WHERE queue = 'a' AND state = 'queued' AND blocked = 0 AND run_at <= 5 ORDER BY priority DESC, id LIMIT 4) RETURNING *`,
 unblock: `UPDATE queue_jobs SET blocked = 0 WHERE id = (SELECT id FROM queue_jobs INDEXED BY queue_jobs_blocked WHERE queue = 'a' AND grp = 'g' AND blocked = 1 ORDER BY id LIMIT 1)`,
 due: `SELECT MIN(run_at) AS t FROM queue_jobs WHERE queue = 'a' AND state = 'queued' AND blocked = 0 AND run_at > 5`,
};
for (const [k, q] of Object.entries(qs)) console.log(k, db.prepare('EXPLAIN QUERY PLAN ' + q).all().map((r: any) => r.detail).join(' | '));
