import type { Migration } from '../store/migration.ts';

/** Diagnoses persist so a restart does not forget what waits for approval. */
export const DOCTOR_MIGRATIONS: readonly Migration[] = [
  {
    id: 'doctor/001-diagnoses',
    up(db) {
      db.exec(`CREATE TABLE doctor_diagnoses (
        id TEXT PRIMARY KEY,
        rule TEXT NOT NULL,
        subject TEXT NOT NULL,
        severity TEXT NOT NULL,
        summary TEXT NOT NULL,
        fix_kind TEXT NOT NULL,
        fix_args TEXT NOT NULL,
        needs_approval INTEGER NOT NULL,
        status TEXT NOT NULL,
        result TEXT,
        created_at INTEGER NOT NULL,
        decided_at INTEGER,
        decided_by TEXT
      );
      CREATE INDEX doctor_diagnoses_status ON doctor_diagnoses (status, created_at);`);
    },
  },
];
