import type { BootStep } from '../boot/steps.ts';
import type { Context } from '../core/context.ts';
import type { JobQueue } from '../queue/types.ts';
import { createFallbackClient } from './create-client.ts';
import type { FallbackClient } from './client.ts';
import { doorRoutes } from './door.ts';
import { embeddingsRoute } from './door-embeddings.ts';
import { DoorQuota } from './door-quota.ts';
import { UsageStore } from './usage-store.ts';
import { NO_DOOR_LIMITS } from '../supervisor/token-limits.ts';
import { providerApiRoutes } from './api-routes.ts';
import { wireDeferred } from './deferred.ts';
import { probeLocalServer, localProviderSpec, type LocalServer } from './local-probe.ts';
import { localServersFromFacts } from './local-from-facts.ts';
import { localModelFirst } from '../detect/local-preference.ts';
import type { DetectHandle } from '../detect/handle.ts';

/**
 * Boot step `providers`: the fallback client on `parts.llm`, the /v1 door,
 * /api/providers, status and readiness. Local servers are probed in the
 * background (readiness never waits on the network); deferred requests are
 * wired to the queue once the host is ready (the queue may start later).
 */
export const providersStep: BootStep = {
  name: 'providers',
  start(ctx, parts) {
    const client = createFallbackClient(ctx, parts.metrics ? { observer: parts.metrics.providers } : {});
    parts.llm = client;
    ctx.lifecycle.onStop('providers', () => client.close());
    const queue = (): JobQueue | undefined => parts.queue as JobQueue | undefined;
    const usage = new UsageStore(ctx.db, ctx.clock, { onError: (err) => ctx.log.error({ err: err instanceof Error ? err.message : String(err) }, 'could not record LLM usage') });
    ctx.lifecycle.onStop('providers-usage', () => usage.flush());
    // Tokens are made by the supervisor step, after this one: their limits are looked up per request.
    const quota = new DoorQuota({ clock: ctx.clock, log: ctx.log, usage, limitsOf: (id) => parts.tokens?.doorLimits(id) ?? NO_DOOR_LIMITS });
    const door = { ctx, client, queue, quota };
    parts.routes.push(...doorRoutes(door, [embeddingsRoute(door)]), ...providerApiRoutes({ ctx, client, usage }));
    parts.status.set('providers', () => statusOf(client));
    parts.readiness.set('llm', () => ({ mode: client.mode(), providers: client.chain.length }));
    if (client.chain.length === 0) ctx.log.warn('no LLM providers configured: local servers (if found) and the emergency cache only');

    let stopDeferred: (() => void) | null = queue() ? wireDeferred(ctx, client, queue()!) : null;
    const offReady = ctx.events.on('host.ready', () => {
      const q = queue();
      if (q && !stopDeferred) stopDeferred = wireDeferred(ctx, client, q);
    });
    ctx.lifecycle.onStop('providers-deferred', () => {
      offReady();
      stopDeferred?.();
    });
    // undici loads at the first provider call (transport.ts), not at boot: a host with no
    // provider to call, or none called yet, never pays its ~5 MB of RSS and its load time.
    const detect = parts.detect;
    // enabled_if reads detection's latest facts on every call (network facts join when their probes answer).
    if (detect) client.useFacts(() => detect.facts());
    void findLocalServers(ctx, detect, client).catch((err: unknown) => ctx.log.error({ err: String(err) }, 'adding local LLM servers failed'));
  },
};

/**
 * Local LLM servers join the chain from detection's facts (parts.detect, once
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
