import { NxsError } from '../core/errors.ts';
import type { Context } from '../core/context.ts';
import type { StateProvider } from '../checkpoints/state-providers.ts';
import { agentGroup } from '../queue/checkpoint-state.ts';
import type { Scheduler } from './scheduler.ts';
import { prepareTaskStatements, type TaskRow } from './task-store.ts';
import type { TaskInput } from './task-input.ts';
import { MISSED_POLICIES } from './missed-policy.ts';

export interface SavedTask {
  name: string;
  kind: TaskRow['kind'];
  expr: string;
  tz: string | null;
  queue: string;
  /** True when the task ran in the agent's own group (restore points it at the new agent). */
  agent_group: boolean;
  group: string | null;
  payload: unknown;
  missed: TaskRow['missed'];
  max_lateness_ms: number;
}

interface ScheduleState {
  version: 1;
  tasks: SavedTask[];
}

/**
 * Checkpoint state `schedules`: the scheduler tasks that target the agent,
 * meaning tasks enqueuing into its group, plus every task of the queues the
 * agent owns outright (`ownedQueues`: the assistant owns `assistant.prompt`).
 * Restore adds them through the scheduler (validated as any new task); a task
 * already present with the same definition is left as it is.
 */
export function scheduleStateProvider(ctx: Context, scheduler: Scheduler, ownedQueues: (agentId: string) => readonly string[]): StateProvider {
  const sql = prepareTaskStatements(ctx.db);
  return {
    export(agentId) {
      const owned = new Set(ownedQueues(agentId));
      const group = agentGroup(agentId);
      const tasks = sql.all.all().filter((t) => t.grp === group || owned.has(t.queue)).map((t): SavedTask => ({
        name: t.name,
        kind: t.kind,
        expr: t.expr,
        tz: t.tz,
        queue: t.queue,
        agent_group: t.grp === group,
        group: t.grp === group ? null : t.grp,
        payload: JSON.parse(t.payload) as unknown,
        missed: t.missed,
        max_lateness_ms: t.max_lateness_ms,
      }));
      return tasks.length ? ({ version: 1, tasks } satisfies ScheduleState) : undefined;
    },
    validate(data) {
      readState(data);
    },
    import(agentId, data) {
      const now = ctx.clock.now();
      for (const t of readState(data).tasks) {
        const input = toInput(t, agentId);
        if (t.kind === 'at' && Number(t.expr) <= now) {
          ctx.log.info({ task: t.name }, 'checkpoint restore: a one-off task whose time has passed is not restored');
          continue;
        }
        const existing = sql.byName.get(t.name);
        if (existing && sameTask(existing, t, input.group ?? null)) continue;
        // A different task holds the name (the original agent still runs here): keep both.
        if (existing) input.name = `${t.name.slice(0, 50)}.a${agentId}`;
        scheduler.add(input);
      }
    },
    onRollback() {
      scheduler.resync();
    },
  };
}

function toInput(t: SavedTask, agentId: string): TaskInput {
  const group = t.agent_group ? agentGroup(agentId) : t.group;
  const schedule = t.kind === 'cron' ? { cron: t.expr, ...(t.tz ? { tz: t.tz } : {}) } : t.kind === 'every' ? { every: Number(t.expr) } : { at: new Date(Number(t.expr)).toISOString() };
  return { name: t.name, ...schedule, queue: t.queue, ...(group ? { group } : {}), payload: t.payload, missed: t.missed, maxLateness: t.max_lateness_ms };
}

function sameTask(row: TaskRow, t: SavedTask, group: string | null): boolean {
  return row.kind === t.kind && row.expr === t.expr && row.tz === t.tz && row.queue === t.queue && row.grp === group && row.payload === JSON.stringify(t.payload ?? null) && row.missed === t.missed;
}

function readState(data: unknown): ScheduleState {
  const bad = (what: string): never => {
    throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `state/schedules.json: ${what}`);
  };
  if (typeof data !== 'object' || data === null || (data as ScheduleState).version !== 1 || !Array.isArray((data as ScheduleState).tasks)) bad('expected {version: 1, tasks: [...]}');
  (data as ScheduleState).tasks.forEach((t, i) => {
    if (typeof t !== 'object' || t === null) bad(`tasks.${i} must be an object`);
    if (typeof t.name !== 'string' || typeof t.expr !== 'string' || typeof t.queue !== 'string') bad(`tasks.${i} needs name, expr and queue strings`);
    if (!['cron', 'every', 'at'].includes(t.kind)) bad(`tasks.${i}.kind must be cron, every or at`);
    if (!MISSED_POLICIES.includes(t.missed)) bad(`tasks.${i}.missed must be one of ${MISSED_POLICIES.join(', ')}`);
    if (!Number.isInteger(t.max_lateness_ms) || t.max_lateness_ms < 0) bad(`tasks.${i}.max_lateness_ms must be a non-negative integer`);
  });
  return data as ScheduleState;
}
