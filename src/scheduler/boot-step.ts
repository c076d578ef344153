import type { BootStep } from '../boot/boot-step.ts';
import type { SqliteQueue } from '../queue/sqlite-queue.ts';
import { NxsError } from '../core/errors.ts';
import { Scheduler } from './scheduler.ts';
import { schedulerRoutes } from './routes.ts';

/**
 * Boot step `scheduler` (after `queue`): applies each task's missed-run policy
 * for the time the host was down, then sleeps until the next due task. Gives `scheduler`.
 */
export const schedulerStep: BootStep<{ queue: SqliteQueue }, { scheduler: Scheduler }> = {
  name: 'scheduler',
  start(ctx, parts) {
    const queue = parts.queue;
    // bootPlan checks this at compile time; a test's own list of steps is checked here.
    if (!queue) throw new NxsError('NXS_ERR_INTERNAL', 'the scheduler step needs the queue step before it');
    const scheduler = new Scheduler(ctx, queue, parts.metrics.scheduler);
    parts.routes.push(...schedulerRoutes(scheduler));
    parts.status.set('scheduler', () => ({ next_wake: scheduler.nextWake === null ? null : new Date(scheduler.nextWake).toISOString() }));
    // Start once every step has declared its queues, so due tasks find their target.
    const off = ctx.events.on('host.ready', () => {
      off();
      scheduler.start();
    });
    ctx.lifecycle.onStop('scheduler', () => {
      off();
      scheduler.stop();
    });
    return { scheduler };
  },
};
