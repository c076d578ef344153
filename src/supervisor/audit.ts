import type { Db } from '../store/database.ts';
import type { Clock } from '../core/clock.ts';
import type { SecretRedactor } from '../core/secrets-redactor.ts';
import type { AuditEntry, AuditTrail } from './types.ts';

interface Row {
  operation_id: number;
  agent_id: string;
  operation_type: string;
  timestamp: number;
  allowed: number;
  principal: string;
  details: string | null;
}

/**
 * The append-only audit trail. There is an INSERT and SELECTs, nothing else;
 * triggers in the schema refuse UPDATE and DELETE outright.
 */
export class SqlAuditTrail implements AuditTrail {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly redactor: SecretRedactor;
  constructor(db: Db, clock: Clock, redactor: SecretRedactor) {
    this.db = db;
    this.clock = clock;
    this.redactor = redactor;
  }

  record(entry: Omit<AuditEntry, 'operation_id' | 'timestamp'>): AuditEntry {
    const timestamp = this.clock.now();
    const details = entry.details ? this.redactor.scrub(JSON.stringify(entry.details)) : null;
    const r = this.db
      .prepare('INSERT INTO audit_log (agent_id, operation_type, timestamp, allowed, principal, details) VALUES (?, ?, ?, ?, ?, ?)')
      .run(entry.agent_id, entry.operation_type, timestamp, entry.allowed ? 1 : 0, entry.principal, details);
    return { ...entry, operation_id: String(r.lastInsertRowid), timestamp, ...(details ? { details: JSON.parse(details) as Record<string, unknown> } : {}) };
  }

  get(agentId: string, operationId: string): AuditEntry | null {
    const row = this.db.prepare('SELECT * FROM audit_log WHERE agent_id = ? AND operation_id = ?').get(agentId, operationId) as Row | undefined;
    return row ? toEntry(row) : null;
  }

  /** The newest entry's id for this agent (the one an operation just recorded). */
  latestId(agentId: string): string | null {
    const r = this.db.prepare('SELECT MAX(operation_id) AS id FROM audit_log WHERE agent_id = ?').get(agentId) as { id: number | null };
    return r.id === null ? null : String(r.id);
  }

  list(agentId: string, opts: { limit?: number; afterId?: number } = {}): AuditEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM audit_log WHERE agent_id = ? AND operation_id > ? ORDER BY operation_id LIMIT ?')
      .all(agentId, opts.afterId ?? 0, opts.limit ?? 500) as Row[];
    return rows.map(toEntry);
  }
}

function toEntry(r: Row): AuditEntry {
  return {
    operation_id: String(r.operation_id),
    agent_id: r.agent_id,
    operation_type: r.operation_type,
    timestamp: r.timestamp,
    allowed: r.allowed === 1,
    principal: r.principal,
    ...(r.details ? { details: JSON.parse(r.details) as Record<string, unknown> } : {}),
  };
}
