import type { Migration } from '../store/migration.ts';

/** Schema changes owned by src/supervisor, in order. Ids: 'supervisor/NNN-what'. */
export const SUPERVISOR_MIGRATIONS: Migration[] = [
  {
    id: 'supervisor/001-agents-audit-tokens-ipc',
    up(db) {
      db.exec(`
        CREATE TABLE agents (
          agent_id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL,
          capabilities TEXT NOT NULL,
          settings TEXT NOT NULL,
          state TEXT NOT NULL,
          restarts INTEGER NOT NULL DEFAULT 0,
          cpu_id INTEGER,
          instance_id INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          started_at INTEGER NOT NULL,
          parked_reason TEXT
        );
        CREATE TABLE agent_failures (
          agent_id INTEGER NOT NULL REFERENCES agents(agent_id) ON DELETE CASCADE,
          ts INTEGER NOT NULL,
          reason TEXT NOT NULL
        );
        CREATE INDEX agent_failures_by_agent ON agent_failures (agent_id, ts);
        -- instance ids never repeat, even across agents and host restarts
        CREATE TABLE agent_instances (instance_id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id INTEGER NOT NULL, started_at INTEGER NOT NULL);

        CREATE TABLE audit_log (
          operation_id INTEGER PRIMARY KEY AUTOINCREMENT,
          agent_id TEXT NOT NULL,
          operation_type TEXT NOT NULL,
          timestamp INTEGER NOT NULL,
          allowed INTEGER NOT NULL,
          principal TEXT NOT NULL,
          details TEXT
        );
        CREATE INDEX audit_by_agent ON audit_log (agent_id, operation_id);
        -- append-only: the store itself refuses to rewrite history
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

        CREATE TABLE api_tokens (
          token_id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          digest TEXT NOT NULL UNIQUE,
          capabilities TEXT NOT NULL,
          agent_id TEXT,
          created_at INTEGER NOT NULL,
          revoked_at INTEGER
        );

        CREATE TABLE ipc_messages (
          message_id INTEGER PRIMARY KEY AUTOINCREMENT,
          from_agent TEXT NOT NULL,
          to_agent TEXT NOT NULL,
          intent TEXT,
          type TEXT NOT NULL,
          data TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          delivered_at INTEGER
        );
        CREATE INDEX ipc_by_recipient ON ipc_messages (to_agent, message_id);
      `);
    },
  },
  {
    // The assistant's record used to be a worker agent running the echo module
    // (a thread, a heartbeat and 8-10 MB of RSS for an identity). Records it
    // made (settings.role 'assistant', no module of their own) become host
    // agents before the supervisor resumes anything, so the upgraded host
    // launches no thread for them. Host agents never crash: failures and a
    // parked state are dropped, and the worker-only restart setting goes.
    id: 'supervisor/002-assistant-record-in-host',
    up(db) {
      db.exec(`
        UPDATE agents
           SET settings = json_set(json_remove(settings, '$.restart'), '$.runtime', 'host'),
               state = 'running',
               parked_reason = NULL
         WHERE json_extract(settings, '$.role') = 'assistant'
           AND json_type(settings, '$.module') IS NULL
           AND json_type(settings, '$.runtime') IS NULL;
        DELETE FROM agent_failures
         WHERE agent_id IN (SELECT agent_id FROM agents WHERE json_extract(settings, '$.runtime') = 'host');
      `);
    },
  },
  {
    // Each message's size in bytes, so the tier's bound on an agent's inbox (ipc-bound.ts) is one
    // indexed sum rather than a scan of every payload. Older rows are measured once here.
    id: 'supervisor/003-ipc-message-size',
    up(db) {
      db.exec(`
        ALTER TABLE ipc_messages ADD COLUMN size_bytes INTEGER NOT NULL DEFAULT 0;
        UPDATE ipc_messages SET size_bytes = length(CAST(data AS BLOB)) + coalesce(length(CAST(intent AS BLOB)), 0);
      `);
    },
  },
  {
    // A token's bounds at the /v1 door (token-limits.ts): a model allowlist (JSON list), requests
    // and tokens per minute, tokens per UTC day. NULL: no bound; tokens made before have none.
    id: 'supervisor/004-token-door-limits',
    up(db) {
      db.exec(`
        ALTER TABLE api_tokens ADD COLUMN models TEXT;
        ALTER TABLE api_tokens ADD COLUMN requests_per_minute INTEGER;
        ALTER TABLE api_tokens ADD COLUMN tokens_per_minute INTEGER;
        ALTER TABLE api_tokens ADD COLUMN daily_tokens INTEGER;
      `);
    },
  },
];
