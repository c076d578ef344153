import { describe, expect, it } from 'vitest';
import { startTestHost } from '../../helpers/test-host.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { queueStep } from '../../../src/queue/boot-step.ts';
import { schedulerStep } from '../../../src/scheduler/boot-step.ts';
import { ERROR_CODE_HEADER } from '../../../src/http/respond.ts';

const steps = [hostRoutesStep, queueStep, schedulerStep];

describe('queue and tasks over HTTP', () => {
  it('runs the selftest end to end and shows stats, jobs and history', async () => {
    await using host = await startTestHost({ steps });
    expect((await host.api('/api/queue/stats', { token: null })).status).toBe(401);
    const st = await host.api('/api/queue/selftest', { method: 'POST', json: { n: 50, groups: 5 } });
    expect(st.status).toBe(200);
    expect(await st.json()).toMatchObject({ enqueued: 50, completed: 50, groups: 5 });
    const stats = (await (await host.api('/api/queue/stats')).json()) as { queues: Record<string, { done: number }> };
    expect(stats.queues.selftest?.done).toBe(50);
    const { runs } = (await (await host.api('/api/queue/history?queue=selftest&limit=5')).json()) as { runs: { outcome: string }[] };
    expect(runs.map((r) => r.outcome)).toEqual(['done', 'done', 'done', 'done', 'done']);
    const status = (await (await host.api('/api/status')).json()) as Record<string, unknown>;
    expect(status.queue).toMatchObject({ running: 0, unfinished: { selftest: 0 } });
  });

  it('answers bad input with a coded error naming the field, and 429 when full, writing nothing', async () => {
    await using host = await startTestHost({ steps });
    const unknown = await host.api('/api/queue/jobs', { method: 'POST', json: { queue: 'nope', payload: 1 } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get(ERROR_CODE_HEADER)).toBe('NXS_ERR_QUEUE_UNKNOWN');
    const badPrio = await host.api('/api/queue/jobs', { method: 'POST', json: { queue: 'selftest', payload: 1, priority: 'high' } });
    expect(badPrio.status).toBe(400);
    expect(((await badPrio.json()) as { error: string }).error).toMatch(/^priority must be/);
    const full = await host.api('/api/queue/selftest', { method: 'POST', json: { n: 100_000, groups: 1000 } });
    expect(full.status).toBe(429);
    expect(full.headers.get(ERROR_CODE_HEADER)).toBe('NXS_ERR_QUEUE_FULL');
    const { jobs } = (await (await host.api('/api/queue/jobs')).json()) as { jobs: unknown[] };
    expect(jobs).toEqual([]);
    const badCron = await host.api('/api/tasks', { method: 'POST', json: { name: 't', cron: 'every day', queue: 'selftest' } });
    expect(badCron.status).toBe(400);
    expect(((await badCron.json()) as { error: string }).error).toMatch(/^cron must be/);
    expect(((await (await host.api('/api/tasks')).json()) as { tasks: unknown[] }).tasks).toEqual([]);
    expect((await host.api('/api/queue/jobs/12345/retry', { method: 'POST' })).status).toBe(404);
  });

  it('adds, runs now and removes a task', async () => {
    await using host = await startTestHost({ steps });
    const add = await host.api('/api/tasks', { method: 'POST', json: { name: 'nightly', cron: '0 3 * * *', tz: 'Europe/Berlin', queue: 'selftest', payload: { k: 1 } } });
    expect(add.status).toBe(201);
    const run = (await (await host.api('/api/tasks/nightly/run', { method: 'POST' })).json()) as { run: { job_id: number } };
    expect(run.run.job_id).toBeGreaterThan(0);
    expect((await host.api('/api/tasks/nightly', { method: 'DELETE' })).status).toBe(200);
    expect((await host.api('/api/tasks/nightly', { method: 'DELETE' })).status).toBe(404);
  });
});
