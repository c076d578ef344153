import type { BootStep } from '../boot/steps.ts';
import { HostMetrics } from './host-metrics.ts';
import { countBusEvents } from './bus-counters.ts';
import { metricsRoute } from './route.ts';
import { startMetricsListener } from './listener.ts';
import { runtimeCollector } from './collectors/runtime.ts';
import { tierCollector } from './collectors/tier.ts';
import { queueCollector } from './collectors/queue.ts';
import { providersCollector } from './collectors/providers.ts';
import { agentsCollector } from './collectors/agents.ts';
import { checkpointsCollector } from './collectors/checkpoints.ts';
import { assistantCollector } from './collectors/assistant.ts';

/**
 * Boot step `metrics` (early, so it counts what the later steps announce): the event-bus
 * counters, the scrape-time collectors (each reads its part off `parts` when a scrape comes,
 * so parts that start later are seen), `GET /metrics`, and the optional loopback listener.
 * The metric families themselves are made by the composition root (`parts.metrics`): the HTTP
 * server and the parts' observers hold them before any step runs.
 */
export const metricsStep: BootStep = {
  name: 'metrics',
  async start(ctx, parts) {
    const m = (parts.metrics ??= new HostMetrics(ctx.version));
    const cfg = ctx.config.metrics;
    const offBus = countBusEvents(ctx.events, m);
    ctx.lifecycle.onStop('metrics-events', offBus);
    const r = m.registry;
    r.onCollect(runtimeCollector(m));
    r.onCollect(tierCollector(m, () => ctx.profile.current.tier, () => parts.detect?.choice.tier));
    r.onCollect(queueCollector(m, ctx.db, ctx.clock, () => parts.queue));
    r.onCollect(providersCollector(m, () => ctx.clock.now(), () => parts.llm));
    r.onCollect(agentsCollector(m, () => parts.supervisor));
    r.onCollect(checkpointsCollector(m, ctx.db));
    r.onCollect(assistantCollector(m, ctx.db, () => parts.assistant));
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
