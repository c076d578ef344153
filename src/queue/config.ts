import type { ConfigSection } from '../config/section.ts';

/** The `queue:` keys of nxs.yaml. */
export interface QueueConfig {
  /** Hours done jobs and finished attempts are kept (idempotency keys are remembered as long). */
  retentionHours: number;
  /** Completed jobs between two maintenance passes (prune, PRAGMA optimize). */
  maintenanceEvery: number;
  /** Lease of one attempt, ms: past it the attempt is aborted and fails with NXS_ERR_JOB_TIMEOUT. */
  leaseMs: number;
}

export const queueSection: ConfigSection<QueueConfig> = {
  keys: ['queue'],
  parse: (root, check) => {
    const q = check.obj(root.queue, 'queue', ['retention_hours', 'maintenance_every', 'lease_ms']);
    return {
      retentionHours: check.num(q.retention_hours, 'queue.retention_hours', { min: 0, max: 24 * 365, def: 24 }),
      maintenanceEvery: check.int(q.maintenance_every, 'queue.maintenance_every', { min: 100, max: 10_000_000, def: 5_000 }),
      leaseMs: check.int(q.lease_ms, 'queue.lease_ms', { min: 1_000, max: 86_400_000, def: 300_000 }),
    };
  },
};
