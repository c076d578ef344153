import { NxsError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { StateProvider } from '../checkpoints/state-providers.ts';
import type { SqliteQueue } from './sqlite-queue.ts';

/** The group an agent's own work runs in (IPC delivery, tasks aimed at it): one at a time, in order. */
export function agentGroup(agentId: string): string {
  return `agent:${agentId}`;
}

export interface SavedJob {
  queue: string;
  payload: unknown;
  priority: number;
  max_attempts: number;
  /** How long after the checkpoint the job was due (0: ready then); restore keeps the delay, not the clock time. */
  delay_ms: number;
}

interface QueueState {
  version: 1;
  jobs: SavedJob[];
}

const MAX_JOBS = 10_000;

/**
 * Checkpoint state `queue`: the agent's queued work, meaning the unfinished
 * jobs of its group (`agent:<id>`) in every declared queue. A running job is
 * saved as queued: the restored agent runs it again, as after a crash.
 * Restore enqueues them in the new agent's group, in their order.
 */
export function queueStateProvider(queue: SqliteQueue, clock: Clock): StateProvider {
  return {
    export(agentId) {
      const now = clock.now();
      const group = agentGroup(agentId);
      // Enqueue order (id) is the group's order.
      const records = [...queue.list({ group, state: 'running', limit: MAX_JOBS }), ...queue.list({ group, state: 'queued', limit: MAX_JOBS })].sort((a, b) => a.id - b.id);
      if (!records.length) return undefined;
      const jobs = records.map((j): SavedJob => ({ queue: j.queue, payload: j.payload, priority: j.priority, max_attempts: j.maxAttempts, delay_ms: Math.max(0, j.runAt - now) }));
      return { version: 1, jobs } satisfies QueueState;
    },
    validate(data) {
      const s = readState(data);
      const declared = new Set(queue.declared);
      const unknown = [...new Set(s.jobs.map((j) => j.queue))].filter((q) => !declared.has(q));
      if (unknown.length) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the checkpoint holds queued work for queue(s) ${unknown.join(', ')}, which this host does not run`, { queues: unknown });
      const perQueue = new Map<string, number>();
      for (const j of s.jobs) perQueue.set(j.queue, (perQueue.get(j.queue) ?? 0) + 1);
      for (const [q, n] of perQueue) {
        if (queue.room(q) < n) throw new NxsError('NXS_ERR_QUEUE_FULL', `queue ${q} has no room for the checkpoint's ${n} queued jobs now; retry later`, { queue: q, jobs: n });
      }
    },
    import(agentId, data) {
      const now = clock.now();
      for (const j of readState(data).jobs) {
        queue.enqueue({ queue: j.queue, group: agentGroup(agentId), payload: j.payload, priority: j.priority, maxAttempts: j.max_attempts, runAt: now + j.delay_ms });
      }
    },
    onRollback() {
      queue.resyncCounts();
    },
  };
}

function readState(data: unknown): QueueState {
  const bad = (what: string): never => {
    throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `state/queue.json: ${what}`);
  };
  if (typeof data !== 'object' || data === null || (data as QueueState).version !== 1 || !Array.isArray((data as QueueState).jobs)) bad('expected {version: 1, jobs: [...]}');
  const jobs = (data as QueueState).jobs;
  if (jobs.length > MAX_JOBS) bad(`at most ${MAX_JOBS} jobs; got ${jobs.length}`);
  jobs.forEach((j, i) => {
    if (typeof j !== 'object' || j === null) bad(`jobs.${i} must be an object`);
    if (typeof j.queue !== 'string' || !j.queue) bad(`jobs.${i}.queue must be a queue name`);
    for (const k of ['priority', 'max_attempts', 'delay_ms'] as const) if (!Number.isInteger(j[k]) || (k !== 'priority' && j[k] < 0)) bad(`jobs.${i}.${k} must be an integer`);
    if (j.max_attempts < 1) bad(`jobs.${i}.max_attempts must be at least 1`);
  });
  return data as QueueState;
}
