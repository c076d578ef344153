import type { BootStep } from '../boot/steps.ts';
import { NxsError } from '../core/errors.ts';
import { Scheduler } from './scheduler.ts';
import { schedulerRoutes } from './routes.ts';

/**
 * Boot step `scheduler` (after `queue`): applies each task's missed-run policy
 * for the time the host was down, then sleeps until the next due task.
 */
export const schedulerStep: BootStep = {
  name: 'scheduler',
  start(ctx, parts) {
    const queue = parts.queue;
    if (!queue) throw new NxsError('NXS_ERR_INTERNAL', 'the scheduler step needs the queue step before it');
    const scheduler = new Scheduler(ctx, queue, parts.metrics?.scheduler);
    parts.scheduler = scheduler;
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
  },
};
