import type { Migration } from './migration.ts';

export const CORE_MIGRATIONS: Migration[] = [
  {
    id: 'core/001-boot-log',
    up(db) {
      db.exec(`
        CREATE TABLE boots (
          boot_id     TEXT PRIMARY KEY,
          started_at  INTEGER NOT NULL,
          version     TEXT NOT NULL,
          pid         INTEGER NOT NULL,
          ready_at    INTEGER,
          stopped_at  INTEGER
        );
        CREATE TABLE boot_log (
          boot_id  TEXT NOT NULL REFERENCES boots(boot_id) ON DELETE CASCADE,
          seq      INTEGER NOT NULL,
          ts       INTEGER NOT NULL,
          entry    TEXT NOT NULL,
          PRIMARY KEY (boot_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX boots_started ON boots(started_at);
      `);
    },
  },
  {
    id: 'core/002-kv',
    up(db) {
      // Small durable facts of the host (first-start markers, last tier, ...).
      db.exec(`CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;`);
    },
  },
];
