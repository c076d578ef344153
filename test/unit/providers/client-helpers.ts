import { makeTestContext, type TestContext } from '../../helpers/test-context.ts';
import { FakeClock, flushMicrotasks } from '../../helpers/fake-clock.ts';
import { createFallbackClient } from '../../../src/providers/create-client.ts';
import type { FallbackClient } from '../../../src/providers/client.ts';

export interface ClientRig {
  ctx: TestContext;
  clock: FakeClock;
  client: FallbackClient;
  env: Record<string, string>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A client over a temp store on a fake clock, with the given chain and llm_client settings. */
export async function makeClient(providers: Record<string, unknown>[], client: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<ClientRig> {
  const clock = new FakeClock();
  const ctx = await makeTestContext({ clock, env, config: { providers, llm_client: { retry_base_ms: 0, local_probe: [], secrets_dir: '/nonexistent-nxs-secrets', ...client } } });
  const c = createFallbackClient(ctx, { random: () => 0.5 });
  return {
    ctx,
    clock,
    client: c,
    env,
    async [Symbol.asyncDispose]() {
      await c.close();
      await ctx[Symbol.asyncDispose]();
    },
  };
}

/** Lets I/O and promise callbacks run until `cond` holds (no timing: bounded rounds of the event loop). */
export async function until(cond: () => boolean, rounds = 200_000): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error('condition never held');
}

export { flushMicrotasks };

export const msg = (content = 'hi') => ({ messages: [{ role: 'user' as const, content }] });
