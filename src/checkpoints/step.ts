import type { BootStep } from '../boot/boot-step.ts';
import type { SqliteQueue } from '../queue/sqlite-queue.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { Supervisor } from '../supervisor/types.ts';
import { loadCheckpointKeys } from './keys.ts';
import { CheckpointManager } from './manager.ts';
import { checkpointRoutes } from './routes.ts';
import { queueStateProvider } from '../queue/checkpoint-state.ts';
import { scheduleStateProvider } from '../scheduler/checkpoint-state.ts';

/** Who, besides an agent itself, owns queues its schedules feed: the assistant says so when it starts, after this step. */
export type ClaimScheduledQueues = (isOwner: (agentId: string) => boolean, queues: readonly string[]) => void;

/**
 * Keys (made at first start), the manager, routes and a status section. Gives
 * `checkpoints` (parts register their state on it) and `claimScheduledQueues`.
 */
export const checkpointsStep: BootStep<{ supervisor?: Supervisor; queue?: SqliteQueue; scheduler?: Scheduler }, { checkpoints: CheckpointManager; claimScheduledQueues: ClaimScheduledQueues }> = {
  name: 'checkpoints',
  start(ctx, parts) {
    const sup = parts.supervisor ?? null;
    const supervisor = (): Supervisor | null => sup;
    const mgr = new CheckpointManager(ctx, loadCheckpointKeys(ctx), supervisor);
    // An agent's queued work and its schedules; the assistant registers its own state when it starts.
    if (parts.queue) mgr.registerStateProvider('queue', queueStateProvider(parts.queue, ctx.clock));
    const claims: { isOwner: (agentId: string) => boolean; queues: readonly string[] }[] = [];
    if (parts.scheduler) {
      const owned = (agentId: string): string[] => claims.filter((c) => c.isOwner(agentId)).flatMap((c) => c.queues);
      mgr.registerStateProvider('schedules', scheduleStateProvider(ctx, parts.scheduler, owned));
    }
    parts.routes.push(...checkpointRoutes(mgr, supervisor));
    parts.status.set('checkpoints', () => {
      const all = mgr.list();
      return { count: all.length, bytes: all.reduce((s, c) => s + c.bytes, 0), latest: all[0]?.created_at ?? null, signer: mgr.signerId, providers: mgr.providers.names() };
    });
    // Retention also follows the tier: a step down shrinks the budget now.
    const off = ctx.profile.onChange(() => mgr.applyRetention());
    ctx.lifecycle.onStop('checkpoints', off);
    return { checkpoints: mgr, claimScheduledQueues: (isOwner, queues) => void claims.push({ isOwner, queues }) };
  },
};
