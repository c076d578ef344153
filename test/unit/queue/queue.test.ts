import { describe, expect, it } from 'vitest';
import { NxsError } from '../../../src/core/errors.ts';
import { SqliteQueue } from '../../../src/queue/sqlite-queue.ts';
import { flushMicrotasks } from '../../helpers/fake-clock.ts';
import { PROFILES } from '../../../src/detect/profile.ts';
import { makeQueue, deferred } from './queue-helpers.ts';

describe('queue: enqueue and process', () => {
  it('runs a job enqueued while idle at once, and records the attempt', async () => {
    await using f = await makeQueue();
    f.queue.declare({ name: 'mail' });
    const seen: unknown[] = [];
    f.queue.process<{ to: string }>('mail', async (p, job) => void seen.push([p.to, job.attempt]));
    await f.queue.drain();
    const job = f.queue.enqueue({ queue: 'mail', payload: { to: 'ann' } });
    await f.queue.drain();
    expect(seen).toEqual([['ann', 1]]);
    expect(f.queue.get(job.id)?.state).toBe('done');
    const [run] = f.queue.history({ jobId: job.id });
    expect(run).toMatchObject({ job_id: job.id, attempt: 1, outcome: 'done' });
    expect(f.clock.pending).toBe(0);
  });

  it('keeps enqueue order within a group while groups run side by side up to the concurrency', async () => {
    await using f = await makeQueue();
    f.queue.declare({ name: 'chat' });
    const order = new Map<string, number[]>();
    let running = 0;
    let peak = 0;
    const perGroupRunning = new Map<string, number>();
    f.queue.process<{ g: string; n: number }>('chat', async (p) => {
      running++;
      peak = Math.max(peak, running);
      perGroupRunning.set(p.g, (perGroupRunning.get(p.g) ?? 0) + 1);
      expect(perGroupRunning.get(p.g)).toBe(1);
      for (let i = 0; i < (p.n * 7) % 3; i++) await new Promise((r) => setImmediate(r));
      order.set(p.g, [...(order.get(p.g) ?? []), p.n]);
      perGroupRunning.set(p.g, perGroupRunning.get(p.g)! - 1);
      running--;
    });
    for (let n = 0; n < 30; n++) for (const g of ['a', 'b', 'c', 'd', 'e', 'f']) f.queue.enqueue({ queue: 'chat', group: g, payload: { g, n }, priority: n % 2 });
    await f.queue.drain();
    for (const g of ['a', 'b', 'c', 'd', 'e', 'f']) expect(order.get(g)).toEqual([...Array(30).keys()]);
    expect(peak).toBe(PROFILES.standard.workerConcurrency);
  });

  it('runs higher priority first among ready jobs', async () => {
    await using f = await makeQueue({ tier: 'minimal' });
    f.queue.declare({ name: 'q' });
    for (const p of [0, 5, 1, 9]) f.queue.enqueue({ queue: 'q', payload: p, priority: p });
    const seen: number[] = [];
    f.queue.process<number>('q', async (p) => void seen.push(p));
    await f.queue.drain();
    expect(seen).toEqual([9, 5, 1, 0]);
  });

  it('follows a tier change: more slots at once', async () => {
    await using f = await makeQueue({ tier: 'minimal' });
    f.queue.declare({ name: 'q' });
    const gates = [deferred(), deferred(), deferred()];
    let started = 0;
    f.queue.process<number>('q', async (i) => {
      started++;
      await gates[i]!.promise;
    });
    for (let i = 0; i < 3; i++) f.queue.enqueue({ queue: 'q', payload: i });
    await flushMicrotasks();
    expect(started).toBe(1);
    f.ctx.profile.set(PROFILES.standard, 'test');
    await flushMicrotasks();
    expect(started).toBe(3);
    gates.forEach((g) => g.resolve());
    await f.queue.drain();
  });
});

describe('queue: delayed jobs and retries wake one exact timer', () => {
  it('holds one timer at the next due time and none when idle', async () => {
    await using f = await makeQueue();
    f.queue.declare({ name: 'q' });
    const seen: string[] = [];
    f.queue.process<string>('q', async (p) => void seen.push(p));
    await f.queue.drain();
    expect(f.clock.pending).toBe(0);
    const t0 = f.clock.now();
    f.queue.enqueue({ queue: 'q', payload: 'late', runAt: t0 + 60_000 });
    f.queue.enqueue({ queue: 'q', payload: 'soon', runAt: t0 + 1_000 });
    expect(f.clock.pending).toBe(1);
    expect(f.clock.nextDue).toBe(t0 + 1_000);
    await f.clock.advance(999);
    expect(seen).toEqual([]);
    await f.clock.advance(1);
    await f.queue.drain();
    expect(seen).toEqual(['soon']);
    expect(f.clock.pending).toBe(1);
    expect(f.clock.nextDue).toBe(t0 + 60_000);
    await f.clock.advance(59_000);
    await f.queue.drain();
    expect(seen).toEqual(['soon', 'late']);
    expect(f.clock.pending).toBe(0);
  });

  it('retries with backoff, then dead-letters with payload and last error, and re-runs on retry', async () => {
    await using f = await makeQueue();
    f.queue.declare({ name: 'q', maxAttempts: 3, backoff: { baseMs: 1000, maxMs: 60_000 } });
    let fail = true;
    const attempts: number[] = [];
    f.queue.process<{ x: number }>('q', async (_p, job) => {
      attempts.push(job.attempt);
      if (fail) throw new Error(`boom ${job.attempt}`);
    });
    const job = f.queue.enqueue({ queue: 'q', payload: { x: 1 } });
    await f.queue.drain();
    expect(f.queue.get(job.id)).toMatchObject({ state: 'queued', attempts: 1, lastError: 'boom 1' });
    expect(f.clock.nextDue).toBe(f.clock.now() + 500); // base 1000 * jitter 0.5
    await f.clock.advance(500);
    await f.queue.drain();
    expect(f.clock.nextDue).toBe(f.clock.now() + 1000);
    await f.clock.advance(1000);
    await f.queue.drain();
    expect(attempts).toEqual([1, 2, 3]);
    expect(f.queue.get(job.id)).toMatchObject({ state: 'dead', payload: { x: 1 }, lastError: 'boom 3' });
    expect(f.clock.pending).toBe(0);
    expect(f.queue.stats().queues.q).toMatchObject({ dead: 1, queued: 0 });
    fail = false;
    expect(f.queue.retry(job.id).state).toBe('queued');
    await f.queue.drain();
    expect(f.queue.get(job.id)?.state).toBe('done');
    expect(() => f.queue.retry(job.id)).toThrow(expect.objectContaining({ code: 'NXS_ERR_JOB_NOT_DEAD' }));
    expect(() => f.queue.retry(99_999)).toThrow(expect.objectContaining({ code: 'NXS_ERR_JOB_NOT_FOUND' }));
  });

  it('sends a job straight to dead when its error code is not retried, and the group moves on', async () => {
    await using f = await makeQueue();
    f.queue.declare({ name: 'q', retryByCode: { NXS_ERR_FORBIDDEN: false } });
    const seen: number[] = [];
    const dead: unknown[] = [];
    f.ctx.events.on('queue.job.dead', (e) => dead.push(e));
    f.queue.process<number>('q', async (n) => {
      seen.push(n);
      if (n === 1) throw new NxsError('NXS_ERR_FORBIDDEN', 'no');
    });
    const first = f.queue.enqueue({ queue: 'q', group: 'g', payload: 1 });
    f.queue.enqueue({ queue: 'q', group: 'g', payload: 2 });
    await f.queue.drain();
    expect(seen).toEqual([1, 2]);
    expect(f.queue.get(first.id)).toMatchObject({ state: 'dead', attempts: 1 });
    expect(dead).toEqual([expect.objectContaining({ id: first.id, code: 'NXS_ERR_FORBIDDEN' })]);
    expect(f.queue.purgeDead('q')).toBe(1);
    expect(f.queue.get(first.id)).toBeNull();
  });

  it('a retrying job holds its group: later jobs of the group wait for it', async () => {
    await using f = await makeQueue();
    f.queue.declare({ name: 'q' });
    const seen: string[] = [];
    let failures = 1;
    f.queue.process<string>('q', async (p) => {
      seen.push(p);
      if (p === 'a' && failures-- > 0) throw new Error('once');
    });
    f.queue.enqueue({ queue: 'q', group: 'g', payload: 'a' });
    f.queue.enqueue({ queue: 'q', group: 'g', payload: 'b' });
    f.queue.enqueue({ queue: 'q', group: 'h', payload: 'c' });
    await f.queue.drain();
    expect(seen).toEqual(['a', 'c']);
    await f.clock.advance(f.clock.nextDue! - f.clock.now());
    await f.queue.drain();
    expect(seen).toEqual(['a', 'c', 'a', 'b']);
  });
});

describe('queue: leases', () => {
  it('aborts an attempt that outlives its lease, frees the slot and retries it', async () => {
    await using f = await makeQueue({ tier: 'minimal' });
    f.queue.declare({ name: 'q', leaseMs: 1_000, backoff: { baseMs: 100, maxMs: 100 } });
    const signals: AbortSignal[] = [];
    const seen: string[] = [];
    f.queue.process<string>('q', (p, job) => {
      seen.push(`${p}#${job.attempt}`);
      signals.push(job.signal);
      return p === 'hang' && job.attempt === 1 ? new Promise<void>(() => {}) : Promise.resolve();
    });
    const hung = f.queue.enqueue({ queue: 'q', payload: 'hang' });
    f.queue.enqueue({ queue: 'q', payload: 'next' });
    await flushMicrotasks();
    expect(seen).toEqual(['hang#1']);
    expect(f.clock.pending).toBe(1); // the lease timer of the running attempt
    await f.clock.advance(1_000);
    await f.queue.drain();
    expect(signals[0]!.aborted).toBe(true);
    expect(seen).toEqual(['hang#1', 'next#1']);
    expect(f.queue.get(hung.id)).toMatchObject({ state: 'queued', lastError: expect.stringMatching(/lease of 1000 ms/) });
    await f.clock.advance(100);
    await f.queue.drain();
    expect(seen).toEqual(['hang#1', 'next#1', 'hang#2']);
    expect(f.clock.pending).toBe(0);
  });
});

describe('queue: hygiene', () => {
  it('keeps registered secrets out of the stored last error and the logs', async () => {
    await using f = await makeQueue();
    f.ctx.redactor.add('sk-live-SECRET123456');
    f.queue.declare({ name: 'q', maxAttempts: 1 });
    f.queue.process('q', async () => {
      throw new Error('provider refused key sk-live-SECRET123456');
    });
    const job = f.queue.enqueue({ queue: 'q', payload: 1 });
    await f.queue.drain();
    expect(f.queue.get(job.id)?.lastError).toBe('provider refused key [REDACTED]');
    expect(f.queue.history({ jobId: job.id })[0]?.error).toBe('provider refused key [REDACTED]');
    expect(f.ctx.logLines.join('\n')).not.toContain('SECRET123456');
  });

  it('prunes done jobs and attempts past retention every N completions', async () => {
    await using f = await makeQueue({ maintenanceEvery: 10, retentionMs: 60_000 });
    f.queue.declare({ name: 'q' });
    f.queue.process('q', async () => {});
    for (let i = 0; i < 5; i++) f.queue.enqueue({ queue: 'q', payload: i });
    await f.queue.drain();
    f.clock.jump(120_000);
    for (let i = 0; i < 5; i++) f.queue.enqueue({ queue: 'q', payload: i });
    await f.queue.drain();
    // The tenth completion ran maintenance: the first five (older than 60 s) are gone.
    expect(f.queue.stats().queues.q?.done).toBe(5);
    expect(f.queue.history({ limit: 100 })).toHaveLength(5);
    expect(f.clock.pending).toBe(0);
  });
});

describe('queue: input and bounds', () => {
  it('yields one job for one idempotency key', async () => {
    await using f = await makeQueue();
    f.queue.declare({ name: 'q' });
    const a = f.queue.enqueue({ queue: 'q', payload: 1, idempotencyKey: 'k' });
    const b = f.queue.enqueue({ queue: 'q', payload: 2, idempotencyKey: 'k' });
    expect(b.id).toBe(a.id);
    expect(b.payload).toBe(1);
    expect(f.queue.list({ queue: 'q' })).toHaveLength(1);
  });

  it('refuses unknown queues and unserialisable payloads naming the field, writing nothing', async () => {
    await using f = await makeQueue();
    f.queue.declare({ name: 'q' });
    expect(() => f.queue.enqueue({ queue: 'nope', payload: 1 })).toThrow(expect.objectContaining({ code: 'NXS_ERR_QUEUE_UNKNOWN', details: expect.objectContaining({ field: 'queue' }) }));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const payload of [10n, cyclic, () => 1, undefined, { n: 1n }]) {
      expect(() => f.queue.enqueue({ queue: 'q', payload })).toThrow(expect.objectContaining({ code: 'NXS_ERR_QUEUE_INVALID', details: expect.objectContaining({ field: 'payload' }) }));
    }
    expect(() => f.queue.enqueue({ queue: 'q', payload: 1, priority: 1.5 })).toThrow(/priority must be/);
    expect(() => f.queue.enqueue({ queue: 'q', payload: 1, runAt: -1 })).toThrow(/runAt must be/);
    expect(f.queue.list()).toEqual([]);
  });

  it('fails at once with NXS_ERR_QUEUE_FULL at the tier bound, per queue and per group', async () => {
    await using f = await makeQueue({ tier: 'minimal' });
    f.queue.declare({ name: 'q' });
    const { maxPerGroup, maxPerQueue } = PROFILES.minimal.queue;
    const backlog: unknown[] = [];
    f.ctx.events.on('queue.backlog', (e) => backlog.push(e));
    for (let i = 0; i < maxPerGroup; i++) f.queue.enqueue({ queue: 'q', group: 'g', payload: i });
    expect(() => f.queue.enqueue({ queue: 'q', group: 'g', payload: 'x' })).toThrow(expect.objectContaining({ code: 'NXS_ERR_QUEUE_FULL' }));
    for (let i = maxPerGroup; i < maxPerQueue; i++) f.queue.enqueue({ queue: 'q', payload: i });
    expect(() => f.queue.enqueue({ queue: 'q', payload: 'x' })).toThrow(expect.objectContaining({ code: 'NXS_ERR_QUEUE_FULL' }));
    expect(f.queue.stats().queues.q?.queued).toBe(maxPerQueue);
    // The doctor heard once, at 80% of the bound.
    expect(backlog).toEqual([{ queue: 'q', depth: maxPerQueue * 0.8, limit: maxPerQueue }]);
    // Work frees room.
    f.queue.process('q', async () => {});
    await f.queue.drain();
    f.queue.enqueue({ queue: 'q', group: 'g', payload: 'again' });
  });
});

describe('queue: crash recovery', () => {
  it('claims again a job a crash left running, keeping its group order; gives up after max attempts', async () => {
    await using f = await makeQueue();
    f.queue.declare({ name: 'q', maxAttempts: 2 });
    const hang = deferred();
    f.queue.process<string>('q', () => hang.promise);
    const a = f.queue.enqueue({ queue: 'q', group: 'g', payload: 'a' });
    f.queue.enqueue({ queue: 'q', group: 'g', payload: 'b' });
    await flushMicrotasks();
    expect(f.queue.get(a.id)?.state).toBe('running');
    // The first process stops with its handler hung: past the deadline it lets go, the job stays 'running'.
    const stopping = f.queue.stop(50);
    await f.clock.advance(50);
    await stopping;
    expect(f.queue.get(a.id)?.state).toBe('running');
    // A second queue on the same store stands for the next process after a kill.
    const next = new SqliteQueue(f.ctx, { random: () => 0 });
    next.declare({ name: 'q', maxAttempts: 2 });
    expect(next.recover()).toEqual({ requeued: 1, dead: 0 });
    const seen: string[] = [];
    next.process<string>('q', async (p) => void seen.push(p));
    await next.drain();
    expect(seen).toEqual(['a', 'b']);
    expect(next.history({ jobId: a.id }).map((r) => r.outcome)).toEqual(['done', 'interrupted']);
    await next.stop(100);
  });
});
