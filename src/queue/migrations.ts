import type { Migration } from '../store/migration.ts';

/** Schema changes owned by src/queue, in order. Ids: 'queue/NNN-what'. */
export const QUEUE_MIGRATIONS: Migration[] = [
  {
    id: 'queue/001-jobs',
    up(db) {
      // Every index costs a write on each state change, so the hot path keeps few:
      // stats, pruning and history are occasional and scan instead.
      // `blocked` marks grouped jobs waiting behind an earlier job of their group:
      // each (queue, grp) has at most one unblocked unfinished job (its head), so
      // the claim scans only runnable heads instead of every queued job (O(n^2) on
      // one long group otherwise).
      db.exec(`
        CREATE TABLE queue_jobs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          queue TEXT NOT NULL,
          grp TEXT,
          payload TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('queued','running','done','dead')),
          blocked INTEGER NOT NULL DEFAULT 0,
          priority INTEGER NOT NULL DEFAULT 0,
          attempts INTEGER NOT NULL DEFAULT 0,
          max_attempts INTEGER NOT NULL,
          run_at INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          lease_until INTEGER,
          last_error TEXT,
          last_code TEXT,
          idem_key TEXT
        );
        CREATE INDEX queue_jobs_ready ON queue_jobs (queue, priority DESC, id) WHERE state = 'queued' AND blocked = 0;
        CREATE INDEX queue_jobs_due ON queue_jobs (queue, run_at) WHERE state = 'queued' AND blocked = 0;
        CREATE INDEX queue_jobs_blocked ON queue_jobs (queue, grp, id) WHERE blocked = 1;
        CREATE INDEX queue_jobs_dead ON queue_jobs (queue, id) WHERE state = 'dead';
        CREATE UNIQUE INDEX queue_jobs_idem ON queue_jobs (queue, idem_key) WHERE idem_key IS NOT NULL;
      `);
    },
  },
  {
    id: 'queue/002-runs',
    up(db) {
      // One row per finished attempt, written with the outcome (one write per job,
      // not two). The claim itself is durable in queue_jobs (state, attempts,
      // updated_at); an attempt a crash cut is written at the next start with
      // outcome 'interrupted' and no finished_at (the crash harness counts them).
      db.exec(`
        CREATE TABLE queue_runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          job_id INTEGER NOT NULL,
          queue TEXT NOT NULL,
          grp TEXT,
          attempt INTEGER NOT NULL,
          started_at INTEGER NOT NULL,
          finished_at INTEGER,
          outcome TEXT CHECK (outcome IN ('done','retry','dead','interrupted')),
          error TEXT
        );
      `);
    },
  },
  {
    id: 'queue/003-scheduler',
    up(db) {
      db.exec(`
        CREATE TABLE scheduler_tasks (
          name TEXT PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('cron','every','at')),
          expr TEXT NOT NULL,
          tz TEXT,
          queue TEXT NOT NULL,
          grp TEXT,
          payload TEXT NOT NULL,
          missed TEXT NOT NULL CHECK (missed IN ('skip','once','each')),
          max_lateness_ms INTEGER NOT NULL,
          next_run INTEGER,
          last_run INTEGER,
          created_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX scheduler_tasks_next ON scheduler_tasks (next_run) WHERE next_run IS NOT NULL;
        CREATE TABLE scheduler_runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          task TEXT NOT NULL,
          due_at INTEGER NOT NULL,
          started_at INTEGER NOT NULL,
          job_id INTEGER,
          reason TEXT NOT NULL,
          UNIQUE (task, due_at)
        );
      `);
    },
  },
  {
    // Who enqueued a job (a principal id), so a token that is not ADMIN reads only its own jobs:
    // payloads hold other callers' prompts. Null for the host's own work and older jobs (ADMIN only).
    // The partial index serves GET /api/queue/jobs for one creator and costs nothing on the host's own jobs.
    id: 'queue/004-job-creator',
    up(db) {
      db.exec(`
        ALTER TABLE queue_jobs ADD COLUMN created_by TEXT;
        CREATE INDEX queue_jobs_creator ON queue_jobs (created_by, id) WHERE created_by IS NOT NULL;
      `);
    },
  },
];
