import type { Db } from '../store/database.ts';
import type { ScheduleSpec } from './schedule.ts';
import type { MissedPolicy } from './missed-policy.ts';
import type { TaskDraft } from './task-input.ts';

export interface TaskRow {
  name: string;
  kind: 'cron' | 'every' | 'at';
  expr: string;
  tz: string | null;
  queue: string;
  grp: string | null;
  payload: string;
  missed: MissedPolicy;
  max_lateness_ms: number;
  next_run: number | null;
  last_run: number | null;
  created_at: number;
}

export interface TaskRunRow {
  id: number;
  task: string;
  due_at: number;
  started_at: number;
  job_id: number | null;
  reason: string;
}

export function specOf(row: TaskRow): ScheduleSpec {
  if (row.kind === 'cron') return { kind: 'cron', expr: row.expr, tz: row.tz };
  if (row.kind === 'every') return { kind: 'every', everyMs: Number(row.expr), anchor: row.created_at };
  return { kind: 'at', at: Number(row.expr) };
}

export function exprOf(spec: ScheduleSpec): string {
  return spec.kind === 'cron' ? spec.expr : spec.kind === 'every' ? String(spec.everyMs) : String(spec.at);
}

export function prepareTaskStatements(db: Db) {
  return {
    insert: db.prepare<[string, string, string, string | null, string, string | null, string, string, number, number, number]>(
      `INSERT INTO scheduler_tasks (name, kind, expr, tz, queue, grp, payload, missed, max_lateness_ms, next_run, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    byName: db.prepare<[string], TaskRow>(`SELECT * FROM scheduler_tasks WHERE name = ?`),
    all: db.prepare<[], TaskRow>(`SELECT * FROM scheduler_tasks ORDER BY name`),
    due: db.prepare<[number], TaskRow>(`SELECT * FROM scheduler_tasks WHERE next_run IS NOT NULL AND next_run <= ? ORDER BY next_run`),
    nextDue: db.prepare<[], { t: number | null }>(`SELECT MIN(next_run) AS t FROM scheduler_tasks WHERE next_run IS NOT NULL`),
    advance: db.prepare<[number | null, number | null, string]>(`UPDATE scheduler_tasks SET next_run = ?, last_run = coalesce(?, last_run) WHERE name = ?`),
    remove: db.prepare<[string]>(`DELETE FROM scheduler_tasks WHERE name = ?`),
    // The run is written before its job exists: UNIQUE(task, due_at) makes a second attempt at the same occurrence a no-op.
    recordRun: db.prepare<[string, number, number, string]>(`INSERT OR IGNORE INTO scheduler_runs (task, due_at, started_at, reason) VALUES (?, ?, ?, ?)`),
    setRunJob: db.prepare<[number | null, string, string, number]>(`UPDATE scheduler_runs SET job_id = ?, reason = ? WHERE task = ? AND due_at = ?`),
    runs: db.prepare<[string, number], TaskRunRow>(`SELECT * FROM scheduler_runs WHERE task = ? ORDER BY id DESC LIMIT ?`),
    removeRuns: db.prepare<[string]>(`DELETE FROM scheduler_runs WHERE task = ?`),
  };
}

export type TaskStatements = ReturnType<typeof prepareTaskStatements>;

export function insertTask(sql: TaskStatements, d: TaskDraft, now: number): void {
  sql.insert.run(d.name, d.spec.kind, exprOf(d.spec), d.spec.kind === 'cron' ? d.spec.tz : null, d.queue, d.group, d.payloadJson, d.missed, d.maxLatenessMs, d.nextRun, d.spec.kind === 'every' ? d.spec.anchor : now);
}
