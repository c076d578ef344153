import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { EventBus } from '../core/events.ts';
import type { Db } from '../store/database.ts';
import { NxsError } from '../core/errors.ts';
import type { CallOptions, ChatRequest, ChatResult, ClientMode, LlmClient } from './types.ts';
import type { ProviderSpec } from './provider-spec.ts';
import { serves, upstreamModel, type Endpoint } from './provider-spec.ts';
import { routeModel, type ModelRoute } from './model-routes.ts';
import { controlledRoute } from './request-control.ts';
import { callEmbeddings, type EmbeddingsRequest, type EmbeddingsResult } from './embeddings-call.ts';
import { exhaustedError } from './exhausted.ts';
import type { ClientSettings } from './config.ts';
import { Transport } from './transport.ts';
import { HealthStore } from './health-store.ts';
import { AnswerCache, type CachedAnswer } from './answer-cache.ts';
import { availability, cooldownFor, credentialStillRefused } from './breaker.ts';
import { callChat } from './chat-call.ts';
import { runChain, ChainExhausted, policyOf, type RunnerDeps } from './chain-runner.ts';
import { fingerprint, type CredentialSources } from './credentials.ts';
import { streamWithFailover, type FailoverStream } from './stream-failover.ts';
import { CredentialCache } from './credential-cache.ts';
import { attemptsOf, observeAttempts, observeStream, observeUsage, type ProviderObserver } from './observer.ts';
import { RecoveryProbe } from './recovery-probe.ts';
import { conditionHolds } from './enabled-if.ts';
import type { Facts } from '../detect/facts.ts';

/** Answers for the emergency cache are written in one transaction per this many ms (a timer only while some wait). */
const CACHE_BATCH_MS = 100;

export interface FallbackClientDeps {
  clock: Clock;
  log: Logger;
  events: EventBus;
  db: Db;
  settings: ClientSettings;
  chain: ProviderSpec[];
  credentials: CredentialSources;
  /** Jitter source; tests pass a fixed one. */
  random?: () => number;
  /** Scrubs registered secrets from provider text (ctx.redactor.scrub). */
  scrub?: (text: string) => string;
  /** Told of every call's attempts, time to first byte and tokens (the host's metrics). */
  observer?: ProviderObserver;
}

export interface ProviderView {
  name: string;
  base_url: string;
  model: string | null;
  local: boolean;
  optional: boolean;
  state: 'closed' | 'open' | 'half-open';
  available: 'usable' | 'resting' | 'probe' | 'credential-refused';
  failures: number;
  open_until: string | null;
  last_error: string | null;
  last_ok_at: string | null;
  sticky: boolean;
  /** seed 000's condition, when the provider has one. */
  enabled_if: string | null;
  /** false when its condition does not hold on the current facts (the provider is left out); null when unknown. */
  enabled: boolean | null;
}

/**
 * The fallback client: an ordered chain of OpenAI-compatible providers, a
 * breaker per provider, a sticky provider, a recovery probe that moves back
 * up the chain, and an emergency cache when everything fails.
 */
export class FallbackClient implements LlmClient {
  readonly transport: Transport;
  readonly health: HealthStore;
  readonly cache: AnswerCache;
  private readonly deps: FallbackClientDeps;
  private readonly runner: RunnerDeps;
  private chainList: ProviderSpec[];
  private stickyName: string | null = null;
  private emergency = false;
  private readonly recovery: RecoveryProbe;
  private readonly recoveredListeners = new Set<() => void>();
  private readonly offDemote: () => void;
  private facts: () => Partial<Facts> | undefined = () => undefined;

  constructor(deps: FallbackClientDeps) {
    this.deps = deps;
    this.chainList = [...deps.chain];
    this.transport = new Transport(deps.clock, deps.scrub);
    this.health = new HealthStore(deps.db, () => deps.clock.now());
    // The cache's writes are batched on a real one-shot timer, deliberately not the injected clock: the delay
    // decides nothing (reads and close flush first), and on a fake clock it would sit among the timers tests count.
    this.cache = new AnswerCache(deps.db, deps.settings.cacheEntries, () => deps.clock.now(), (flush) => setTimeout(flush, CACHE_BATCH_MS).unref(), { scrub: deps.scrub ?? ((t) => t) });
    this.runner = { clock: deps.clock, log: deps.log, events: deps.events, health: this.health, settings: deps.settings, credentials: new CredentialCache(deps.clock, deps.credentials), random: deps.random ?? Math.random, scrub: deps.scrub ?? ((t) => t), probing: new Set(), rateLimited: new Map() };
    this.recovery = new RecoveryProbe({ clock: deps.clock, log: deps.log, probe: (p) => this.probe(p), candidates: () => this.recoveryCandidates(), onWin: (p) => this.recovered(p) });
    // Breakers reloaded from the store may already be open: schedule their probes.
    this.recovery.reschedule(this.health, this.isDegraded());
    // The doctor asks to route around a provider (src/doctor, fix `switch_provider`).
    this.offDemote = deps.events.on('provider.demote', ({ provider, reason }) => this.demote(provider, reason));
  }

  /** Rests a provider for a cooldown as if its breaker had opened; the recovery probe brings it back. */
  demote(name: string, reason: string): void {
    const p = this.chainList.find((c) => c.name === name);
    if (!p) return;
    const h = this.health.get(name);
    const opens = h.opens + 1;
    this.health.set({ ...h, state: 'open', opens, openUntil: this.deps.clock.now() + cooldownFor(opens, policyOf(this.deps.settings)), lastError: `demoted (${reason})` });
    if (this.stickyName === name) this.stickyName = null;
    this.deps.log.warn({ provider: name, reason }, 'provider demoted: routing around it until it answers again');
    this.recovery.reschedule(this.health, this.isDegraded());
  }

  /**
   * The operator ends a provider's cooldown (POST /api/providers/:name/reset): its breaker closes as
   * after a success, so it is tried again (by the next call, or by the recovery probe when a provider
   * below it has become the sticky one). The last error stays for the record; a refused
   * credential stays refused (only a changed key clears that). False for an unknown name.
   */
  resetCooldown(name: string): boolean {
    if (!this.chainList.some((c) => c.name === name)) return false;
    const h = this.health.get(name);
    this.health.set({ ...h, state: 'closed', failures: 0, opens: 0, openUntil: 0 });
    // The chain may be whole again (the probe timer goes) or still below its top (the probe stays).
    this.recovery.reschedule(this.health, this.isDegraded());
    return true;
  }

  /** Detection's facts, read on each call for `enabled_if` (parts.detect.facts). */
  useFacts(facts: () => Partial<Facts> | undefined): void {
    this.facts = facts;
  }

  /** A provider's `enabled_if` on the current facts: false leaves it out of the chain; unknown (null) keeps it. */
  private enabled(p: ProviderSpec): boolean | null {
    return p.enabledIf === undefined ? true : conditionHolds(p.enabledIf, this.facts());
  }

  get chain(): readonly ProviderSpec[] {
    return this.chainList;
  }

  /** Adds a provider found at runtime (a local server): last, or first when nothing remote is usable. */
  addProvider(p: ProviderSpec, opts: { first: boolean }): void {
    if (this.chainList.some((c) => c.name === p.name)) return;
    this.chainList = opts.first ? [p, ...this.chainList] : [...this.chainList, p];
  }

  mode(): ClientMode {
    if (this.emergency) return 'emergency';
    return this.isDegraded() ? 'degraded' : 'normal';
  }

  onRecovered(listener: () => void): () => void {
    this.recoveredListeners.add(listener);
    return () => this.recoveredListeners.delete(listener);
  }

  async chat(req: ChatRequest, opts: CallOptions = {}): Promise<ChatResult> {
    const route = controlledRoute(this.route(req.model), opts.control);
    try {
      const win = await runChain(this.runner, route.providers, budgeted(opts), (p, key, signal) => callChat(this.transport, p, { ...req, model: route.upstream(p) as string }, key, signal));
      this.succeeded(win.provider, steers(opts));
      const { completion, headers } = win.value;
      observeAttempts(this.deps.observer, win.attempts);
      observeUsage(this.deps.observer, win.provider.name, completion.usage);
      // Off the response path: the SQLite write happens after this answer has been sent.
      this.cache.putLater(req, completion, win.provider.name);
      return { completion, provider: win.provider.name, model: completion.model ?? route.upstream(win.provider) ?? '', cached: false, attempts: win.attempts, upstreamHeaders: headers };
    } catch (err) {
      observeAttempts(this.deps.observer, err instanceof ChainExhausted ? err.attempts : attemptsOf(err));
      if (!(err instanceof ChainExhausted)) throw err;
      const e = exhaustedError(err);
      const hit = this.emergencyAnswer(route, e, req);
      if (hit) return { completion: { ...hit.completion, nxs_cached: true }, provider: hit.provider, model: hit.completion.model, cached: true, attempts: err.attempts };
      throw e;
    }
  }

  /**
   * An embeddings call through the providers that declare `endpoints: [..., embeddings]`, routed by
   * model as chat is. It neither moves the sticky provider nor decides emergency mode: both are about
   * chat (the cache and deferral answer chat only), and an embeddings-only provider must not reorder it.
   */
  async embed(req: EmbeddingsRequest, opts: CallOptions = {}): Promise<EmbeddingsResult> {
    const route = controlledRoute(this.route(req.model, 'embeddings'), opts.control);
    try {
      const win = await runChain(this.runner, route.providers, budgeted(opts), (p, key, signal) => callEmbeddings(this.transport, p, { ...req, model: route.upstream(p) as string }, key, signal));
      observeAttempts(this.deps.observer, win.attempts);
      const { answer, headers } = win.value;
      observeUsage(this.deps.observer, win.provider.name, answer.usage);
      return { answer, provider: win.provider.name, model: answer.model ?? route.upstream(win.provider) ?? '', attempts: win.attempts, upstreamHeaders: headers };
    } catch (err) {
      observeAttempts(this.deps.observer, err instanceof ChainExhausted ? err.attempts : attemptsOf(err));
      if (!(err instanceof ChainExhausted)) throw err;
      throw exhaustedError(err);
    }
  }

  stream(req: ChatRequest, opts: CallOptions = {}): FailoverStream {
    const stream = streamWithFailover({
      runner: this.runner,
      transport: this.transport,
      settings: this.deps.settings,
      route: (model) => controlledRoute(this.route(model), opts.control),
      onWin: (p) => this.succeeded(p, steers(opts)),
      onExhausted: (route, e, req) => this.emergencyAnswer(route, e, req),
      cache: this.cache,
      log: this.deps.log,
    }, req, budgeted(opts));
    observeStream(this.deps.observer, stream, () => this.deps.clock.monotonic());
    return stream;
  }

  /** The providers serving `endpoint` a model name goes to, in the order to try them (model-routes.ts). */
  route(model: string | undefined, endpoint: Endpoint = 'chat'): ModelRoute {
    const on = (p: ProviderSpec): boolean => serves(p, endpoint);
    return routeModel(this.chainList.filter(on), this.order().filter(on), this.deps.settings.modelGroups, model);
  }

  /**
   * Emergency mode is the whole chain failing: not one model's providers (the others still answer
   * `auto`), nor a prompt too long for all of them (the request's fault, not an outage).
   */
  private exhaustedOn(route: ModelRoute, e: NxsError): void {
    if (route.whole && e.details?.cause !== 'context_length') this.exhausted();
  }

  /**
   * The one emergency fallback, for `chat` and `stream` alike: the route is exhausted (emergency mode is
   * decided), and an earlier whole answer to the same request is the answer, if the cache has one.
   * Callers above the client (the assistant) do not call again to reach it.
   */
  private emergencyAnswer(route: ModelRoute, e: NxsError, req: ChatRequest): CachedAnswer | null {
    this.exhaustedOn(route, e);
    const hit = this.cache.get(req);
    if (hit) this.deps.log.warn({ provider: hit.provider }, 'every provider failed; answering from the emergency cache');
    return hit;
  }

  /** A tiny request to one provider (nxs providers test, recovery probes). */
  async probe(p: ProviderSpec, signal?: AbortSignal, force = false): Promise<{ ok: boolean; ms: number; error?: string; model?: string }> {
    const t0 = this.deps.clock.monotonic();
    try {
      // A provider that serves only embeddings is probed with an embedding of one word.
      const win = await runChain(this.runner, [{ ...p, retries: 0 }], { signal, latencyBudgetMs: p.timeouts.totalMs }, async (q, key, s) =>
        serves(q, 'chat')
          ? (await callChat(this.transport, q, { model: upstreamModel(q, undefined) as string, messages: [{ role: 'user', content: 'Reply with: ok' }], max_tokens: 1 }, key, s)).completion.model
          : (await callEmbeddings(this.transport, q, { model: upstreamModel(q, undefined) as string, input: 'ok' }, key, s)).answer.model,
        force,
      );
      if (force) this.recovery.reschedule(this.health, this.isDegraded());
      return { ok: true, ms: this.deps.clock.monotonic() - t0, model: win.value };
    } catch (err) {
      const reason = err instanceof ChainExhausted ? err.attempts.map((a) => a.reason).filter(Boolean).join('; ') || err.message : err instanceof Error ? err.message : String(err);
      return { ok: false, ms: this.deps.clock.monotonic() - t0, error: this.runner.scrub(reason) };
    }
  }

  /** Each provider's state, for status, /readyz and `nxs providers ls`. Secret-free. */
  views(): ProviderView[] {
    const now = this.deps.clock.now();
    return this.chainList.map((p) => {
      const h = this.health.get(p.name);
      return {
        name: p.name,
        base_url: p.baseUrl,
        model: p.model ?? null,
        local: p.local,
        optional: p.optional,
        state: h.state,
        available: h.credentialFp !== null ? 'credential-refused' : availability(h, now),
        failures: h.failures,
        open_until: h.state === 'closed' ? null : new Date(h.openUntil).toISOString(),
        last_error: h.lastError === null ? null : this.runner.scrub(h.lastError),
        last_ok_at: h.lastOkAt ? new Date(h.lastOkAt).toISOString() : null,
        sticky: p.name === this.stickyName,
        enabled_if: p.enabledIf ?? null,
        enabled: this.enabled(p),
      };
    });
  }

  async close(): Promise<void> {
    this.offDemote();
    this.recovery.stop();
    try {
      this.cache.flush();
    } catch (err) {
      this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not write the last cached answers');
    }
    await this.transport.close();
  }

  /** The chain starting at the sticky provider; the ones above it come last (the recovery probe moves back up). */
  private order(): ProviderSpec[] {
    const i = this.chainList.findIndex((p) => p.name === this.stickyName);
    const ordered = i <= 0 ? [...this.chainList] : [...this.chainList.slice(i), ...this.chainList.slice(0, i)];
    return ordered.filter((p) => p.enabledIf === undefined || this.enabled(p) !== false);
  }

  /** `steered`: the caller chose the providers (x-nxs-config targets or single); its pick moves no one else's sticky provider. */
  private succeeded(p: ProviderSpec, steered = false): void {
    const wasEmergency = this.emergency;
    this.emergency = false;
    if (steered) {
      if (wasEmergency) this.fireRecovered();
      this.recovery.reschedule(this.health, this.isDegraded());
      return;
    }
    const idx = this.chainList.findIndex((c) => c.name === p.name);
    const stickyIdx = this.chainList.findIndex((c) => c.name === this.stickyName);
    // Stay with what works; only the recovery probe moves up (so one lucky answer from above does not flap).
    // A provider left out by its enabled_if did not fail: the first one enabled is the top of the chain.
    const top = this.chainList.find((c) => this.enabled(c) !== false);
    if (this.stickyName === null || stickyIdx < 0 || idx !== stickyIdx) this.stickyName = p.name === top?.name ? null : p.name;
    if (wasEmergency) this.fireRecovered();
    this.recovery.reschedule(this.health, this.isDegraded());
  }

  private exhausted(): void {
    if (!this.emergency) {
      this.deps.log.error('every LLM provider failed: emergency mode (cached answers, deferred requests)');
      this.deps.events.emit('alert', { source: 'providers', code: 'NXS_ERR_PROVIDERS_EXHAUSTED', message: 'every LLM provider failed; answering from the cache or deferring', severity: 'critical' });
    }
    this.emergency = true;
    this.recovery.enterEmergency();
  }

  private recovered(p: ProviderSpec): void {
    const wasEmergency = this.emergency;
    this.emergency = false;
    this.stickyName = this.chainList[0]?.name === p.name ? null : p.name;
    this.deps.log.info({ provider: p.name }, 'recovery probe: provider answers again; moving back up the chain');
    this.deps.events.emit('provider.recovered', { provider: p.name });
    if (wasEmergency) this.fireRecovered();
    this.recovery.reschedule(this.health, this.isDegraded());
  }

  private fireRecovered(): void {
    for (const l of [...this.recoveredListeners]) {
      try {
        l();
      } catch (err) {
        this.deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'recovery listener failed');
      }
    }
  }

  /** Providers worth probing: in emergency all of them; otherwise the ones above the sticky one. */
  private recoveryCandidates(): ProviderSpec[] {
    const on = (p: ProviderSpec): boolean => this.enabled(p) !== false;
    if (this.emergency) return this.chainList.filter(on);
    const i = this.chainList.findIndex((p) => p.name === this.stickyName);
    return i <= 0 ? [] : this.chainList.slice(0, i).filter(on);
  }

  private isDegraded(): boolean {
    if (this.emergency) return true;
    if (this.stickyName !== null && this.chainList[0]?.name !== this.stickyName) return true;
    const now = this.deps.clock.now();
    return this.chainList.some((p) => !p.optional && (availability(this.health.get(p.name), now) !== 'usable' || this.health.get(p.name).credentialFp !== null));
  }

  /** True when a refused credential has since changed (so the provider may be tried again). */
  credentialChanged(p: ProviderSpec, value: string | undefined): boolean {
    return !credentialStillRefused(this.health.get(p.name), fingerprint(value));
  }
}

/** The call's options with the request's own timeout as its budget for waits (x-nxs-config request_timeout). */
function budgeted(opts: CallOptions): CallOptions {
  const t = opts.control?.timeoutMs;
  return t === undefined ? opts : { ...opts, latencyBudgetMs: Math.min(t, opts.latencyBudgetMs ?? t) };
}

/** True when the caller narrowed the chain itself (x-nxs-config targets, or no fallback). */
function steers(opts: CallOptions): boolean {
  return opts.control !== undefined && (opts.control.providers !== undefined || !opts.control.fallback);
}
