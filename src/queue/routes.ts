import { anyToken, needs, ownerScoped, type Route, type RouteRequest } from '../http/route.ts';
import type { Clock } from '../core/clock.ts';
import { NxsError } from '../core/errors.ts';
import type { JobState } from './types.ts';
import type { SqliteQueue } from './sqlite-queue.ts';
import { runSelftest } from './selftest.ts';
import { mayRead, seesAll } from '../http/ownership.ts';
import type { Principal } from '../http/auth.ts';

const STATES: readonly JobState[] = ['queued', 'running', 'done', 'dead'];

function intParam(value: unknown, name: string, min: number, max: number, def?: number): number {
  if ((value === undefined || value === null || value === '') && def !== undefined) return def;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new NxsError('NXS_ERR_BAD_REQUEST', `${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`, { field: name });
  }
  return n;
}

function optString(value: string | null): string | undefined {
  return value === null || value === '' ? undefined : value;
}

/** A token that is not ADMIN reads only the jobs it enqueued: payloads carry other callers' prompts. */
function creatorFilter(principal: Principal): { createdBy?: string } {
  return seesAll(principal) ? {} : { createdBy: principal.id };
}

function body(req: RouteRequest): Record<string, unknown> {
  const b = req.body ?? {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new NxsError('NXS_ERR_BAD_REQUEST', 'the body must be a JSON object');
  return b as Record<string, unknown>;
}

/** The queue's API under /api/queue: a token reads the jobs it enqueued (ADMIN every job), mutations need ADMIN. */
export function queueRoutes(queue: SqliteQueue, clock: Clock): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/queue/stats',
      access: anyToken('counts per queue and state, no payloads'),
      handler: () => ({ body: { ...queue.stats(), running: queue.runningCount, active_groups: queue.activeGroups, next_wake: queue.timerArmed } }),
    },
    {
      method: 'GET',
      path: '/api/queue/jobs',
      access: ownerScoped('jobs the token enqueued; ADMIN every job'),
      handler: ({ query, principal }) => {
        const state = optString(query.get('state'));
        if (state !== undefined && !STATES.includes(state as JobState)) throw new NxsError('NXS_ERR_BAD_REQUEST', `state must be one of ${STATES.join(', ')}; got ${JSON.stringify(state)}`, { field: 'state' });
        const filter = {
          ...(optString(query.get('queue')) !== undefined ? { queue: query.get('queue')! } : {}),
          ...(optString(query.get('group')) !== undefined ? { group: query.get('group')! } : {}),
          ...(state !== undefined ? { state: state as JobState } : {}),
          ...creatorFilter(principal!),
          limit: intParam(query.get('limit'), 'limit', 1, 10_000, 50),
        };
        return { body: { jobs: queue.list(filter) } };
      },
    },
    {
      method: 'GET',
      path: '/api/queue/jobs/:id',
      access: ownerScoped('jobs the token enqueued; ADMIN every job'),
      handler: ({ params, principal }) => {
        const id = intParam(params.id, 'id', 1, Number.MAX_SAFE_INTEGER);
        const job = queue.get(id);
        // Another caller's job answers as a missing one: ids are sequential, so a 403 would confirm it exists.
        if (!job || !mayRead(principal!, job.createdBy)) throw new NxsError('NXS_ERR_JOB_NOT_FOUND', `no job has id ${id}`, { id });
        return { body: { job } };
      },
    },
    {
      method: 'GET',
      path: '/api/queue/history',
      access: ownerScoped('runs of jobs the token enqueued; ADMIN every run'),
      handler: ({ query, principal }) => {
        const job = optString(query.get('job'));
        const runs = queue.history({
          ...creatorFilter(principal!),
          ...(optString(query.get('queue')) !== undefined ? { queue: query.get('queue')! } : {}),
          ...(optString(query.get('group')) !== undefined ? { group: query.get('group')! } : {}),
          ...(job !== undefined ? { jobId: intParam(job, 'job', 1, Number.MAX_SAFE_INTEGER) } : {}),
          limit: intParam(query.get('limit'), 'limit', 1, 10_000, 50),
        });
        return { body: { runs } };
      },
    },
    {
      method: 'POST',
      path: '/api/queue/jobs',
      access: needs('ADMIN'),
      handler: (req) => {
        const b = body(req);
        const job = queue.enqueue({
          queue: b.queue as string,
          payload: b.payload,
          ...(b.group !== undefined ? { group: b.group as string } : {}),
          ...(b.priority !== undefined ? { priority: b.priority as number } : {}),
          ...(b.runAt !== undefined ? { runAt: b.runAt as number } : {}),
          ...(b.idempotencyKey !== undefined ? { idempotencyKey: b.idempotencyKey as string } : {}),
          ...(b.maxAttempts !== undefined ? { maxAttempts: b.maxAttempts as number } : {}),
          createdBy: req.principal!.id,
        });
        return { status: 201, body: { job } };
      },
    },
    {
      method: 'POST',
      path: '/api/queue/jobs/:id/retry',
      access: needs('ADMIN'),
      handler: ({ params }) => ({ body: { job: queue.retry(intParam(params.id, 'id', 1, Number.MAX_SAFE_INTEGER)) } }),
    },
    {
      method: 'POST',
      path: '/api/queue/purge-dead',
      access: needs('ADMIN'),
      handler: (req) => {
        const q = body(req).queue;
        if (q !== undefined && typeof q !== 'string') throw new NxsError('NXS_ERR_BAD_REQUEST', 'queue must be a string', { field: 'queue' });
        return { body: { purged: queue.purgeDead(q) } };
      },
    },
    {
      method: 'POST',
      path: '/api/queue/selftest',
      access: needs('ADMIN'),
      handler: async (req) => {
        const b = body(req);
        const n = intParam(b.n, 'n', 1, 1_000_000, 100);
        const groups = intParam(b.groups, 'groups', 0, 1_000_000, Math.min(n, 10));
        const timeoutMs = intParam(b.timeout_ms, 'timeout_ms', 1, 3_600_000, 60_000);
        const wait = b.wait === undefined ? true : b.wait === true;
        return { body: await runSelftest(queue, clock, { n, groups, wait, timeoutMs, signal: req.signal }) };
      },
    },
  ];
}
