import type { Clock } from '../core/clock.ts';
import type { ProviderSpec } from './provider-spec.ts';
import { resolveCredential, type CredentialSources, type ResolvedCredential } from './credentials.ts';

/** How long a resolved credential is used before its sources are read again. */
export const CREDENTIAL_RECHECK_MS = 1_000;

/**
 * Each provider's resolved credential, read again from its sources (environment,
 * secret files, the encrypted store, the config) at most once per
 * CREDENTIAL_RECHECK_MS. Resolving on every call cost the door's path two or
 * three stat() calls and the environment lookups per request (11 us of its
 * ~80 us before the upstream call, measured); a key rotated in a mounted
 * secret or with `nxs secrets set` is still picked up within a second, without
 * a restart. Keyed by the spec object: the chain's specs are long-lived, and a
 * one-off spec (a probe's copy) simply resolves afresh.
 */
export class CredentialCache {
  private readonly entries = new WeakMap<ProviderSpec, { at: number; credential: ResolvedCredential }>();
  private readonly clock: Clock;
  private readonly sources: CredentialSources;

  constructor(clock: Clock, sources: CredentialSources) {
    this.clock = clock;
    this.sources = sources;
  }

  /** The provider's credential; a promise only when it has to ask a person (resolveCredential). */
  resolve(p: ProviderSpec): ResolvedCredential | Promise<ResolvedCredential> {
    const now = this.clock.monotonic();
    const hit = this.entries.get(p);
    if (hit && now - hit.at < CREDENTIAL_RECHECK_MS) return hit.credential;
    const pending = resolveCredential(p, this.sources);
    // An answer typed at a prompt is not kept: asking is the CLI's, once per command.
    if (!(pending instanceof Promise)) this.entries.set(p, { at: now, credential: pending });
    return pending;
  }

  /** The provider refused its credential: the next call reads the sources again (the key may have just been replaced). */
  forget(p: ProviderSpec): void {
    this.entries.delete(p);
  }
}
