import type { Migration } from '../store/migration.ts';

/** The index of checkpoint files: the files are the truth, this row makes listing cheap. */
export const CHECKPOINTS_MIGRATIONS: readonly Migration[] = [
  {
    id: 'checkpoints/001-index',
    up(db) {
      db.exec(`CREATE TABLE checkpoints (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('agent', 'host')),
        agent_id TEXT,
        agent_name TEXT,
        created_at INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        file TEXT NOT NULL,
        format INTEGER NOT NULL,
        signer TEXT NOT NULL,
        origin TEXT NOT NULL DEFAULT 'local'
      );
      CREATE INDEX checkpoints_subject ON checkpoints (agent_id, created_at);`);
    },
  },
];
