import type { BootStep } from '../boot/boot-step.ts';
import { countBusEvents } from './bus-counters.ts';
import { metricsRoute } from './route.ts';
import { startMetricsListener } from './listener.ts';
import { runtimeCollector } from './collectors/runtime.ts';
import { checkpointsCollector } from './collectors/checkpoints.ts';

/**
 * Boot step `metrics` (early, so it counts what the later steps announce): the event-bus
 * counters, the collectors of what belongs to no part (the runtime, the checkpoints table),
 * `GET /metrics`, and the optional loopback listener. The metric families themselves are made
 * by the composition root (`parts.metrics`): the HTTP server and the parts' observers hold them
 * before any step runs, and each part registers its own scrape-time collector when it starts
 * (detect the tier, queue, providers, supervisor, assistant).
 */
export const metricsStep: BootStep = {
  name: 'metrics',
  async start(ctx, parts) {
    const m = parts.metrics;
    const cfg = ctx.config.metrics;
    const offBus = countBusEvents(ctx.events, m);
    ctx.lifecycle.onStop('metrics-events', offBus);
    const r = m.registry;
    r.onCollect(runtimeCollector(m));
    r.onCollect(checkpointsCollector(m, ctx.db));
    if (cfg.enabled) parts.routes.push(metricsRoute(m, ctx.log));
    let listenUrl: string | null = null;
    if (cfg.listen) {
      const listener = await startMetricsListener(m, ctx.log, cfg.listen.host, cfg.listen.port);
      ctx.lifecycle.onStop('metrics-listener', () => listener.close());
      listenUrl = listener.url;
      ctx.log.warn({ url: listener.url }, 'metrics: unauthenticated scrape port open (metrics.listen)');
      ctx.bootLog.add(`metrics: unauthenticated scrape port at ${listener.url}`);
    }
    parts.status.set('metrics', () => ({ route: cfg.enabled ? '/metrics' : null, listen: listenUrl }));
  },
};
