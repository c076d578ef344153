import type { AuditEntry, AuditTrail } from '../supervisor/types.ts';
import type { AuditObserver } from './host-metrics.ts';

/**
 * The audit trail the toolbox and the sandbox write to, telling the metrics what was recorded:
 * every tool call and egress decision is audited already, so counting at the audit is one site
 * for all of them. The record is written first; a throwing observer cannot lose it.
 */
export function observedAudit(audit: AuditTrail, observer: AuditObserver): AuditTrail {
  return {
    record(entry: Omit<AuditEntry, 'operation_id' | 'timestamp'>): AuditEntry {
      const written = audit.record(entry);
      observer.recorded(entry.operation_type, entry.allowed);
      return written;
    },
  };
}
