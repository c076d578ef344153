import type { Db } from '../store/database.ts';
import type { Diagnosis, DiagnosisStatus } from './types.ts';

interface Row {
  id: string;
  rule: string;
  subject: string;
  severity: Diagnosis['severity'];
  summary: string;
  fix_kind: Diagnosis['fix']['kind'];
  fix_args: string;
  needs_approval: number;
  status: DiagnosisStatus;
  result: string | null;
  created_at: number;
  decided_at: number | null;
  decided_by: string | null;
}

function fromRow(r: Row): Diagnosis {
  return {
    id: r.id,
    rule: r.rule,
    subject: r.subject,
    severity: r.severity,
    summary: r.summary,
    fix: { kind: r.fix_kind, args: JSON.parse(r.fix_args) as Record<string, unknown> },
    needs_approval: r.needs_approval === 1,
    status: r.status,
    result: r.result,
    created_at: r.created_at,
    decided_at: r.decided_at,
    decided_by: r.decided_by,
  };
}

export function insertDiagnosis(db: Db, d: Diagnosis): void {
  db.prepare(`INSERT INTO doctor_diagnoses (id, rule, subject, severity, summary, fix_kind, fix_args, needs_approval, status, result, created_at, decided_at, decided_by)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(d.id, d.rule, d.subject, d.severity, d.summary, d.fix.kind, JSON.stringify(d.fix.args), d.needs_approval ? 1 : 0, d.status, d.result, d.created_at, d.decided_at, d.decided_by);
}

export function updateDiagnosis(db: Db, id: string, status: DiagnosisStatus, result: string | null, decidedAt: number | null, decidedBy: string | null): void {
  db.prepare('UPDATE doctor_diagnoses SET status = ?, result = ?, decided_at = ?, decided_by = ? WHERE id = ?').run(status, result, decidedAt, decidedBy, id);
}

export function getDiagnosis(db: Db, id: string): Diagnosis | null {
  const r = db.prepare('SELECT * FROM doctor_diagnoses WHERE id = ?').get(id) as Row | undefined;
  return r ? fromRow(r) : null;
}

export function listDiagnoses(db: Db, status?: DiagnosisStatus, limit = 200): Diagnosis[] {
  const rows = status
    ? (db.prepare('SELECT * FROM doctor_diagnoses WHERE status = ? ORDER BY created_at DESC, id DESC LIMIT ?').all(status, limit) as Row[])
    : (db.prepare('SELECT * FROM doctor_diagnoses ORDER BY created_at DESC, id DESC LIMIT ?').all(limit) as Row[]);
  return rows.map(fromRow);
}

/** When each rule last spoke about each subject: the cooldown survives restarts. */
export function lastSeenMap(db: Db, since: number): Map<string, number> {
  const rows = db.prepare('SELECT rule, subject, MAX(created_at) AS at FROM doctor_diagnoses WHERE created_at >= ? GROUP BY rule, subject').all(since) as { rule: string; subject: string; at: number }[];
  return new Map(rows.map((r) => [`${r.rule}|${r.subject}`, r.at]));
}
