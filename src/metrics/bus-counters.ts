import type { EventBus } from '../core/events.ts';
import type { HostMetrics } from './host-metrics.ts';

const CRASH_KINDS: ReadonlySet<string> = new Set(['crash', 'hung', 'oom', 'clean']);
const SEVERITIES: ReadonlySet<string> = new Set(['info', 'warning', 'critical']);

/**
 * Counters fed by events the parts already announce on the host's bus: an increment per event,
 * nothing else. Payload fields that become labels are names from config or fixed sets; anything
 * else (an agent's id, a reason's text) is left out. Returns the unsubscribe.
 */
export function countBusEvents(events: EventBus, m: HostMetrics): () => void {
  const offs = [
    events.on('tier.changed', ({ from, to }) => m.tierChanges.inc([from, to])),
    events.on('provider.breaker_opened', (p) => m.breakerOpens.inc([providerOf(p)])),
    events.on('provider.recovered', (p) => m.recoveries.inc([providerOf(p)])),
    events.on('assistant.survival', ({ active }) => active && m.survivalEntries.inc()),
    events.on('channel.down', ({ channel }) => m.channelDown.inc([channel])),
    events.on('agent.crashed', (p) => {
      const kind = (p as { kind?: unknown } | null)?.kind;
      m.agentCrashes.inc([typeof kind === 'string' && CRASH_KINDS.has(kind) ? kind : 'other']);
    }),
    events.on('agent.restarting', () => m.agentRestarts.inc()),
    events.on('agent.crash_loop', () => m.crashLoops.inc()),
    events.on('alert', ({ source, severity }) => m.alerts.inc([source, SEVERITIES.has(severity) ? severity : 'other'])),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/** `provider.breaker_opened` and `provider.recovered` are untyped on the bus: read the name defensively. */
function providerOf(payload: unknown): string {
  const p = (payload as { provider?: unknown } | null)?.provider;
  return typeof p === 'string' ? p : 'unknown';
}
