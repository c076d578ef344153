import { describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../../src/queue/sqlite-queue.ts';
import { nextLaneSize } from '../../../src/queue/lane.ts';
import { flushMicrotasks } from '../../helpers/fake-clock.ts';
import { makeQueue, deferred } from './queue-helpers.ts';

describe('lanes: a group runs back to back without a commit between jobs', () => {
  it.each([
    [1, true, 64, 2],
    [32, true, 64, 64],
    [64, true, 64, 64],
    [64, false, 64, 32],
    [1, false, 64, 1],
  ])('nextLaneSize(%i, ran all %s, max %i) = %i', (cur, ranAll, max, expected) => {
    expect(nextLaneSize(cur, ranAll, max)).toBe(expected);
  });

  it('gives followers back when a job fails mid-lane, keeping the group in order', async () => {
    await using f = await makeQueue({ laneBudgetMs: 1e9 });
    f.queue.declare({ name: 'q' });
    const seen: number[] = [];
    let failOnce = true;
    f.queue.process<number>('q', async (n) => {
      seen.push(n);
      if (n === 5 && failOnce) {
        failOnce = false;
        throw new Error('five fails once');
      }
    });
    // Warm the lane size up with a first batch, then a long one.
    for (let n = 0; n < 40; n++) f.queue.enqueue({ queue: 'q', group: 'g', payload: n < 5 ? n : n });
    await f.queue.drain();
    expect(seen.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(f.queue.list({ state: 'running' })).toEqual([]);
    const stats = f.queue.stats().queues.q!;
    expect(stats).toMatchObject({ running: 0, done: 5, queued: 35 });
    await f.clock.advance(f.clock.nextDue! - f.clock.now());
    await f.queue.drain();
    expect(seen.slice(6)).toEqual([...Array(35).keys()].map((i) => i + 5));
    // Released followers kept their attempt count: each ran exactly once.
    expect(f.queue.list({ state: 'done', limit: 100 }).filter((j) => j.attempts !== 1).map((j) => j.payload)).toEqual([5]);
  });

  it('a crash in the middle of a lane re-runs its claimed jobs in group order', async () => {
    await using f = await makeQueue({ laneBudgetMs: 1e9 });
    f.queue.declare({ name: 'q' });
    const seen: number[] = [];
    const hang = deferred();
    f.queue.process<number>('q', async (n) => {
      seen.push(n);
      if (n === 52) await hang.promise;
    });
    // Warm up: lanes grow while they run all their jobs.
    for (let n = 0; n < 40; n++) f.queue.enqueue({ queue: 'q', group: 'warm', payload: n });
    await f.queue.drain();
    for (let n = 50; n < 80; n++) f.queue.enqueue({ queue: 'q', group: 'g', payload: n });
    await flushMicrotasks();
    // 50 and 51 ran in this lane too; their outcomes wait for the lane's commit.
    expect(seen.slice(-3)).toEqual([50, 51, 52]);
    // The process "dies": past the stop deadline it lets go with the lane still claimed.
    const stopping = f.queue.stop(10);
    await f.clock.advance(10);
    await stopping;
    // The stop committed what finished; the hung job and the followers behind it stay claimed.
    const running = f.queue.list({ state: 'running', limit: 100 }).map((j) => j.payload as number).sort((a, b) => a - b);
    expect(running[0]).toBe(52);
    expect(running.length).toBeGreaterThan(1);
    expect(f.queue.list({ group: 'g', state: 'done' }).map((j) => j.payload)).toEqual([51, 50]);
    const after = new SqliteQueue(f.ctx, { random: () => 0 });
    after.declare({ name: 'q' });
    expect(after.recover()).toEqual({ requeued: running.length, dead: 0 });
    const rerun: number[] = [];
    after.process<number>('q', async (n) => void rerun.push(n));
    await after.drain();
    expect(rerun).toEqual([...Array(28).keys()].map((i) => i + 52));
    const id52 = after.list({ limit: 100 }).find((j) => j.payload === 52)!.id;
    expect(after.history({ jobId: id52 }).map((r) => r.outcome)).toEqual(['done', 'interrupted']);
    await after.stop(10);
  });
});
