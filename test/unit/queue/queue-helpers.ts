import { makeTestContext, type TestContext } from '../../helpers/test-context.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { SqliteQueue, type QueueOptions } from '../../../src/queue/sqlite-queue.ts';
import type { TierName } from '../../../src/config/schema.ts';

export interface QueueFixture {
  ctx: TestContext;
  clock: FakeClock;
  queue: SqliteQueue;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A queue on a real temp store with a fake clock; jitter fixed at 0 unless given. */
export async function makeQueue(opts: QueueOptions & { tier?: TierName; clock?: FakeClock } = {}): Promise<QueueFixture> {
  const clock = opts.clock ?? new FakeClock();
  const ctx = await makeTestContext({ clock, tier: opts.tier ?? 'standard' });
  const queue = new SqliteQueue(ctx, { random: () => 0, ...opts });
  return {
    ctx,
    clock,
    queue,
    async [Symbol.asyncDispose]() {
      // A zero deadline on the fake clock: a test that failed with a hung handler still cleans up.
      const stopping = queue.stop(0);
      await clock.advance(0);
      await stopping;
      await ctx[Symbol.asyncDispose]();
    },
  };
}

/** A promise with its resolver, for handlers the test releases by hand. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
