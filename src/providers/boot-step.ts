import type { BootStep } from '../boot/steps.ts';
import type { Context } from '../core/context.ts';
import type { HostParts } from '../boot/parts.ts';
import type { JobQueue } from '../queue/types.ts';
import { createFallbackClient } from './create-client.ts';
import type { FallbackClient } from './client.ts';
import { doorRoutes } from './door.ts';
import { providerApiRoutes } from './api-routes.ts';
import { wireDeferred } from './deferred.ts';
import { probeLocalServer, localProviderSpec } from './local-probe.ts';

/**
 * Boot step `providers`: the fallback client on `parts.llm`, the /v1 door,
 * /api/providers, status and readiness. Local servers are probed in the
 * background (readiness never waits on the network); deferred requests are
 * wired to the queue once the host is ready (the queue may start later).
 */
export const providersStep: BootStep = {
  name: 'providers',
  start(ctx, parts) {
    const client = createFallbackClient(ctx);
    parts.llm = client;
    ctx.lifecycle.onStop('providers', () => client.close());
    const queue = (): JobQueue | undefined => parts.queue as JobQueue | undefined;
    parts.routes.push(...doorRoutes({ ctx, client, queue }), ...providerApiRoutes({ ctx, client }));
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
    // Load undici now, off the ready path, so the first call does not pay for it (it cannot be a top-level import: see transport.ts).
    void import('undici').catch((err: unknown) => ctx.log.error({ err: String(err) }, 'cannot load undici'));
    void findLocalServers(ctx, parts, client);
  },
};

async function findLocalServers(ctx: Context, _parts: HostParts, client: FallbackClient): Promise<void> {
  const settings = ctx.config.providers.client;
  const configured = new Set(client.chain.map((p) => new URL(p.baseUrl).origin));
  const found = await Promise.all(
    settings.localProbe.filter((p) => !configured.has(new URL(p.baseUrl).origin)).map((p) => probeLocalServer(p.name, p.baseUrl, settings.localProbeTimeoutMs, ctx.clock)),
  );
  for (const s of found) {
    if (!s) continue;
    // Offline (nothing remote configured or usable), the local server goes first; otherwise it is the last resort before the cache.
    const remote = client.views().filter((v) => !v.local);
    const offline = remote.length === 0 || remote.every((v) => v.available !== 'usable');
    client.addProvider(localProviderSpec(s, client.chain.length), { first: offline });
    ctx.log.info({ provider: s.name, url: s.baseUrl, models: s.models.length, first: offline }, 'local LLM server found; added to the chain');
    ctx.bootLog.add(`local LLM server ${s.name} at ${s.baseUrl} added to the chain${offline ? ' (first: offline)' : ''}`);
  }
}

export function statusOf(client: FallbackClient): Record<string, unknown> {
  return {
    mode: client.mode(),
    providers: client.views().map((v) => ({ name: v.name, state: v.state, available: v.available, sticky: v.sticky, local: v.local, last_error: v.last_error })),
    cached_answers: client.cache.size(),
  };
}
