import type { BootStep } from '../boot/boot-step.ts';
import type { Context } from '../core/context.ts';
import type { JobQueue } from '../queue/types.ts';
import { createFallbackClient } from './create-client.ts';
import type { FallbackClient } from './client.ts';
import { doorRoutes } from './door.ts';
import { embeddingsRoute } from './door-embeddings.ts';
import { DoorQuota } from './door-quota.ts';
import { UsageStore } from './usage-store.ts';
import { NO_DOOR_LIMITS, type DoorLimits, type UseDoorLimits } from '../supervisor/token-limits.ts';
import { providersCollector } from '../metrics/collectors/providers.ts';
import { providerApiRoutes } from './api-routes.ts';
import { LatencyWindows } from './latency-window.ts';
import { observeAll } from './observer.ts';
import { wireDeferred } from './deferred.ts';
import { probeLocalServer, localProviderSpec, type LocalServer } from './local-probe.ts';
import { localServersFromFacts } from './local-from-facts.ts';
import { localModelFirst } from '../detect/local-preference.ts';
import type { DetectHandle } from '../detect/handle.ts';

/**
 * Boot step `providers`: the fallback client, the /v1 door, /api/providers,
 * status and readiness. Local servers are probed in the background (readiness
 * never waits on the network); deferred requests are wired to the queue when
 * there is one. Gives `llm` and `useDoorLimits` (the tokens, made by the
 * supervisor step after this one, bound the door through it).
 */
export const providersStep: BootStep<{ queue?: JobQueue; detect?: DetectHandle }, { llm: FallbackClient; useDoorLimits: UseDoorLimits }> = {
  name: 'providers',
  start(ctx, parts) {
    // Each provider's recent latencies for /api/providers, fed beside the metrics from the same attempts.
    const latency = new LatencyWindows();
    const client = createFallbackClient(ctx, { observer: observeAll(parts.metrics.providers, latency.observer) });
    ctx.lifecycle.onStop('providers', () => client.close());
    parts.metrics.registry.onCollect(providersCollector(parts.metrics, () => ctx.clock.now(), () => client));
    const queue = parts.queue;
    const usage = new UsageStore(ctx.db, ctx.clock, { onError: (err) => ctx.log.error({ err: err instanceof Error ? err.message : String(err) }, 'could not record LLM usage') });
    ctx.lifecycle.onStop('providers-usage', () => usage.flush());
    // Tokens are made by the supervisor step, after this one: until it hands their limits over, none apply.
    let tokenLimits: (id: string) => DoorLimits = () => NO_DOOR_LIMITS;
    const quota = new DoorQuota({ clock: ctx.clock, log: ctx.log, usage, limitsOf: (id) => tokenLimits(id) });
    const door = { ctx, client, queue, quota };
    parts.routes.push(...doorRoutes(door, [embeddingsRoute(door)]), ...providerApiRoutes({ ctx, client, usage, latency }));
    parts.status.set('providers', () => statusOf(client));
    parts.readiness.set('llm', () => ({ mode: client.mode(), providers: client.chain.length }));
    if (client.chain.length === 0) ctx.log.warn('no LLM providers configured: local servers (if found) and the emergency cache only');

    if (queue) ctx.lifecycle.onStop('providers-deferred', wireDeferred(ctx, client, queue));
    // undici loads at the first provider call (transport.ts), not at boot: a host with no
    // provider to call, or none called yet, never pays its ~5 MB of RSS and its load time.
    const detect = parts.detect;
    // enabled_if reads detection's latest facts on every call (network facts join when their probes answer).
    if (detect) client.useFacts(() => detect.facts());
    void findLocalServers(ctx, detect, client).catch((err: unknown) => ctx.log.error({ err: String(err) }, 'adding local LLM servers failed'));
    return { llm: client, useDoorLimits: (limitsOf) => void (tokenLimits = limitsOf) };
  },
};

/**
 * Local LLM servers join the chain from detection's facts (the detect step's, once
 * its background probes answer); nxs probes by itself only when detection is
 * absent or has no answer. `llm_client.local_probe: []` turns both off.
 */
export async function findLocalServers(ctx: Context, detect: DetectHandle | undefined, client: FallbackClient): Promise<void> {
  const settings = ctx.config.providers.client;
  if (settings.localProbe.length === 0) return;
  const configured = new Set(client.chain.map((p) => new URL(p.baseUrl).origin));
  let found: LocalServer[] | null = null;
  let preferred: string | null = null;
  let source = 'probe';
  if (detect) {
    await detect.networkReady;
    const facts = detect.facts();
    found = localServersFromFacts(facts);
    preferred = localModelFirst(facts)?.server ?? null;
    source = 'detection';
  }
  if (found === null) {
    source = 'probe';
    const probed = await Promise.all(
      settings.localProbe.filter((p) => !configured.has(new URL(p.baseUrl).origin)).map((p) => probeLocalServer(p.name, p.baseUrl, settings.localProbeTimeoutMs, ctx.clock)),
    );
    found = probed.filter((s): s is LocalServer => s !== null);
  }
  for (const s of found) {
    if (configured.has(new URL(s.baseUrl).origin)) continue;
    // First when detection says offline and this server has a model (localModelFirst), or when nothing remote is configured or usable; otherwise the last resort before the cache.
    const remote = client.views().filter((v) => !v.local);
    const first = preferred === s.name || remote.length === 0 || remote.every((v) => v.available !== 'usable');
    client.addProvider(localProviderSpec(s, client.chain.length), { first });
    ctx.log.info({ provider: s.name, url: s.baseUrl, models: s.models.length, first, source }, 'local LLM server found; added to the chain');
    ctx.bootLog.add(`local LLM server ${s.name} at ${s.baseUrl} added to the chain (from ${source})${first ? `, first: ${preferred === s.name ? 'offline' : 'nothing remote usable'}` : ''}`);
  }
}

export function statusOf(client: FallbackClient): Record<string, unknown> {
  return {
    mode: client.mode(),
    providers: client.views().map((v) => ({ name: v.name, state: v.state, available: v.available, sticky: v.sticky, local: v.local, last_error: v.last_error })),
    cached_answers: client.cache.size(),
  };
}
