import { needs, type Route } from '../http/route.ts';
import { NxsError } from '../core/errors.ts';
import type { Scheduler } from './scheduler.ts';
import type { TaskInput } from './task-input.ts';

/** The scheduler's API under /api/tasks: reads need a token, changes ADMIN. */
export function schedulerRoutes(scheduler: Scheduler): Route[] {
  return [
    { method: 'GET', path: '/api/tasks', access: needs('ADMIN'), handler: () => ({ body: { tasks: scheduler.list(), next_wake: scheduler.nextWake } }) },
    {
      method: 'GET',
      path: '/api/tasks/:name',
      access: needs('ADMIN'),
      handler: ({ params }) => ({ body: { task: scheduler.get(params.name!), runs: scheduler.runs(params.name!) } }),
    },
    {
      method: 'POST',
      path: '/api/tasks',
      access: needs('ADMIN'),
      handler: ({ body }) => {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NxsError('NXS_ERR_BAD_REQUEST', 'the body must be a JSON object describing the task');
        return { status: 201, body: { task: scheduler.add(body as TaskInput) } };
      },
    },
    {
      method: 'DELETE',
      path: '/api/tasks/:name',
      access: needs('ADMIN'),
      handler: ({ params }) => {
        scheduler.remove(params.name!);
        return { body: { removed: params.name } };
      },
    },
    {
      method: 'POST',
      path: '/api/tasks/:name/run',
      access: needs('ADMIN'),
      handler: ({ params }) => ({ body: { run: scheduler.runNow(params.name!) } }),
    },
  ];
}
