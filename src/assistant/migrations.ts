import type { Migration } from '../store/migration.ts';

/** Schema changes owned by src/assistant, in order. Ids: 'assistant/NNN-what'. */
export const ASSISTANT_MIGRATIONS: Migration[] = [
  {
    id: 'assistant/001-messages',
    up(db) {
      // One row per incoming message; the reply lives on the same row so
      // "answered but not delivered" is a state of one row, recoverable at boot.
      db.exec(`
        CREATE TABLE assistant_messages (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          conversation_id TEXT NOT NULL,
          channel TEXT NOT NULL,
          -- where to deliver: chat id, file name...; JSON
          address TEXT NOT NULL DEFAULT '{}',
          external_id TEXT,
          sender TEXT,
          text TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('queued','answering','answered','deferred','failed','ignored')),
          reply TEXT,
          reply_cached INTEGER NOT NULL DEFAULT 0,
          error TEXT,
          defer_count INTEGER NOT NULL DEFAULT 0,
          delivery TEXT NOT NULL DEFAULT 'none' CHECK (delivery IN ('none','pending','delivered','failed')),
          created_at INTEGER NOT NULL,
          answered_at INTEGER,
          delivered_at INTEGER
        );
        CREATE INDEX assistant_messages_conv ON assistant_messages (conversation_id, id);
        CREATE INDEX assistant_messages_status ON assistant_messages (status) WHERE status IN ('queued','answering','deferred');
        CREATE INDEX assistant_messages_delivery ON assistant_messages (delivery) WHERE delivery = 'pending';
        CREATE UNIQUE INDEX assistant_messages_external ON assistant_messages (channel, external_id) WHERE external_id IS NOT NULL;
      `);
    },
  },
  {
    id: 'assistant/002-channel-state',
    up(db) {
      // Small durable cursors (Telegram's update offset) and survival-mode facts.
      db.exec(`CREATE TABLE assistant_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`);
    },
  },
];
