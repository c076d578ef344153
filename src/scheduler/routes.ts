import type { Route } from '../http/route.ts';
import { NxsError } from '../core/errors.ts';
import type { Scheduler } from './scheduler.ts';
import type { TaskInput } from './task-input.ts';

/** The scheduler's API under /api/tasks: reads need a token, changes ADMIN. */
export function schedulerRoutes(scheduler: Scheduler): Route[] {
  return [
    { method: 'GET', path: '/api/tasks', auth: 'token', handler: () => ({ body: { tasks: scheduler.list(), next_wake: scheduler.nextWake } }) },
    {
      method: 'GET',
      path: '/api/tasks/:name',
      auth: 'token',
      handler: ({ params }) => ({ body: { task: scheduler.get(params.name!), runs: scheduler.runs(params.name!) } }),
    },
    {
      method: 'POST',
      path: '/api/tasks',
      auth: 'token',
      capability: 'ADMIN',
      handler: ({ body }) => {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NxsError('NXS_ERR_BAD_REQUEST', 'the body must be a JSON object describing the task');
        return { status: 201, body: { task: scheduler.add(body as TaskInput) } };
      },
    },
    {
      method: 'DELETE',
      path: '/api/tasks/:name',
      auth: 'token',
      capability: 'ADMIN',
      handler: ({ params }) => {
        scheduler.remove(params.name!);
        return { body: { removed: params.name } };
      },
    },
    {
      method: 'POST',
      path: '/api/tasks/:name/run',
      auth: 'token',
      capability: 'ADMIN',
      handler: ({ params }) => ({ body: { run: scheduler.runNow(params.name!) } }),
    },
  ];
}
