import type { Context } from '../core/context.ts';
import type { ProviderSpec } from './provider-spec.ts';
import { FallbackClient } from './client.ts';
import { CredentialStore, credentialStorePaths } from './credential-store.ts';
import type { ProviderObserver } from './observer.ts';

export interface CreateClientOptions {
  /** Extra providers (local servers found at boot). */
  chain?: ProviderSpec[];
  /** Asks for a missing key (CLI on a TTY only). */
  prompt?: (p: ProviderSpec) => Promise<string | undefined>;
  random?: () => number;
  /** The host's metrics (src/providers/observer.ts). */
  observer?: ProviderObserver;
}

/** Builds the fallback client from the context: the configured chain, the credential sources, the store. */
export function createFallbackClient(ctx: Context, opts: CreateClientOptions = {}): FallbackClient {
  const pc = ctx.config.providers;
  const store = new CredentialStore(credentialStorePaths(ctx.config.home, ctx.config.dataDir));
  for (const p of pc.chain) ctx.redactor.add(p.credential.value);
  return new FallbackClient({
    clock: ctx.clock,
    log: ctx.log.child({ part: 'providers' }),
    events: ctx.events,
    db: ctx.db,
    settings: pc.client,
    chain: opts.chain ?? pc.chain,
    credentials: { env: ctx.env, secretsDir: pc.client.secretsDir, store, prompt: opts.prompt, redact: (s) => ctx.redactor.add(s) },
    scrub: (t) => ctx.redactor.scrub(t),
    ...(opts.random ? { random: opts.random } : {}),
    ...(opts.observer ? { observer: opts.observer } : {}),
  });
}
