import type { EventBus } from '../core/events.ts';
import type { HostMetrics } from './host-metrics.ts';

/**
 * Counters fed by events the parts already announce on the host's bus: an increment per event,
 * nothing else. Payload fields that become labels are names from config or fixed sets (the event
 * map in core/events.ts types them, so no label is read blind); anything else (an agent's id, a reason's text) is left out. Returns the unsubscribe.
 */
export function countBusEvents(events: EventBus, m: HostMetrics): () => void {
  const offs = [
    events.on('tier.changed', ({ from, to }) => m.tierChanges.inc([from, to])),
    events.on('provider.breaker_opened', ({ provider }) => m.breakerOpens.inc([provider])),
    events.on('provider.recovered', ({ provider }) => m.recoveries.inc([provider])),
    events.on('assistant.survival', ({ active }) => active && m.survivalEntries.inc()),
    events.on('channel.down', ({ channel }) => m.channelDown.inc([channel])),
    events.on('agent.crashed', ({ kind }) => m.agentCrashes.inc([kind])),
    events.on('agent.restarting', () => m.agentRestarts.inc()),
    events.on('agent.crash_loop', () => m.crashLoops.inc()),
    events.on('alert', ({ source, severity }) => m.alerts.inc([source, severity])),
  ];
  return () => {
    for (const off of offs) off();
  };
}
