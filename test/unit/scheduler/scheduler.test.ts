import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.ts';
import { makeQueue } from '../queue/queue-helpers.ts';

const H = 3_600_000;

async function fixture() {
  const f = await makeQueue();
  f.queue.declare({ name: 'work' });
  const seen: unknown[] = [];
  f.queue.process('work', async (p) => void seen.push(p));
  const scheduler = new Scheduler(f.ctx, f.queue);
  scheduler.start();
  return Object.assign(f, { scheduler, seen });
}

describe('scheduler', () => {
  it('fires an interval task on one exact timer and holds nothing else', async () => {
    await using f = await fixture();
    const t0 = f.clock.now();
    f.scheduler.add({ name: 'tick', every: '1m', queue: 'work', payload: { hello: 1 } });
    expect(f.clock.pending).toBe(1);
    expect(f.clock.nextDue).toBe(t0 + 60_000);
    await f.clock.advance(60_000);
    await f.queue.drain();
    expect(f.seen).toEqual([{ name: 'tick', scheduled_for: t0 + 60_000, hello: 1 }]);
    expect(f.clock.pending).toBe(1);
    expect(f.clock.nextDue).toBe(t0 + 120_000);
    const [run] = f.scheduler.runs('tick');
    expect(run).toMatchObject({ due_at: t0 + 60_000, reason: 'scheduled' });
    expect(f.queue.get(run!.job_id!)?.state).toBe('done');
    f.scheduler.remove('tick');
    expect(f.clock.pending).toBe(0);
  });

  it('runs a one-shot time once, then holds no timer', async () => {
    await using f = await fixture();
    const at = new Date(f.clock.now() + 5_000).toISOString();
    f.scheduler.add({ name: 'once', at, queue: 'work', payload: 'x' });
    await f.clock.advance(5_000);
    await f.queue.drain();
    expect(f.seen).toEqual(['x']);
    expect(f.scheduler.get('once').next_run).toBeNull();
    expect(f.clock.pending).toBe(0);
  });

  it('refuses bad input naming the field, writing nothing', async () => {
    await using f = await fixture();
    const bad: [Record<string, unknown>, string, string][] = [
      [{ name: 'a', cron: '61 * * * *', queue: 'work' }, 'NXS_ERR_TASK_INVALID', 'cron'],
      [{ name: 'a', cron: '0 9 * * *', tz: 'Mars/Olympus', queue: 'work' }, 'NXS_ERR_TASK_INVALID', 'tz'],
      [{ name: 'a', every: '5 minutes', queue: 'work' }, 'NXS_ERR_TASK_INVALID', 'every'],
      [{ name: 'a', at: '2001-01-01T00:00:00Z', queue: 'work' }, 'NXS_ERR_TASK_INVALID', 'at'],
      [{ name: 'a', every: '1m', cron: '* * * * *', queue: 'work' }, 'NXS_ERR_TASK_INVALID', 'schedule'],
      [{ name: 'a', every: '1m', queue: 'work', payload: 10n }, 'NXS_ERR_QUEUE_INVALID', 'payload'],
      [{ name: 'a', every: '1m', queue: 'work', missed: 'sometimes' }, 'NXS_ERR_TASK_INVALID', 'missed'],
      [{ name: 'a', every: '1m', queue: 'nope' }, 'NXS_ERR_QUEUE_UNKNOWN', 'queue'],
      [{ name: 'bad name!', every: '1m', queue: 'work' }, 'NXS_ERR_TASK_INVALID', 'name'],
    ];
    for (const [input, code, field] of bad) {
      expect(() => f.scheduler.add(input as never), JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? 'bigint' : v))).toThrow(
        expect.objectContaining({ code, details: expect.objectContaining({ field }) }),
      );
    }
    expect(f.scheduler.list()).toEqual([]);
    expect(f.clock.pending).toBe(0);
    f.scheduler.add({ name: 'a', every: '1m', queue: 'work' });
    expect(() => f.scheduler.add({ name: 'a', every: '1m', queue: 'work' })).toThrow(expect.objectContaining({ code: 'NXS_ERR_TASK_EXISTS' }));
  });

  it.each([
    ['skip', 0],
    ['once', 1],
    ['each', 3],
  ] as const)('applies missed policy %s for the time the host was down', async (missed, expected) => {
    await using f = await fixture();
    f.scheduler.add({ name: 'hourly', every: '1h', queue: 'work', payload: null, missed, maxLateness: '2h30m' });
    // The host goes down for 5 hours and a bit.
    f.scheduler.stop();
    f.clock.jump(5 * H + 60_000);
    const next = new Scheduler(f.ctx, f.queue);
    next.start();
    await f.queue.drain();
    expect(f.seen).toHaveLength(expected);
    const runs = next.runs('hourly');
    expect(runs.filter((r) => r.reason === 'scheduled')).toHaveLength(expected);
    if (expected < 5) expect(runs.some((r) => r.reason.startsWith('skipped'))).toBe(true);
    // A third start at the same moment fires nothing again: runs are recorded before they run.
    const again = new Scheduler(f.ctx, f.queue);
    again.start();
    await f.queue.drain();
    expect(f.seen).toHaveLength(expected);
    next.stop();
    again.stop();
  });

  it('run-now enqueues at once and leaves the schedule alone', async () => {
    await using f = await fixture();
    const t0 = f.clock.now();
    f.scheduler.add({ name: 'daily', cron: '0 9 * * *', tz: 'Europe/Paris', queue: 'work', payload: { k: 1 } });
    const before = f.scheduler.get('daily').next_run;
    const run = f.scheduler.runNow('daily');
    await f.queue.drain();
    expect(run).toMatchObject({ reason: 'manual', due_at: t0 });
    expect(f.seen).toEqual([{ name: 'daily', scheduled_for: t0, k: 1 }]);
    expect(f.scheduler.get('daily').next_run).toBe(before);
    expect(() => f.scheduler.runNow('nope')).toThrow(expect.objectContaining({ code: 'NXS_ERR_TASK_NOT_FOUND' }));
  });
});
