import type { BootStep } from '../boot/steps.ts';
import type { Supervisor } from '../supervisor/types.ts';
import { loadCheckpointKeys } from './keys.ts';
import { CheckpointManager } from './manager.ts';
import { checkpointRoutes } from './routes.ts';
import { queueStateProvider } from '../queue/checkpoint-state.ts';
import { scheduleStateProvider } from '../scheduler/checkpoint-state.ts';
import { PROMPT_QUEUE } from '../assistant/scheduled-prompts.ts';

/** Keys (made at first start), the manager on `parts.checkpoints`, routes and a status section. */
export const checkpointsStep: BootStep = {
  name: 'checkpoints',
  start(ctx, parts) {
    // The supervisor may start later or not at all: look it up per call.
    const supervisor = (): Supervisor | null => (parts.supervisor as Supervisor | undefined) ?? null;
    const mgr = new CheckpointManager(ctx, loadCheckpointKeys(ctx), supervisor);
    parts.checkpoints = mgr;
    // An agent's queued work and its schedules; the assistant registers its own state when it starts.
    if (parts.queue) mgr.registerStateProvider('queue', queueStateProvider(parts.queue, ctx.clock));
    if (parts.scheduler) {
      // The assistant starts later: ask per checkpoint whether this agent is it (it owns the scheduled prompts).
      const owned = (agentId: string): string[] => (parts.assistant?.agentIdentity?.isAssistant(agentId) ? [PROMPT_QUEUE] : []);
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
  },
};
