import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { EventBus } from '../core/events.ts';
import { NxsError } from '../core/errors.ts';
import { sleep } from '../core/clock.ts';
import type { AttemptRecord, CallOptions } from './types.ts';
import type { ProviderSpec } from './provider-spec.ts';
import type { ClientSettings } from './config.ts';
import { classifyProviderError } from './classify.ts';
import { availability, credentialStillRefused, recordCredentialRefused, recordFailure, recordRateLimit, recordSuccess, type BreakerPolicy } from './breaker.ts';
import type { HealthStore } from './health-store.ts';
import type { ResolvedCredential } from './credentials.ts';
import type { CredentialCache } from './credential-cache.ts';
import { UpstreamFailure, describeFailure } from './upstream-failure.ts';
import { abortedError } from './transport.ts';

export interface RunnerDeps {
  clock: Clock;
  log: Logger;
  events: EventBus;
  health: HealthStore;
  settings: ClientSettings;
  credentials: CredentialCache;
  random: () => number;
  /** Removes registered secrets from text that came from a provider (error bodies can echo a key). */
  scrub: (text: string) => string;
  /** Providers with a half-open probe in flight: other calls skip them until it settles. */
  probing: Set<string>;
  /** Providers resting after a 429, to when (clock.now()): only these are worth waiting for. */
  rateLimited: Map<string, number>;
}

export type Attempt<T> = (p: ProviderSpec, apiKey: string | undefined, signal: AbortSignal | undefined) => Promise<T>;

export interface ChainWin<T> {
  value: T;
  provider: ProviderSpec;
  attempts: AttemptRecord[];
}

/** Every provider failed: carries the attempts so callers can fall back to the cache or defer. */
export class ChainExhausted extends Error {
  readonly attempts: AttemptRecord[];
  /** When the first resting provider of those tried comes back (Retry-After for the caller), if known. */
  readonly retryAfterMs: number | undefined;
  constructor(attempts: AttemptRecord[], retryAfterMs?: number) {
    super(`every LLM provider failed: ${attempts.map((a) => `${a.provider} ${a.outcome}${a.reason ? ` (${a.reason})` : ''}`).join('; ') || 'no provider is configured'}`);
    this.name = 'ChainExhausted';
    this.attempts = attempts;
    this.retryAfterMs = retryAfterMs;
  }
}

export function policyOf(s: ClientSettings): BreakerPolicy {
  return { failuresToOpen: s.breakerFailures, cooldownBaseMs: s.cooldownBaseMs, cooldownMaxMs: s.cooldownMaxMs };
}

/**
 * Walks the given providers in order, retrying each as classifyProviderError
 * decides, and returns the first success. Health (breakers, cooldowns,
 * refused credentials) is read before and written after every attempt. When
 * every provider failed and some only asked to wait (429 + Retry-After), the
 * first of those to come back is waited for, once, if the wait fits the
 * call's budget: a rate limit is routed around, and waited out only when
 * nothing else can answer.
 *
 * `force` tries providers even while they rest or their credential stands refused (`nxs providers test`).
 */
export async function runChain<T>(deps: RunnerDeps, order: readonly ProviderSpec[], opts: CallOptions, attempt: Attempt<T>, force = false): Promise<ChainWin<T>> {
  const { clock } = deps;
  const attempts: AttemptRecord[] = [];
  const deadline = clock.monotonic() + (opts.latencyBudgetMs ?? deps.settings.latencyBudgetMs);
  const state = { tooSmall: 0 };
  for (const p of order) {
    const won = await visit(deps, p, opts, deadline, attempts, attempt, state, force);
    if (won) return { value: won.value, provider: p, attempts };
  }
  const waited = new Set<string>();
  for (;;) {
    const next = firstBackFromRateLimit(deps, order, attempts, waited);
    if (!next) break;
    const waitMs = Math.max(0, next.until - clock.now());
    if (waitMs >= deadline - clock.monotonic()) break;
    waited.add(next.p.name);
    deps.log.debug({ provider: next.p.name, waitMs }, 'every provider failed; waiting out a rate limit');
    if (waitMs > 0) {
      await sleep(clock, waitMs, opts.signal).catch(() => {
        throw abortedError(opts.signal!);
      });
    }
    const won = await visit(deps, next.p, opts, deadline, attempts, attempt, state, force);
    if (won) return { value: won.value, provider: next.p, attempts };
  }
  throw new ChainExhausted(attempts, backIn(deps, order));
}

/** One provider's turn: skipped (resting, probing, too small, credential refused), or tried with its retries. */
async function visit<T>(deps: RunnerDeps, p: ProviderSpec, opts: CallOptions, deadline: number, attempts: AttemptRecord[], attempt: Attempt<T>, state: { tooSmall: number }, force: boolean): Promise<{ value: T } | null> {
  const { clock, health } = deps;
  if (opts.signal?.aborted) throw abortedError(opts.signal);
  const h = health.get(p.name);
  const avail = force ? 'usable' : availability(h, clock.now());
  if (avail === 'resting' || (avail === 'probe' && deps.probing.has(p.name))) {
    const limited = (deps.rateLimited.get(p.name) ?? 0) > clock.now();
    attempts.push({
      provider: p.name,
      outcome: 'skipped',
      reason: avail === 'resting' ? `${limited ? 'rate limited' : 'resting after failures'} until ${new Date(h.openUntil).toISOString()}` : 'a half-open probe is in flight',
      ms: 0,
      ...(limited ? { cause: 'rate_limit' as const } : {}),
    });
    return null;
  }
  if (state.tooSmall > 0 && p.contextWindow !== undefined && p.contextWindow <= state.tooSmall) {
    attempts.push({ provider: p.name, outcome: 'skipped', reason: 'context window no larger than one that was too small', ms: 0, cause: 'context_length' });
    return null;
  }
  const pending = deps.credentials.resolve(p);
  const cred = pending instanceof Promise ? await pending : pending;
  if (!force && credentialStillRefused(h, cred.fingerprint)) {
    attempts.push({ provider: p.name, outcome: 'skipped', reason: 'credential refused earlier and unchanged', ms: 0 });
    return null;
  }
  if (h.credentialFp !== null) health.set({ ...h, credentialFp: null });
  if (avail === 'probe') {
    health.set({ ...health.get(p.name), state: 'half-open' });
    deps.probing.add(p.name);
  }
  try {
    return await tryProvider(deps, p, cred, deadline, opts, attempts, attempt, () => (state.tooSmall = Math.max(state.tooSmall, p.contextWindow ?? 0)));
  } finally {
    if (avail === 'probe') deps.probing.delete(p.name);
  }
}

/** Of the providers this call found rate limited (their last attempt says so), the one not yet waited for that comes back first. */
function firstBackFromRateLimit(deps: RunnerDeps, order: readonly ProviderSpec[], attempts: AttemptRecord[], waited: Set<string>): { p: ProviderSpec; until: number } | null {
  let best: { p: ProviderSpec; until: number } | null = null;
  for (const p of order) {
    const until = deps.rateLimited.get(p.name);
    if (until === undefined || waited.has(p.name)) continue;
    if (attempts.findLast((a) => a.provider === p.name)?.cause !== 'rate_limit') continue;
    if (!best || until < best.until) best = { p, until };
  }
  return best;
}

/** Milliseconds until the first resting provider of `order` may be tried again (a breaker cooldown or a rate limit). */
function backIn(deps: RunnerDeps, order: readonly ProviderSpec[]): number | undefined {
  const now = deps.clock.now();
  let first: number | undefined;
  for (const p of order) {
    const h = deps.health.get(p.name);
    if (h.state !== 'open' || h.openUntil <= now || h.credentialFp !== null) continue;
    first = first === undefined ? h.openUntil : Math.min(first, h.openUntil);
  }
  return first === undefined ? undefined : first - now;
}

/** Tries one provider with its retries; resolves the value, or null to move on. Throws for the caller's own errors. */
async function tryProvider<T>(deps: RunnerDeps, p: ProviderSpec, cred: ResolvedCredential, deadline: number, opts: CallOptions, attempts: AttemptRecord[], attempt: Attempt<T>, tooSmallContext: () => void): Promise<{ value: T } | null> {
  const { clock, health } = deps;
  for (let n = 1; ; n++) {
    const t0 = clock.monotonic();
    try {
      const value = await attempt(p, cred.value, opts.signal);
      health.set(recordSuccess(health.get(p.name), clock.now()));
      if (deps.rateLimited.size) deps.rateLimited.delete(p.name);
      attempts.push({ provider: p.name, outcome: 'ok', ms: clock.monotonic() - t0 });
      return { value };
    } catch (err) {
      if (!(err instanceof UpstreamFailure)) throw err;
      const ms = clock.monotonic() - t0;
      const d = classifyProviderError({ failure: err.failure, attempt: n, retries: p.retries, budgetLeftMs: deadline - clock.monotonic(), retryBaseMs: deps.settings.retryBaseMs, random: deps.random() });
      const f = err.failure;
      // Network and timeout reasons already say it all; HTTP and malformed answers add the provider's words.
      const detail = deps.scrub(f.kind === 'http' || f.kind === 'malformed' ? `${d.reason}: ${describeFailure(f)}` : d.reason);
      if (d.action === 'retry') {
        attempts.push({ provider: p.name, outcome: 'retry', reason: detail, ms });
        deps.log.debug({ provider: p.name, attempt: n, waitMs: d.waitMs, reason: detail }, 'provider call failed; retrying');
        if (d.waitMs > 0) {
          await sleep(clock, d.waitMs, opts.signal).catch(() => {
            throw abortedError(opts.signal!);
          });
        }
        continue;
      }
      if (d.action === 'return') {
        attempts.push({ provider: p.name, outcome: 'caller-error', reason: detail, ms });
        // The upstream's own status, code, param and headers travel along: the door passes a 4xx on as it came.
        const upstream = f.kind === 'http' ? { status: f.status, code: f.errorCode, type: f.errorType, param: f.errorParam, headers: f.headers } : undefined;
        throw new NxsError('NXS_ERR_PROVIDER_REJECTED', deps.scrub(`${p.name} refused the request: ${describeFailure(f)}`), { provider: p.name, status: f.kind === 'http' ? f.status : undefined, upstream, attempts });
      }
      const cause = d.action === 'failover' ? (d.cooldownMs !== undefined ? 'rate_limit' : d.needsLargerContext ? 'context_length' : undefined) : undefined;
      attempts.push({ provider: p.name, outcome: d.action === 'credential' ? 'skipped' : 'failover', reason: detail, ms, ...(cause ? { cause } : {}) });
      const cur = health.get(p.name);
      if (d.action === 'credential') {
        health.set(recordCredentialRefused(cur, cred.fingerprint, d.reason));
        deps.credentials.forget(p);
        const message = `${p.name} refused its credential (${cred.source}); it is skipped until the credential changes (nxs secrets set ${p.credential.secret})`;
        deps.log.warn({ provider: p.name, source: cred.source }, message);
        deps.events.emit('provider.credential_expired', { provider: p.name, source: cred.source });
        deps.events.emit('alert', { source: 'providers', code: 'NXS_ERR_PROVIDER_CREDENTIAL_REFUSED', message, severity: p.optional ? 'info' : 'warning' });
      } else if (d.cooldownMs !== undefined) {
        health.set(recordRateLimit(cur, clock.now(), d.cooldownMs, d.reason));
        deps.rateLimited.set(p.name, clock.now() + d.cooldownMs);
      } else if (d.countsAgainstBreaker) {
        const next = recordFailure(cur, clock.now(), d.reason, policyOf(deps.settings));
        health.set(next);
        deps.events.emit('provider.down', { provider: p.name, reason: d.reason });
        if (next.state === 'open' && cur.state !== 'open') deps.events.emit('provider.breaker_opened', { provider: p.name, until: next.openUntil, reason: d.reason });
      } else if (cur.state === 'half-open') {
        health.set({ ...cur, state: 'closed' });
      }
      // Only a known window can rule others out; an unknown one rules out none.
      if (d.action === 'failover' && d.needsLargerContext && p.contextWindow !== undefined) tooSmallContext();
      deps.log.warn({ provider: p.name, reason: detail }, 'provider failed; trying the next');
      return null;
    }
  }
}
