import type { BootStep } from '../boot/boot-step.ts';
import { queueCollector } from '../metrics/collectors/queue.ts';
import { SqliteQueue } from './sqlite-queue.ts';
import { installSelftestQueue } from './selftest.ts';
import { queueRoutes } from './routes.ts';

/**
 * Boot step `queue`: opens the queue on the store, claims again what the last
 * run left running (at-least-once), installs the selftest queue, routes and
 * status, and the queue's metrics. Gives `queue`: later steps declare their own queues on it.
 */
export const queueStep: BootStep<object, { queue: SqliteQueue }> = {
  name: 'queue',
  start(ctx, parts) {
    const { retentionHours, maintenanceEvery, leaseMs } = ctx.config.queue;
    const queue = new SqliteQueue(ctx, { retentionMs: retentionHours * 3_600_000, maintenanceEvery, leaseMs, observer: parts.metrics.queue });
    const recovered = queue.recover();
    if (recovered.requeued + recovered.dead > 0) {
      ctx.bootLog.add(`queue: ${recovered.requeued} job(s) left running by the last run claimed again, ${recovered.dead} dead after their last attempt`);
      ctx.log.info(recovered, 'queue: recovered jobs from the last run');
    }
    installSelftestQueue(queue);
    parts.routes.push(...queueRoutes(queue, ctx.clock));
    parts.metrics.registry.onCollect(queueCollector(parts.metrics, ctx.db, ctx.clock, () => queue));
    // Cheap: in-memory counters only, no table scan.
    parts.status.set('queue', () => ({ running: queue.runningCount, active_groups: queue.activeGroups, unfinished: queue.unfinished(), next_wake: queue.timerArmed }));
    // Stop claiming, let running jobs finish within most of the shutdown deadline, commit, let go.
    ctx.lifecycle.onStop('queue', () => queue.stop(Math.floor(ctx.config.shutdownTimeoutMs * 0.8)));
    return { queue };
  },
};
