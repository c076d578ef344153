import type { Migration } from '../store/migration.ts';

/** Schema changes owned by src/providers, in order. Ids: 'providers/NNN-what'. */
export const PROVIDERS_MIGRATIONS: Migration[] = [
  {
    // Breaker and cooldown state per provider, so a restart does not hammer a provider that was failing.
    id: 'providers/001-health',
    up(db) {
      db.exec(`CREATE TABLE provider_health (
        name TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        failures INTEGER NOT NULL,
        opens INTEGER NOT NULL,
        open_until INTEGER NOT NULL,
        credential_fp TEXT,
        last_error TEXT,
        last_ok_at INTEGER,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID`);
    },
  },
  {
    // Emergency mode's exact-match cache: request digest -> the answer a provider gave.
    id: 'providers/002-answer-cache',
    up(db) {
      db.exec(`CREATE TABLE llm_answer_cache (
        key TEXT PRIMARY KEY,
        completion TEXT NOT NULL,
        provider TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        used_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX llm_answer_cache_used ON llm_answer_cache (used_at)`);
    },
  },
  {
    // Answers to requests the /v1 door deferred, read back with GET /v1/deferred/:id.
    id: 'providers/003-deferred-results',
    up(db) {
      db.exec(`CREATE TABLE llm_deferred_results (
        job_id INTEGER PRIMARY KEY,
        completion TEXT NOT NULL,
        provider TEXT NOT NULL,
        finished_at INTEGER NOT NULL
      )`);
    },
  },
  {
    // Who deferred each request: GET /v1/deferred/:id answers only its creator (and ADMIN). Answers
    // stored before this have no creator and are left to ADMIN.
    id: 'providers/004-deferred-creator',
    up(db) {
      db.exec('ALTER TABLE llm_deferred_results ADD COLUMN created_by TEXT');
    },
  },
  {
    // Tokens used through the /v1 door, per day (UTC), caller (principal id) and provider: one upsert
    // per answered request. Read by nxs providers usage and by a door token's daily budget.
    id: 'providers/005-usage',
    up(db) {
      db.exec(`CREATE TABLE llm_usage (
        day TEXT NOT NULL,
        principal TEXT NOT NULL,
        provider TEXT NOT NULL,
        requests INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        PRIMARY KEY (day, principal, provider)
      ) WITHOUT ROWID;
      CREATE INDEX llm_usage_by_principal ON llm_usage (principal, day)`);
    },
  },
];
