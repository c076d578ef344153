import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { makeTestContext, type TestContext } from '../../../helpers/test-context.ts';
import { startFakeProvider, type FakeProvider } from '../../../helpers/fake-provider.ts';
import { flushMicrotasks } from '../../../helpers/fake-clock.ts';
import { SqliteQueue } from '../../../../src/queue/sqlite-queue.ts';
import { Assistant } from '../../../../src/assistant/assistant.ts';
import { readDiskSpace } from '../../../../src/detect/disk-space.ts';
import { httpChannel } from '../../../../src/assistant/channels/http-channel.ts';
import { identityDirOf, seedIdentity } from '../../../../src/assistant/identity/identity-files.ts';
import { FakeLlmClient } from './fake-llm-client.ts';

export interface Rig {
  ctx: TestContext;
  fake: FakeProvider;
  llm: FakeLlmClient;
  queue: SqliteQueue;
  assistant: Assistant;
  identityDir: string;
  /** Runs the queue until nothing is ready to run (delayed retries stay delayed). */
  settle(): Promise<void>;
  /** A second assistant on the same store, as after a restart (the first must be stopped). */
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A real context on a temp store, the real SQLite queue, an assistant, and an LLM client backed by a fake provider on loopback. */
export async function makeRig(opts: { assistant?: Record<string, unknown>; withChannels?: (r: Rig) => void } = {}): Promise<Rig> {
  const ctx = await makeTestContext({ config: { assistant: { files: { enabled: false }, ...(opts.assistant ?? {}) } } });
  const fake = await startFakeProvider({ name: 'fake' });
  const llm = new FakeLlmClient(fake.url);
  const identityDir = identityDirOf(ctx.config.dataDir);
  mkdirSync(identityDir, { recursive: true });
  seedIdentity(identityDir, ctx.paths.identityDir, ctx.log);
  let queue = new SqliteQueue(ctx, {});
  // On a host the resource monitor's last look; here one real reading of the temp folder's disk.
  const { freeBytes } = await readDiskSpace(ctx.config.dataDir);
  const freeDiskBytes = (): number => freeBytes;
  let assistant = new Assistant({ ctx, cfg: ctx.config.assistant, queue, llm, identityDir, freeDiskBytes });
  assistant.addChannel(httpChannel);
  let stop = (): void => {};
  const rig: Rig = {
    ctx,
    fake,
    llm,
    queue,
    assistant,
    identityDir,
    async settle() {
      for (let i = 0; i < 500; i++) {
        await flushMicrotasks();
        await rig.queue.drain();
        await flushMicrotasks();
        const s = rig.queue.stats().queues;
        const ready = Object.values(s).reduce((n, q) => n + q.queued - q.delayed + q.running, 0);
        if (ready <= 0 && rig.queue.runningCount === 0) return;
      }
      throw new Error('queue did not settle');
    },
    async restart() {
      stop();
      await rig.queue.stop(1000);
      queue = new SqliteQueue(ctx, {});
      queue.recover();
      assistant = new Assistant({ ctx, cfg: ctx.config.assistant, queue, llm, identityDir, freeDiskBytes });
      assistant.addChannel(httpChannel);
      rig.queue = queue;
      rig.assistant = assistant;
      opts.withChannels?.(rig);
      stop = assistant.start();
    },
    async [Symbol.asyncDispose]() {
      stop();
      for (const name of ['telegram', 'files']) await rig.assistant.channel(name)?.stop?.();
      await rig.queue.stop(1000);
      await fake.close();
      await ctx[Symbol.asyncDispose]();
    },
  };
  opts.withChannels?.(rig);
  stop = assistant.start();
  return rig;
}

export function dataPath(rig: Rig, ...p: string[]): string {
  return path.join(rig.ctx.config.dataDir, ...p);
}
